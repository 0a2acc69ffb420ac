/**
 * The cluster's command-line values: the Redis URL (`--cluster`) and the room name (`--room`),
 * checked before anything connects, with a sentence for each thing that can be wrong.
 */
import net from 'node:net';
import { formatHost, isHostName, parsePort } from '../../common/address';

export const DEFAULT_REDIS_PORT = 6379;
export const DEFAULT_ROOM = 'tincan';
/**
 * Entries the room's stream keeps. At the bench's `room` load (2,000 lines/s, a busy room)
 * that is 50 s of history: a node cut off for that long (a Redis restart, a network blip)
 * still catches up without a gap; at 100 lines/s, over a quarter of an hour. An entry of a
 * 64-byte line takes about 120 bytes in Redis, so the stream stays near 12 MB.
 */
export const DEFAULT_BACKLOG = 100_000;
export const MIN_BACKLOG = 100;
export const MAX_BACKLOG = 100_000_000;
/** How long a node may go without a heartbeat before the others announce its clients' departures. */
export const DEFAULT_LEASE_MS = 10_000;
export const MIN_LEASE_MS = 1000;
export const MAX_LEASE_MS = 600_000;
/** A room name is part of every Redis key of the room: short and unambiguous. */
const ROOM_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const URL_EXAMPLE = 'redis://HOST:PORT, redis://USER:PASSWORD@HOST:PORT/DB, or rediss://… for TLS';

export class ClusterOptionError extends Error {}

/** Where the room's Redis is and how to log in. */
export interface RedisTarget {
  tls: boolean;
  /** A host name, an IPv4 address, or an IPv6 address without brackets. */
  host: string;
  port: number;
  /** Redis 6+ ACL user; undefined means the `default` user. */
  username: string | undefined;
  password: string | undefined;
  db: number;
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ClusterOptionError(`--cluster has a badly encoded ${what} (use %XX for special characters).`);
  }
}

/**
 * Parses `redis://[USER:PASSWORD@]HOST[:PORT][/DB]` (`rediss://` for TLS; IPv6 hosts in
 * brackets; `%XX` for special characters in the user name and password). The password never
 * appears in an error message: a mistyped URL is often pasted into a bug report.
 */
export function parseClusterUrl(text: string): RedisTarget {
  const shown = redactUrlText(text);
  const wrong = (why: string) => new ClusterOptionError(`--cluster ${why} (got "${shown}"); expected ${URL_EXAMPLE}.`);
  if (text.trim() === '' || text.length > 2048 || /[\s\p{Cc}]/u.test(text)) throw wrong('must be a Redis URL');
  const parts = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(text);
  if (!parts) throw wrong('must be a Redis URL');
  const scheme = parts[1]!.toLowerCase();
  const authority = parts[2]!;
  const rest = parts[3]!;
  if (scheme !== 'redis' && scheme !== 'rediss') throw wrong(`must start with redis:// or rediss://, not ${scheme}://`);
  if (rest.includes('?') || rest.includes('#')) throw wrong('takes no ?query or #fragment');

  const at = authority.lastIndexOf('@');
  const login = at < 0 ? null : authority.slice(0, at);
  const hostPort = authority.slice(at + 1);
  if (!hostPort.startsWith('[') && (hostPort.match(/:/g)?.length ?? 0) > 1) throw wrong('has an IPv6 address without [brackets]');
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(hostPort);
  const plain = bracketed ? null : /^([^:]*)(?::(.*))?$/.exec(hostPort);
  const host = bracketed ? bracketed[1]! : plain ? plain[1]! : '';
  const portText = bracketed ? bracketed[2] : plain?.[2];
  if (host === '') throw wrong('needs a host');
  if (bracketed) {
    if (!net.isIPv6(host)) throw wrong(`has an invalid IPv6 address [${host}]`);
  } else if (!net.isIPv4(host) && !isHostName(host)) {
    throw wrong(`has an invalid host name "${host}"`);
  }
  let port = DEFAULT_REDIS_PORT;
  if (portText !== undefined) {
    const parsed = parsePort(portText);
    if (parsed === null) throw wrong(`has port "${portText}", which is not a number from 1 to 65535`);
    port = parsed;
  }

  let db = 0;
  if (rest !== '' && rest !== '/') {
    const match = /^\/(\d{1,9})$/.exec(rest);
    if (!match) throw wrong(`has "${rest}" where only a database number (/0, /1, …) may go`);
    db = Number(match[1]);
  }

  let username: string | undefined;
  let password: string | undefined;
  if (login !== null) {
    const colon = login.indexOf(':');
    const user = colon < 0 ? login : login.slice(0, colon);
    const secret = colon < 0 ? '' : login.slice(colon + 1);
    username = user === '' ? undefined : decode(user, 'user name');
    password = secret === '' ? undefined : decode(secret, 'password');
    if (password === undefined) {
      throw wrong('has a login but no password (write USER:PASSWORD@HOST, or :PASSWORD@HOST for the default user)');
    }
  }
  return { tls: scheme === 'rediss', host, port, username, password, db };
}

/** The URL as it may be logged: the password replaced by `***`. */
export function describeTarget(target: RedisTarget): string {
  const login = target.password === undefined ? '' : `${target.username === undefined ? '' : encodeURIComponent(target.username)}:***@`;
  return `${target.tls ? 'rediss' : 'redis'}://${login}${formatHost(target.host)}:${target.port}/${target.db}`;
}

// The text as given with the login hidden: `user:***@` (the user name alone is no secret),
// or `***@` when there is no colon (it may be a password missing its colon).
function redactUrlText(text: string): string {
  const clipped = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return clipped.replace(/^([^:/]*:\/\/)([^/?#]*)@/, (_match, start: string, login: string) => {
    const colon = login.indexOf(':');
    return `${start}${colon < 0 ? '' : `${login.slice(0, colon)}:`}***@`;
  });
}

export function parseRoomName(text: string): string {
  if (!ROOM_NAME.test(text)) {
    throw new ClusterOptionError(
      `--room must be 1 to 64 letters, digits, dots, dashes or underscores (got "${text.length > 80 ? `${text.slice(0, 80)}…` : text}").`,
    );
  }
  return text;
}

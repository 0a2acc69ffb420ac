/**
 * The headless server: the same ChatServer under plain Node, for a machine with no desktop.
 *   tincan-server --port 60003 --host 0.0.0.0 --name "Lab 3"
 *   tincan-server --cluster redis://10.0.0.9:6379 --room lobby    (one room across servers)
 * Prints `Listening on HOST:PORT` on stdout once ready; logs joins, leaves and errors to stderr,
 * and the certificate's fingerprint there when TLS is on (the default).
 * A room open to the network is announced on it (LAN discovery) unless --no-announce.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { version as APP_VERSION } from '../../package.json';
import { RoomAnnouncement } from '../app/discovery/announcement';
import { checkRoomName, systemDefaultRoomName } from '../app/discovery/room-name';
import { externalAddresses } from '../app/share-addresses';
import { loadOrCreateHostCertificate, readCertificateFiles, type HostCertificate } from '../chat/host-certificate';
import { DEFAULT_MAX_LINE_BYTES } from '../chat/line-decoder';
import { ChatServer, DEFAULT_MAX_CLIENT_OUTPUT_BYTES } from '../chat/server';
import type { FlowReason, RefusalReason } from '../chat/types';
import { formatHost } from '../common/address';
import { cleanTopic } from '../common/person-name';
import { withoutServerPrefix } from '../common/server-notice';
import { MAX_PASSWORD_BYTES, passwordProblem } from '../chat/room-gate';
import { DEFAULT_REPLAY_MAX_BYTES, MAX_REPLAY_LINES } from '../chat/replay';
import { DEFAULT_PORT } from '../common/constants';
import {
  ClusterOptionError,
  DEFAULT_BACKLOG,
  DEFAULT_LEASE_MS,
  DEFAULT_ROOM,
  MAX_BACKLOG,
  MAX_LEASE_MS,
  MIN_BACKLOG,
  MIN_LEASE_MS,
  parseClusterUrl,
  parseRoomName,
  type RedisTarget,
} from './cluster/options';

/** Where `--cluster` may come from instead, so the Redis password stays out of `ps`. */
export const CLUSTER_ENV = 'TINCAN_CLUSTER';

/**
 * The headless server's limits per address. A lab's terminal server, or a lecture hall's
 * Wi-Fi NATed into the lab network, puts many people behind one address, all arriving at
 * once; so the app's 16 and 60 are far too few here. 256 still keeps one machine to a
 * sliver of the descriptors (20,000 / 256 is 78 machines), and 600 joins (then 10 a second)
 * lets a whole lecture in at once while bounding how fast one machine can churn notices.
 */
export const DEFAULT_HEADLESS_MAX_PER_ADDRESS = 256;
export const DEFAULT_HEADLESS_JOINS_PER_MINUTE = 600;
/** `--max-rate N` allows bursts of this many times N lines. */
export const RATE_BURST_FACTOR = 10;

export const USAGE = `Usage: tincan-server [options]

Runs a Tincan chat room. Anyone can join with the Tincan app, or with
  telnet HOST PORT   or   nc HOST PORT
or, encrypted, on the same port:
  openssl s_client -quiet -connect HOST:PORT   or   ncat --ssl HOST PORT

Options:
  -p, --port N           TCP port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  -H, --host ADDRESS     address to listen on (default: every interface, IPv4 and IPv6;
                         127.0.0.1 for this computer only)
      --max-line BYTES   longest line before it is cut into several (default ${DEFAULT_MAX_LINE_BYTES})
      --max-output BYTES unsent output past which a client lags: floods pause for it,
                         and it is cut unless it keeps reading (default ${DEFAULT_MAX_CLIENT_OUTPUT_BYTES})
      --max-clients N    refuse connections past N clients (default: unlimited)
      --max-per-address N
                         connections one address (an IPv6 /64) may have open at once
                         (default ${DEFAULT_HEADLESS_MAX_PER_ADDRESS}; 0: unlimited)
      --max-joins-per-minute N
                         joins one address may make per minute, N at once then evenly
                         (default ${DEFAULT_HEADLESS_JOINS_PER_MINUTE}; 0: unlimited)
                         The defaults leave out loopback (127.0.0.1, ::1): tunnels,
                         proxies and bots on this computer all arrive from there.
                         A limit you set counts loopback too.
      --max-rate LINES   lines a second one connection may send; past it (after a burst
                         of 10 x LINES) the server stops reading it until it may talk
                         again, so nothing is lost (default: no limit)
      --allow-any-address
                         accept peers from any address (default: only loopback, private,
                         CGNAT, link-local and unique local addresses, and any subnet
                         one of this computer's interfaces is on)
      --log-messages     also log what people say (default: only joins, leaves and errors)
      --no-commands      relay every line as chat, /name, /who and /help included
                         (by default the server answers those to whoever sends them)
      --topic TEXT       the room's topic, told to everyone who joins (at most 200 characters)
      --replay N         show a newcomer the last N chat lines before anything live
                         (default 0: none; at most ${MAX_REPLAY_LINES})
      --replay-bytes BYTES
                         at most this many bytes of them (default ${DEFAULT_REPLAY_MAX_BYTES})
      --password-file FILE
                         the room's password, the file's first line (at most ${MAX_PASSWORD_BYTES} bytes):
                         a newcomer must type it first. Never on the command line,
                         where the process list shows it. Not with --cluster.
      --state-dir DIR    where the room's TLS key and certificate are kept (made on first
                         use, the key readable by you only; default:
                         ${defaultStateDirText()})
      --tls-cert FILE --tls-key FILE
                         use this certificate and private key (PEM) instead
      --no-tls           plain text only (a TLS handshake is closed as not a chat client)
      --require-tls      refuse plain-text connections: they are told how to connect with
                         TLS and closed, never announced
  -n, --name NAME        the room's name in others' "Rooms on your network" list
                         (default: "<user>'s room on <hostname>"; at most 63 bytes)
      --no-announce      do not announce the room on the network (by default a room
                         listening on every interface, or on a LAN address, is announced
                         by multicast DNS as _tincan._tcp and by a UDP beacon on PORT/udp;
                         a room for this computer only is never announced on the network)
      --announce-on IFACES
                         announce only on these interfaces, comma-separated (e.g. eth0);
                         by default every interface but loopback, VPN and virtual ones.
                         With --host 127.0.0.1, --announce-on lo announces on loopback
  -h, --help             show this help

One room across several servers (see the README, "Running a cluster"):
      --cluster URL      share the room with every server that uses the same Redis and
                         --room: redis://[USER:PASSWORD@]HOST[:PORT][/DB], or rediss://…
                         for TLS. The URL may instead be in the environment variable
                         ${CLUSTER_ENV}, which keeps the password out of the process list.
      --room NAME        the room's name in Redis (default ${DEFAULT_ROOM}; letters, digits, . _ -)
      --cluster-backlog N  events the room's stream keeps, so a server cut off from Redis
                         for a while catches up without a gap (default ${DEFAULT_BACKLOG})
      --cluster-lease SECONDS  how long a server may go silent before the others announce
                         its clients' departures (default ${DEFAULT_LEASE_MS / 1000})
Every server of one room should be started with the same --max-line: each cuts the lines
it shows by its own, so a shorter one would show a longer line as several.
The limits per address and --max-rate apply on the server a client connects to.
While a server cannot reach Redis its part of the room is paused: it stops reading its
clients (and, after a few seconds, tells them so), and catches up in order once Redis is back.
`;

/**
 * Node flags the headless server is meant to run with (its `#!` line carries them; so do
 * `npm run serve` and the benchmark). Measured: same throughput, ~1.3 KiB less RSS per idle
 * connection in a 19,000-client room.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=4'] as const;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export class UsageError extends Error {}

export interface ClusterCliOptions {
  target: RedisTarget;
  room: string;
  backlog: number;
  leaseMs: number;
}

export interface ServerCliOptions {
  port: number;
  host: string | undefined;
  maxLineBytes: number;
  maxClientOutputBytes: number;
  maxClients: number;
  maxPerAddress: number;
  joinsPerMinute: number;
  /** True when either limit per address was set on the command line: it then counts loopback too. */
  limitLoopback: boolean;
  /** Lines a second per connection; 0: no limit. */
  maxRate: number;
  allowAnyAddress: boolean;
  logMessages: boolean;
  /** `/name`, `/who` and `/help` are answered (false: relayed as chat). */
  commands: boolean;
  /** Cleaned; '' for none. */
  topic: string;
  replayLines: number;
  replayMaxBytes: number;
  /** Where the room's password is (read by runServerCli); null: no password. */
  passwordFile: string | null;
  /** The room's name as announced; undefined: the default name. */
  name: string | undefined;
  announce: boolean;
  /** Interfaces to announce on; undefined: every usable one. */
  announceOn: string[] | undefined;
  /** Null: a room of its own. */
  cluster: ClusterCliOptions | null;
  /** Null: --no-tls. */
  tls: TlsCliOptions | null;
}

export interface TlsCliOptions {
  /** Where the made certificate is kept. */
  stateDir: string;
  /** The operator's own PEM files, or null for the made certificate. */
  files: { cert: string; key: string } | null;
  require: boolean;
}

/** The user's data folder, as the app's (Electron's userData for "Tincan") is on each system. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME ?? env.USERPROFILE ?? os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Tincan');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Tincan');
  const config = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(config, 'Tincan');
}

function defaultStateDirText(): string {
  return process.platform === 'win32' ? '%APPDATA%\\Tincan'
    : process.platform === 'darwin' ? '~/Library/Application Support/Tincan' : '$XDG_CONFIG_HOME/Tincan or ~/.config/Tincan';
}

function tlsOptions(
  values: { 'state-dir'?: string; 'tls-cert'?: string; 'tls-key'?: string; 'no-tls'?: boolean; 'require-tls'?: boolean },
  env: NodeJS.ProcessEnv,
): TlsCliOptions | null {
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if (values['no-tls']) {
    for (const name of ['tls-cert', 'tls-key', 'require-tls'] as const) {
      if (values[name] !== undefined) throw new UsageError(`--${name} and --no-tls contradict each other.`);
    }
    return null;
  }
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together: give both.');
  for (const [name, value] of [['state-dir', values['state-dir']], ['tls-cert', cert], ['tls-key', key]] as const) {
    if (value !== undefined && (value.trim() === '' || value.length > 4096 || value.includes('\0'))) {
      throw new UsageError(`--${name} must name a file or folder (got "${value}").`);
    }
  }
  return {
    stateDir: path.resolve(values['state-dir'] ?? defaultStateDir(env)),
    files: cert !== undefined && key !== undefined ? { cert: path.resolve(cert), key: path.resolve(key) } : null,
    require: values['require-tls'] ?? false,
  };
}

function integerOption(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number (got "${text}").`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`--${name} must be from ${min} to ${max} (got ${text}).`);
  return value;
}

/**
 * Parses the command line (and `TINCAN_CLUSTER` from `env`); throws UsageError with a
 * sentence for anything wrong. Null means --help.
 */
export function parseServerArgs(argv: string[], env: NodeJS.ProcessEnv = {}): ServerCliOptions | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string', short: 'H' },
        'max-line': { type: 'string' },
        'max-output': { type: 'string' },
        'max-clients': { type: 'string' },
        'max-per-address': { type: 'string' },
        'max-joins-per-minute': { type: 'string' },
        'max-rate': { type: 'string' },
        'allow-any-address': { type: 'boolean' },
        'log-messages': { type: 'boolean' },
        'no-commands': { type: 'boolean' },
        topic: { type: 'string' },
        replay: { type: 'string' },
        'replay-bytes': { type: 'string' },
        'password-file': { type: 'string' },
        'state-dir': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'no-tls': { type: 'boolean' },
        'require-tls': { type: 'boolean' },
        name: { type: 'string', short: 'n' },
        'no-announce': { type: 'boolean' },
        'announce-on': { type: 'string' },
        cluster: { type: 'string' },
        room: { type: 'string' },
        'cluster-backlog': { type: 'string' },
        'cluster-lease': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, '.'));
  }
  const { values } = parsed;
  if (values.help) return null;
  const host = values.host;
  if (host !== undefined && (host.trim() === '' || host.length > 255 || /\s/.test(host))) {
    throw new UsageError(`--host must be an address such as 0.0.0.0, 127.0.0.1 or ::1 (got "${host}").`);
  }
  let name: string | undefined;
  if (values.name !== undefined) {
    const checked = checkRoomName(values.name);
    if (!checked.ok) throw new UsageError(`--name: ${checked.error}`);
    name = checked.name;
  }
  const topic = cleanTopic(values.topic ?? '');
  if (!topic.ok) throw new UsageError(`--topic: ${topic.reason}.`);
  let announceOn: string[] | undefined;
  if (values['announce-on'] !== undefined) {
    announceOn = values['announce-on'].split(',').map((part) => part.trim()).filter((part) => part.length > 0);
    if (announceOn.length === 0 || announceOn.length > 64 || announceOn.some((part) => part.length > 64)) {
      throw new UsageError(`--announce-on must name interfaces, such as eth0 or eth0,wlan0 (got "${values['announce-on']}").`);
    }
  }
  const passwordFile = values['password-file'];
  if (passwordFile !== undefined) {
    if (passwordFile.trim() === '' || passwordFile.length > 4096 || passwordFile.includes('\0')) {
      throw new UsageError(`--password-file must name a file (got "${passwordFile}").`);
    }
    if (values.cluster !== undefined || env[CLUSTER_ENV] !== undefined) {
      throw new UsageError('--password-file is not available with --cluster yet.');
    }
  }
  return {
    port: integerOption('port', values.port, DEFAULT_PORT, 0, 65535),
    host,
    maxLineBytes: integerOption('max-line', values['max-line'], DEFAULT_MAX_LINE_BYTES, 16, 16 * 1024 * 1024),
    maxClientOutputBytes: integerOption(
      'max-output', values['max-output'], DEFAULT_MAX_CLIENT_OUTPUT_BYTES, 1024, 2 ** 31),
    maxClients: integerOption('max-clients', values['max-clients'], 0, 0, 10_000_000),
    maxPerAddress: integerOption('max-per-address', values['max-per-address'], DEFAULT_HEADLESS_MAX_PER_ADDRESS, 0, 10_000_000),
    joinsPerMinute: integerOption(
      'max-joins-per-minute', values['max-joins-per-minute'], DEFAULT_HEADLESS_JOINS_PER_MINUTE, 0, 10_000_000),
    limitLoopback: values['max-per-address'] !== undefined || values['max-joins-per-minute'] !== undefined,
    maxRate: integerOption('max-rate', values['max-rate'], 0, 1, 1_000_000),
    allowAnyAddress: values['allow-any-address'] ?? false,
    logMessages: values['log-messages'] ?? false,
    commands: !(values['no-commands'] ?? false),
    topic: topic.text,
    replayLines: integerOption('replay', values.replay, 0, 0, MAX_REPLAY_LINES),
    replayMaxBytes: integerOption('replay-bytes', values['replay-bytes'], DEFAULT_REPLAY_MAX_BYTES, 1024, 16 * 1024 * 1024),
    passwordFile: passwordFile === undefined ? null : path.resolve(passwordFile),
    name,
    announce: !(values['no-announce'] ?? false),
    announceOn,
    cluster: clusterOptions(values, env),
    tls: tlsOptions(values, env),
  };
}

function clusterOptions(
  values: { cluster?: string; room?: string; 'cluster-backlog'?: string; 'cluster-lease'?: string },
  env: NodeJS.ProcessEnv,
): ClusterCliOptions | null {
  const fromEnv = env[CLUSTER_ENV];
  const url = values.cluster ?? (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv);
  if (url === undefined) {
    for (const name of ['room', 'cluster-backlog', 'cluster-lease'] as const) {
      if (values[name] !== undefined) throw new UsageError(`--${name} only means something with --cluster URL (or ${CLUSTER_ENV}).`);
    }
    return null;
  }
  try {
    return {
      target: parseClusterUrl(url),
      room: parseRoomName(values.room ?? DEFAULT_ROOM),
      backlog: integerOption('cluster-backlog', values['cluster-backlog'], DEFAULT_BACKLOG, MIN_BACKLOG, MAX_BACKLOG),
      leaseMs: 1000 * integerOption('cluster-lease', values['cluster-lease'], DEFAULT_LEASE_MS / 1000, MIN_LEASE_MS / 1000, MAX_LEASE_MS / 1000),
    };
  } catch (error) {
    if (error instanceof ClusterOptionError) {
      const message = values.cluster === undefined ? error.message.replace(/^--cluster/, `${CLUSTER_ENV}`) : error.message;
      throw new UsageError(message);
    }
    throw error;
  }
}

export type AnnounceScope = { announce: false; reason: string } | { announce: true; only: string[] | undefined };

/**
 * Where a room listening on `host` is announced: nowhere for a loopback-only room (nobody
 * else could join it), on every usable interface for one listening on all of them, and on
 * the interface that has the address for one listening on a single LAN address.
 */
export function announceScope(
  host: string | undefined,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>,
  announceOn?: readonly string[],
): AnnounceScope {
  if (host === undefined || host === '0.0.0.0' || host === '::') return { announce: true, only: announceOn ? [...announceOn] : undefined };
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1' || /^127\./.test(bare) || /^::ffff:127\./i.test(bare)) {
    // Announced only where it can be joined: on loopback itself, when asked by name (tests, demos).
    const loopbackOnly = (name: string) => (interfaces[name] ?? []).length > 0 && (interfaces[name] ?? []).every((entry) => entry.internal);
    if (announceOn && announceOn.length > 0 && announceOn.every(loopbackOnly)) return { announce: true, only: [...announceOn] };
    return { announce: false, reason: 'the room is for this computer only' };
  }
  if (net.isIP(bare) === 0) return { announce: false, reason: `${host} is not an address of one interface` };
  for (const [name, entries] of Object.entries(interfaces)) {
    if ((entries ?? []).some((entry) => entry.address.toLowerCase() === bare.toLowerCase())) return { announce: true, only: announceOn ? [...announceOn] : [name] };
  }
  return { announce: false, reason: `no interface has the address ${host}` };
}

/**
 * Join/leave logging that stays readable (and cheap) during a join storm: up to
 * `perSecond` lines a second, then one summary line for the rest of that second.
 */
export class ThrottledLog {
  private windowStart = 0;
  private shown = 0;
  private readonly suppressed = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly write: (text: string) => void,
    private readonly perSecond = 20,
    private readonly now: () => number = Date.now,
  ) {}

  line(kind: string, text: string): void {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.summarise();
      this.windowStart = now;
      this.shown = 0;
    }
    if (this.shown < this.perSecond) {
      this.shown++;
      this.write(text);
      return;
    }
    this.suppressed.set(kind, (this.suppressed.get(kind) ?? 0) + 1);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.summarise();
      }, Math.max(0, 1000 - (now - this.windowStart)));
      this.timer.unref();
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.summarise();
  }

  private summarise(): void {
    if (this.suppressed.size === 0) return;
    const parts = [...this.suppressed].map(([kind, count]) => `${count} more ${kind}`);
    this.suppressed.clear();
    this.write(`(${parts.join(', ')} not shown)`);
  }
}

const REFUSAL_LOG: Record<RefusalReason, string> = {
  full: 'room full',
  'address-limit': 'too many connections from its address',
  'join-rate': 'its address joined too often',
  'out-of-scope': 'not on a local network; --allow-any-address accepts it',
  banned: 'its address is banned',
  'password-attempts': 'its address gave too many wrong passwords',
  'password-waiting': 'too many connections are waiting to give the password',
};

const FLOW_LOG: Record<FlowReason, string> = {
  'line-rate': 'over its line rate',
  backpressure: 'flooding while someone lags',
  budget: 'holds much of the room\'s output',
};

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

/**
 * Writes to the process's stdout/stderr. The log is a courtesy: when whoever reads it goes
 * away (`tincan-server 2>&1 | head`, a dead log collector), writes fail with EPIPE, and the
 * room must go on rather than crash.
 */
export function processIo(): CliIo {
  const guard = (stream: NodeJS.WriteStream) => {
    let broken = false;
    stream.on('error', () => {
      broken = true;
    });
    return (text: string) => {
      if (broken || stream.destroyed) return;
      stream.write(text);
    };
  };
  return { stdout: guard(process.stdout), stderr: guard(process.stderr) };
}

/** A password file is a line, not a document: anything past this many bytes is not one. */
const MAX_PASSWORD_FILE_BYTES = 4096;

/**
 * The room's password from `file`: its first line (a final line end is not part of it).
 * Throws an Error whose message says what is wrong with the file.
 */
export function readPasswordFile(file: string): string {
  let bytes: Buffer;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new Error(`--password-file ${file} is not a file.`);
    if (stat.size > MAX_PASSWORD_FILE_BYTES) {
      throw new Error(`--password-file ${file} is too large (${stat.size} bytes; a password is one line of at most ${MAX_PASSWORD_BYTES} bytes).`);
    }
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`--password-file ${file} does not exist.`, { cause: error });
    if (code === 'EACCES' || code === 'EPERM') throw new Error(`--password-file ${file} cannot be read (permission denied).`, { cause: error });
    if (code !== undefined) throw new Error(`--password-file ${file} cannot be read: ${(error as Error).message}`, { cause: error });
    throw error;
  }
  if (bytes.length > MAX_PASSWORD_FILE_BYTES) throw new Error(`--password-file ${file} is too large.`);
  const firstLine = bytes.toString('utf8').replace(/\r?\n$/, '');
  if (firstLine.trim() === '') throw new Error(`--password-file ${file} is empty: it should hold the password on one line.`);
  if (/[\r\n]/.test(firstLine)) throw new Error(`--password-file ${file} holds more than one line: it should hold the password alone.`);
  const problem = passwordProblem(firstLine);
  if (problem !== null) throw new Error(`--password-file ${file}: ${problem}.`);
  return firstLine;
}

/**
 * Runs the server until SIGINT/SIGTERM. Resolves with the exit code: 0 after a clean
 * shutdown, 1 when it could not listen or Redis refused it (a wrong password, no
 * permission), 2 for bad options. While Redis cannot be reached it keeps trying.
 */
export async function runServerCli(
  argv: string[],
  io: CliIo = processIo(),
  signals: NodeJS.EventEmitter = process,
  env: NodeJS.ProcessEnv = process.env,
  /** The operator's commands (`/kick`, `/ban`): the terminal the server runs in, never a pipe or a service's stdin. */
  operator: NodeJS.ReadableStream | null = process.stdin.isTTY ? process.stdin : null,
): Promise<number> {
  let options: ServerCliOptions | null;
  try {
    options = parseServerArgs(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`tincan-server: ${error.message}\nTry 'tincan-server --help' for the options.\n`);
    return 2;
  }
  if (options === null) {
    io.stdout(USAGE);
    return 0;
  }
  const log = (text: string) => io.stderr(`${time()} ${text}\n`);
  let password: string | undefined;
  if (options.passwordFile !== null) {
    try {
      password = readPasswordFile(options.passwordFile);
    } catch (error) {
      io.stderr(`tincan-server: ${(error as Error).message}\n`);
      return 2;
    }
  }
  let certificate: HostCertificate | null = null;
  if (options.tls) {
    try {
      certificate = options.tls.files
        ? readCertificateFiles(options.tls.files.cert, options.tls.files.key)
        : await loadOrCreateHostCertificate(options.tls.stateDir);
    } catch (error) {
      io.stderr(`tincan-server: ${(error as Error).message}\n`);
      return 1;
    }
  }
  // Loaded only for a cluster: a room of its own never loads the Redis client.
  const cluster = options.cluster
    ? new (await import('./cluster/cluster-room')).ClusterRoom({ ...options.cluster, maxLineBytes: options.maxLineBytes, log })
    : null;
  const server = new ChatServer({
    maxLineBytes: options.maxLineBytes,
    maxClientOutputBytes: options.maxClientOutputBytes,
    maxClients: options.maxClients,
    maxConnectionsPerAddress: options.maxPerAddress,
    joinsPerAddressPerMinute: options.joinsPerMinute,
    limitLoopback: options.limitLoopback,
    maxLinesPerSecond: options.maxRate,
    lineBurst: Math.max(1, options.maxRate * RATE_BURST_FACTOR),
    allowPeers: options.allowAnyAddress ? 'any' : 'local-networks',
    commands: options.commands,
    topic: options.topic,
    replayLines: options.replayLines,
    replayMaxBytes: options.replayMaxBytes,
    ...(password !== undefined ? { password } : {}),
    ...(cluster ? { sequencer: cluster } : {}),
    ...(certificate ? { tls: { cert: certificate.cert, key: certificate.key, require: options.tls!.require } } : {}),
  });
  const events = new ThrottledLog(log);
  server.on('join', (client) => events.line('joins', `joined ${client.peer} (${server.stats.clientsNow} connected)`));
  server.on('leave', (client, reason) =>
    events.line('leaves', `left   ${client.peer}${reason === 'left' ? '' : ` (${reason})`} (${server.stats.clientsNow} connected)`));
  let lastErrorLog = 0;
  server.on('error', (error) => {
    // Out-of-descriptor storms would otherwise print thousands of identical lines.
    const now = Date.now();
    if (now - lastErrorLog < 1000) return;
    lastErrorLog = now;
    log(`error  ${error.message}`);
  });
  server.on('refused', (peer, reason) => events.line('refusals', `refused ${peer} (${REFUSAL_LOG[reason]})`));
  server.on('flow', (client, state, reason) => {
    // The line rate pauses and resumes a flooder many times a second: its first pause says enough.
    if (reason === 'line-rate' && state === 'resumed') return;
    events.line('flow', `${state} ${client.peer} (${FLOW_LOG[reason]})`);
  });
  server.on('name', (client, name) => events.line('names', name === null ? `unnamed ${client.peer}` : `named  ${client.peer} ${name}`));
  if (options.logMessages) {
    server.on('message', (client, text) => events.line('messages', `said   ${client.peer}: ${text}`));
  }

  // A signal while waiting for Redis ends the wait (and the process) cleanly.
  const early: { signal: string | null } = { signal: null };
  let onStopSignal: (signal: string) => void = (signal) => {
    early.signal = signal;
    void cluster?.close();
  };
  const onInt = () => onStopSignal('SIGINT');
  const onTerm = () => onStopSignal('SIGTERM');
  signals.on('SIGINT', onInt);
  signals.on('SIGTERM', onTerm);
  const giveUp = async (code: number, message: string | null): Promise<number> => {
    signals.off('SIGINT', onInt);
    signals.off('SIGTERM', onTerm);
    if (message !== null) io.stderr(`tincan-server: ${message}\n`);
    await cluster?.close();
    await server.close();
    events.dispose();
    return code;
  };

  if (cluster) {
    log(`joining the cluster at ${cluster.where}…`);
    try {
      await cluster.start();
    } catch (error) {
      if (early.signal !== null) {
        log(`${early.signal}: stopped before joining the cluster`);
        return giveUp(0, null);
      }
      return giveUp(1, (error as Error).message);
    }
    // Joined: from here on a signal closes the room (once it is set up), departures included.
    onStopSignal = (signal) => {
      early.signal = signal;
    };
  }

  let address;
  try {
    address = await server.listen({ port: options.port, host: options.host });
  } catch (error) {
    return giveUp(1, (error as Error).message);
  }
  const shownHost = options.host ?? '0.0.0.0';
  io.stdout(`Listening on ${formatHost(shownHost)}:${address.port}\n`);
  if (certificate) {
    log(`TLS on the same port${options.tls!.require ? ' (required)' : ''}; certificate SHA-256 fingerprint ${certificate.fingerprint}`);
  }
  if (options.host === undefined || options.host === '0.0.0.0' || options.host === '::') {
    const reachable = externalAddresses(address.port, os.networkInterfaces());
    if (reachable.length > 0) log(`others can join at ${reachable.join(', ')}`);
  }
  const announcer = await startAnnouncer(options, address.port, server, log, certificate?.fingerprint ?? null);
  const operatorLines = operator === null ? null : operatorConsole(operator, server, log);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: closing the room`);
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
      operatorLines?.close();
      // Goodbye on the network first, so the room leaves everyone's list before its port
      // closes; then the server, whose clients' departures go to the cluster, which sends them.
      void (announcer?.close() ?? Promise.resolve())
        .then(() => server.close())
        .then(() => cluster?.close())
        .then(() => {
          events.dispose();
          log('closed');
          resolve(0);
        });
    };
    onStopSignal = stop;
    if (early.signal !== null) stop(early.signal);
  });
}

/**
 * The operator types `/kick WHO` or `/ban WHO` (a name or `IP:port`) in the terminal the
 * server runs in; what happened goes to the log.
 */
function operatorConsole(input: NodeJS.ReadableStream, server: ChatServer, log: (text: string) => void): readline.Interface {
  const lines = readline.createInterface({ input, terminal: false });
  log('type /kick NAME-or-IP:port or /ban NAME-or-IP:port here to remove someone');
  lines.on('line', (line) => {
    const command = /^\/(kick|ban)(?: (.*))?$/.exec(line.trim());
    if (command === null) {
      if (line.trim() !== '') log('operator: only /kick NAME-or-IP:port and /ban NAME-or-IP:port are read here');
      return;
    }
    const ban = command[1] === 'ban';
    const result = server.remove(command[2] ?? '', { ban });
    log(result.ok
      ? `${ban ? 'banned ' : 'removed'} ${result.peer}${result.name === null ? '' : ` (${result.name})`}`
      : `operator: ${withoutServerPrefix(result.line)}`);
  });
  return lines;
}

/** Announces the room on the network when it is open to it; null when it is not announced. */
async function startAnnouncer(
  options: ServerCliOptions,
  port: number,
  server: ChatServer,
  log: (text: string) => void,
  /** The room's TLS key: announced, and the room's id comes from it, so joiners use TLS and check it. */
  key: string | null,
): Promise<RoomAnnouncement | null> {
  if (!options.announce) return null;
  const scope = announceScope(options.host, os.networkInterfaces(), options.announceOn);
  if (!scope.announce) {
    log(`not announced on the network: ${scope.reason}`);
    return null;
  }
  const name = options.name ?? systemDefaultRoomName();
  let lastErrorLog = 0;
  const announcement = new RoomAnnouncement(
    server,
    { name, port, key, appVersion: APP_VERSION, interfaces: os.networkInterfaces, selection: { only: scope.only } },
    {
      onError: (error) => {
        const now = Date.now();
        if (now - lastErrorLog < 5000) return;
        lastErrorLog = now;
        log(`discovery: ${error.message}`);
      },
      onRenamed: (renamed) => log(`another room on the network is called "${name}"; announced as "${renamed}"`),
      onInterfaces: (names) => log(names.length > 0 ? `announced on ${names.join(', ')}` : 'no network to announce on; waiting for one'),
    },
  );
  await announcement.started;
  log(`announced as "${announcement.name}" (multicast DNS _tincan._tcp, UDP beacon on ${port}/udp)`);
  return announcement;
}

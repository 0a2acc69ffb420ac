/**
 * How a join reaches a host: over TLS or plain text, and which key the host must show.
 *
 * Like SSH, trust on first use: the first join over TLS pins the host's key (its certificate's
 * SHA-256 fingerprint) under its `host:port`; later joins require the same key. A changed key,
 * or a host seen with TLS now offering only plain text, stops the join with a warning, until
 * the user accepts the new state on purpose (JoinRequest.trust).
 *
 * Whether a host speaks TLS is decided without ever sending a handshake to a server that does
 * not: a plain server (the seed's, `ncat --chat`) would relay a ClientHello to everyone as
 * garbage. So TLS is used only when this machine pinned the host's key before, or the room's
 * beacon says it has one (a unicast beacon query on PORT/udp, beacon.ts, or the network's
 * list of rooms). The beacon is not authenticated; the handshake is: a beacon's key is the one
 * the handshake must then show, so a forged beacon can only make the join fail.
 *
 * A typed hostname is resolved once (resolveOnce), and the probe and every connection of the
 * join go to that one address: a name that resolved elsewhere the second time could otherwise
 * send a handshake to a server that was never asked.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import * as v from 'valibot';
import { shortFingerprint } from '../common/fingerprint';
import { HOST_KEY_LIST, MAX_HOST_KEYS, type HostKey, type KeyWarning } from '../common/ipc-contract';
import { decodeBeacon, encodeQueryBeacon } from './discovery/beacon';

/** Pinned keys kept; the oldest goes first. */
export { MAX_HOST_KEYS };
/** How long a join waits for a room's answer to its beacon query. */
export const DEFAULT_PROBE_MS = 600;

/** What a host says of itself, unauthenticated: its key, plain text only, or nothing heard. */
export type TlsOffer = { fingerprint: string } | 'plain' | null;

/** TLS with the key it must show (null: any, a first use), or plain text (null). */
export type LinkSecurity = { fingerprint: string | null } | null;

export type JoinPlan = { kind: 'connect'; tls: LinkSecurity } | { kind: 'warn'; warning: KeyWarning };

/** The pinned keys of a preferences file: well-formed ones only, one per address, bounded. */
export function sanitizeHostKeys(value: unknown): HostKey[] {
  return v.parse(HOST_KEY_LIST, value);
}

export function pinnedKey(keys: readonly HostKey[], address: string): string | null {
  return keys.find((key) => key.address === address)?.fingerprint ?? null;
}

/** Pins `fingerprint` for `address` (most recent first, at most MAX_HOST_KEYS). */
export function rememberHostKey(keys: readonly HostKey[], address: string, fingerprint: string): HostKey[] {
  return [{ address, fingerprint }, ...keys.filter((key) => key.address !== address)].slice(0, MAX_HOST_KEYS);
}

export function forgetHostKey(keys: readonly HostKey[], address: string): HostKey[] {
  return keys.filter((key) => key.address !== address);
}

export function changedKeyWarning(address: string, expected: string, shown: string): KeyWarning {
  return {
    address,
    kind: 'changed',
    expected,
    shown,
    message:
      `The host at ${address} showed a different key (${shortFingerprint(shown)}) than when you joined before (${shortFingerprint(expected)}). ` +
      'Someone on this network may be pretending to be the host to read or change the conversation, or the host made a new key (reinstalled, another computer). ' +
      'Nothing was sent. Ask the host to read out the key on their screen before you accept it.',
  };
}

export function plainTextWarning(address: string, expected: string): KeyWarning {
  return {
    address,
    kind: 'plain',
    expected,
    shown: null,
    message:
      `The host at ${address} was encrypted when you joined before (key ${shortFingerprint(expected)}) and now offers only plain text. ` +
      'Someone on this network may be posing as the host, or forcing the connection into the clear to read it; or the host turned encryption off. ' +
      'Nothing was sent. Ask the host before you join without encryption.',
  };
}

/**
 * TLS or not, and the key required. `pinned` is this machine's key for the address, `offer`
 * what the host (or the network's list) says, `trust` what the user accepted after a warning.
 */
export function planJoin(address: string, pinned: string | null, offer: TlsOffer, trust?: string): JoinPlan {
  if (trust === 'plain') return { kind: 'connect', tls: null };
  if (trust !== undefined) return { kind: 'connect', tls: { fingerprint: trust } };
  if (pinned !== null) {
    if (offer === 'plain') return { kind: 'warn', warning: plainTextWarning(address, pinned) };
    // A beacon naming another key is not believed either way: the handshake says which key it is.
    return { kind: 'connect', tls: { fingerprint: pinned } };
  }
  if (offer !== null && offer !== 'plain') return { kind: 'connect', tls: { fingerprint: offer.fingerprint } };
  return { kind: 'connect', tls: null };
}

/**
 * The one address a typed host is reached at: an IP address as it is, a hostname resolved once
 * (the system's first answer), or null when it does not resolve within `timeoutMs` or the
 * join is cancelled (the connection then says why, as an unknown host).
 */
export function resolveOnce(host: string, timeoutMs = DEFAULT_PROBE_MS, signal?: AbortSignal): Promise<string | null> {
  if (net.isIP(host) !== 0) return Promise.resolve(host);
  if (signal?.aborted) return Promise.resolve(null);
  return new Promise((resolve) => {
    let done = false;
    const finish = (address: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', gaveUp);
      resolve(address);
    };
    const gaveUp = (): void => finish(null);
    // getaddrinfo cannot be cancelled: past the bound its answer is simply not waited for.
    const timer = setTimeout(gaveUp, timeoutMs);
    signal?.addEventListener('abort', gaveUp, { once: true });
    dns.lookup(host, (error, address) => finish(error || net.isIP(address) === 0 ? null : address));
  });
}

/** `a` and `b` are the same IP address (IPv6 in any spelling; a zone is not compared). */
function sameAddress(a: string, b: string): boolean {
  const bare = (address: string) => address.replace(/%.*$/, '');
  const family = net.isIP(bare(a));
  if (family === 0 || family !== net.isIP(bare(b))) return false;
  const list = new net.BlockList();
  list.addAddress(bare(a), family === 6 ? 'ipv6' : 'ipv4');
  return list.check(bare(b), family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Asks the room at `host:port` (an IPv4 or IPv6 address: resolve a hostname first, with
 * resolveOnce) with a beacon query sent to it on PORT/udp whether it speaks TLS: its
 * answer's key, 'plain' for a room that answered without one, null when nothing answered in
 * `timeoutMs` (a seed server, ncat, a firewall: no TLS is assumed). Only a well-formed room
 * beacon from that address for that port counts.
 */
export function probeTls(host: string, port: number, timeoutMs = DEFAULT_PROBE_MS, signal?: AbortSignal): Promise<TlsOffer> {
  const family = net.isIP(host.replace(/%.*$/, ''));
  if (family === 0 || signal?.aborted) return Promise.resolve(null);
  return new Promise((resolve) => {
    const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (offer: TlsOffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      socket.close();
      resolve(offer);
    };
    const aborted = (): void => finish(null);
    const timer = setTimeout(aborted, timeoutMs);
    signal?.addEventListener('abort', aborted, { once: true });
    socket.on('error', aborted);
    socket.on('message', (datagram, sender) => {
      if (sender.port !== port || !sameAddress(sender.address, host)) return;
      const beacon = decodeBeacon(datagram);
      if (beacon?.type !== 'room' || beacon.port !== port) return;
      finish(beacon.key === undefined ? 'plain' : { fingerprint: beacon.key });
    });
    socket.bind(0, () => {
      if (!done) socket.send(encodeQueryBeacon(), port, host, (error) => error && aborted());
    });
  });
}

/**
 * The join's TLS choice and pinned keys (main/app/join.ts): the plan for each case, the pins'
 * bounds, and the beacon probe, which believes only the address and port it asked.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBeacon, encodeKey, encodeRoomBeacon, roomIdForKey } from '../../main/app/discovery/beacon';
import { MAX_HOST_KEYS, planJoin, probeTls, rememberHostKey, resolveOnce, sanitizeHostKeys } from '../../main/app/join';
import { ipv6OrClearError } from '../support/ipv6';
import { sanitizePreferences } from '../../main/app/preferences';
import { shortFingerprint } from '../../main/common/fingerprint';
import { parseRequest } from '../../main/common/ipc-contract';
import { freePort } from '../support/ports';

const A = Array.from({ length: 32 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0')).join(':');
const B = Array.from({ length: 32 }, (_, i) => (255 - i).toString(16).toUpperCase().padStart(2, '0')).join(':');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('planJoin', () => {
  it('TLS when the host offers it or was pinned, plain otherwise; a pinned host answering plain is a warning', () => {
    expect(planJoin('h:1', null, null)).toEqual({ kind: 'connect', tls: null });
    expect(planJoin('h:1', null, 'plain')).toEqual({ kind: 'connect', tls: null });
    expect(planJoin('h:1', null, { fingerprint: A })).toEqual({ kind: 'connect', tls: { fingerprint: A } });
    expect(planJoin('h:1', A, null)).toEqual({ kind: 'connect', tls: { fingerprint: A } });
    // A beacon naming another key is not believed: the pinned key is required in the handshake.
    expect(planJoin('h:1', A, { fingerprint: B })).toEqual({ kind: 'connect', tls: { fingerprint: A } });
    expect(planJoin('h:1', A, 'plain')).toMatchObject({ kind: 'warn', warning: { kind: 'plain', expected: A, shown: null } });
    expect(planJoin('h:1', A, 'plain', 'plain')).toEqual({ kind: 'connect', tls: null });
    expect(planJoin('h:1', A, null, B)).toEqual({ kind: 'connect', tls: { fingerprint: B } });
  });
});

describe('pinned keys', () => {
  it('are bounded in number, one per address, most recent first', () => {
    let keys = sanitizeHostKeys([]);
    for (let i = 0; i < MAX_HOST_KEYS + 10; i++) keys = rememberHostKey(keys, `10.0.0.${i}:60003`, A);
    expect(keys).toHaveLength(MAX_HOST_KEYS);
    expect(keys[0]!.address).toBe(`10.0.0.${MAX_HOST_KEYS + 9}:60003`);
    keys = rememberHostKey(keys, `10.0.0.${MAX_HOST_KEYS + 5}:60003`, B);
    expect(keys.filter((key) => key.address === `10.0.0.${MAX_HOST_KEYS + 5}:60003`)).toEqual([{ address: `10.0.0.${MAX_HOST_KEYS + 5}:60003`, fingerprint: B }]);
  });

  it('from a damaged or hostile preferences file: only well-formed entries, bounded', () => {
    const hostile = [
      { address: 'a:1', fingerprint: A },
      { address: 'a:1', fingerprint: B },
      { address: 'b:2', fingerprint: 'not a key' },
      { address: 'x'.repeat(400), fingerprint: A },
      7,
      null,
      ...Array.from({ length: 1000 }, (_, i) => ({ address: `c:${i}`, fingerprint: B })),
    ];
    const keys = sanitizePreferences({ hostKeys: hostile }).hostKeys;
    expect(keys).toHaveLength(MAX_HOST_KEYS);
    expect(keys[0]).toEqual({ address: 'a:1', fingerprint: A });
    expect(keys.some((key) => key.address === 'b:2')).toBe(false);
    expect(sanitizePreferences({ hostKeys: 'nope' }).hostKeys).toEqual([]);
  });

  it('a key the user trusts on purpose is validated in main', () => {
    expect(parseRequest('join', { address: '10.0.0.5', trust: A })).toMatchObject({ ok: true, value: { trust: A } });
    expect(parseRequest('join', { address: '10.0.0.5', trust: 'plain' })).toMatchObject({ ok: true, value: { trust: 'plain' } });
    expect(parseRequest('join', { address: '10.0.0.5', trust: 'ab:cd' }).ok).toBe(false);
    expect(parseRequest('join', { address: '10.0.0.5', trust: 42 }).ok).toBe(false);
    expect(parseRequest('join', { address: '10.0.0.5', trust: A.toLowerCase() }).ok).toBe(false);
  });

  it('the short form people read aloud is the first 8 bytes in four groups', () => {
    expect(shortFingerprint(A)).toBe('0001 0203 0405 0607');
  });
});

describe('the beacon key', () => {
  it('is carried when it matches the room id, and dropped when it does not', () => {
    const id = roomIdForKey(A);
    const good = decodeBeacon(encodeRoomBeacon({ id, name: 'Lab', port: 60003, people: 1, app: '0.1.0', ttl: 10, key: A }));
    expect(good).toMatchObject({ type: 'room', id, key: A });
    const forged = Buffer.from(JSON.stringify({ tincan: 1, type: 'room', id: '0123456789abcdef', name: 'Lab', port: 60003, ttl: 10, key: encodeKey(A) }));
    expect(decodeBeacon(forged)).not.toHaveProperty('key');
    const junk = Buffer.from(JSON.stringify({ tincan: 1, type: 'room', id, name: 'Lab', port: 60003, ttl: 10, key: 'zz'.repeat(32) }));
    expect(decodeBeacon(junk)).not.toHaveProperty('key');
  });
});

describe('probeTls', () => {
  async function responder(host: string, port: number, answer: (reply: (datagram: Buffer, from?: dgram.Socket) => void) => void): Promise<void> {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (datagram, sender) => {
      if (decodeBeacon(datagram)?.type === 'query') answer((bytes, from = socket) => from.send(bytes, sender.port, sender.address));
    });
    await new Promise<void>((resolve) => socket.bind(port, host, resolve));
    cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  }

  it('takes the key from the room it asked, and ignores answers from elsewhere or for another port', async () => {
    const port = await freePort();
    const id = roomIdForKey(A);
    const elsewhere = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => elsewhere.bind(0, '127.0.0.2', resolve));
    cleanups.push(() => new Promise<void>((resolve) => elsewhere.close(() => resolve())));
    await responder('127.0.0.1', port, (reply) => {
      reply(encodeRoomBeacon({ id: roomIdForKey(B), name: 'Forged', port, people: 1, app: '0.1.0', ttl: 10, key: B }), elsewhere);
      reply(encodeRoomBeacon({ id, name: 'Other port', port: port + 1, people: 1, app: '0.1.0', ttl: 10, key: B }));
      reply(encodeRoomBeacon({ id, name: 'Lab', port, people: 1, app: '0.1.0', ttl: 10, key: A }));
    });
    expect(await probeTls('127.0.0.1', port, 5000)).toEqual({ fingerprint: A });
  });

  it('a room answering without a key is plain; silence is no answer', async () => {
    const port = await freePort();
    await responder('127.0.0.1', port, (reply) => reply(encodeRoomBeacon({ id: '0123456789abcdef', name: 'Lab', port, people: 1, app: '0.1.0', ttl: 10 })));
    expect(await probeTls('127.0.0.1', port, 5000)).toBe('plain');
    expect(await probeTls('127.0.0.1', await freePort(), 100)).toBeNull();
    expect(await probeTls('host.lan', port, 100)).toBeNull();
  });

  it('asks an IPv6 room over IPv6, whichever way its address is written', async () => {
    if (!(await ipv6OrClearError())) return;
    const port = await freePort();
    const socket = dgram.createSocket('udp6');
    socket.on('message', (datagram, sender) => {
      if (decodeBeacon(datagram)?.type !== 'query') return;
      socket.send(encodeRoomBeacon({ id: roomIdForKey(A), name: 'Lab', port, people: 1, app: '0.1.0', ttl: 10, key: A }), sender.port, sender.address);
    });
    await new Promise<void>((resolve) => socket.bind(port, '::1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    expect(await probeTls('::1', port, 5000)).toEqual({ fingerprint: A });
    expect(await probeTls('0:0:0:0:0:0:0:1', port, 5000)).toEqual({ fingerprint: A });
  });
});

describe('resolveOnce', () => {
  it('keeps an IP address, resolves a name to one address, and gives null for a name that does not resolve', async () => {
    expect(await resolveOnce('10.0.0.5')).toBe('10.0.0.5');
    expect(await resolveOnce('fe80::1%eth0')).toBe('fe80::1%eth0');
    expect(await resolveOnce('localhost', 5000)).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(await resolveOnce('no-such-host.invalid', 5000)).toBeNull();
    const cancelled = new AbortController();
    cancelled.abort();
    expect(await resolveOnce('localhost', 5000, cancelled.signal)).toBeNull();
  });
});

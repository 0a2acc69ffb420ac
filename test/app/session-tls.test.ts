/**
 * Joining over TLS from the app: TLS when the host offers it (its answer to a beacon query on
 * PORT/udp) or when this machine pinned its key; trust on first use (first join, same key,
 * changed key, a TLS host now plain); and never a handshake byte to a plain server (the
 * seed's, `ncat --chat`). Hosting with TLS: the room's fingerprint in the status.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient } from '../../main/chat/client';
import { tlsRequiredNotice } from '../../main/chat/tls-transport';
import { createHostCertificate } from '../../main/chat/host-certificate';
import { decodeBeacon, encodeRoomBeacon, roomIdForKey } from '../../main/app/discovery/beacon';
import { MemoryPreferencesStore, defaultPreferences } from '../../main/app/preferences';
import { ChatSession, type ChatSessionOptions } from '../../main/app/session';
import type { HostKey, JoinResult } from '../../main/common/ipc-contract';
import { EventRecorder } from '../support/event-recorder';
import { frame, RawClient } from '../support/raw-client';
import { useRooms } from '../support/room';
import { spawnTerminal } from '../support/terminal';
import { testCertificate, tlsOption } from '../support/tls';
import { useTempDirs } from '../support/temp-dir';
import { freePort } from '../support/ports';
import { waitUntil } from '../support/wait';
import { ipv6OrClearError } from '../support/ipv6';

const room = useRooms();
const tempDir = useTempDirs();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newSession(hostKeys: HostKey[] = [], options: ChatSessionOptions = {}) {
  const store = new MemoryPreferencesStore({ ...defaultPreferences(), hostKeys });
  const session = new ChatSession({ preferences: store, reconnectInitialDelayMs: 50, ...options });
  const events = new EventRecorder(session);
  cleanups.push(() => session.close());
  return { session, events, store };
}

/** Answers beacon queries on `address`:`port`/udp as a hosted room does: with its key, or none. */
async function answerBeaconQueries(port: number, key: string | null, address = '127.0.0.1'): Promise<void> {
  const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', (datagram, sender) => {
    if (decodeBeacon(datagram)?.type !== 'query') return;
    const id = key === null ? '0123456789abcdef' : roomIdForKey(key);
    socket.send(encodeRoomBeacon({ id, name: 'Lab', port, people: 1, app: '0.1.0', ttl: 10, key }), sender.port, sender.address);
  });
  await new Promise<void>((resolve) => socket.bind(port, address, resolve));
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
}

async function tlsRoom(announce = true) {
  const r = await room({ admitDelayMs: 50, tls: await tlsOption() });
  if (announce) await answerBeaconQueries(r.port, (await testCertificate()).fingerprint);
  return r;
}

function notices(events: EventRecorder): string[] {
  return events.events.flatMap((event) => (event.type === 'notice' ? [event.message] : []));
}

describe('joining over TLS: trust on first use', () => {
  it('first join: TLS because the room offers it, the key shown and pinned, lines flow with plain members', async () => {
    const r = await tlsRoom();
    const fingerprint = (await testCertificate()).fingerprint;
    const plain = await r.join();
    const { session, events, store } = newSession();
    const joined = await session.join({ address: `127.0.0.1:${r.port}` });
    expect(joined.ok).toBe(true);
    expect(joined.after?.status).toMatchObject({ mode: 'joined', security: { encrypted: true, fingerprint } });
    expect((await store.load()).hostKeys).toEqual([{ address: `127.0.0.1:${r.port}`, fingerprint }]);
    await events.waitFor(() => notices(events).some((n) => n.startsWith('First encrypted join')), 'the first-join notice');
    const status = joined.after?.status;
    const self = status?.mode === 'joined' ? status.self! : '';
    expect((await session.send({ text: 'over tls' })).ok).toBe(true);
    await plain.waitForText(frame(self, 'over tls'));
  });

  it('a typed address that spoke TLS is a Tincan room: the display name is taken there', async () => {
    const r = await tlsRoom();
    const plain = await r.join();
    const store = new MemoryPreferencesStore({ ...defaultPreferences(), displayName: 'ana' });
    const { session } = newSession([], { preferences: store });
    const joined = await session.join({ address: `127.0.0.1:${r.port}` });
    const status = joined.after?.status;
    const self = status?.mode === 'joined' ? status.self! : '';
    await plain.waitForText(`Tincan: [${self}] is now ana\n`);
  });

  it('a typed hostname is resolved once and its room asked: joins over TLS, pinned under the name typed', async () => {
    const r = await tlsRoom(); // localhost is 127.0.0.1 here (/etc/hosts)
    const fingerprint = (await testCertificate()).fingerprint;
    const plain = await r.join();
    const { session, store } = newSession();
    const joined = await session.join({ address: `localhost:${r.port}` });
    expect(joined.ok).toBe(true);
    expect(joined.after?.status).toMatchObject({ mode: 'joined', target: { host: 'localhost' }, security: { encrypted: true, fingerprint } });
    expect((await store.load()).hostKeys).toEqual([{ address: `localhost:${r.port}`, fingerprint }]);
    const status = joined.after?.status;
    expect((await session.send({ text: 'by name' })).ok).toBe(true);
    await plain.waitForText(frame(status?.mode === 'joined' ? status.self! : '', 'by name'));
  });

  it('a typed IPv6 address: its room is asked over IPv6 and joined over TLS', async () => {
    if (!(await ipv6OrClearError())) return;
    const r = await room({ admitDelayMs: 50, tls: await tlsOption() }, '::1');
    const fingerprint = (await testCertificate()).fingerprint;
    await answerBeaconQueries(r.port, fingerprint, '::1');
    const { session } = newSession();
    const joined = await session.join({ address: `[::1]:${r.port}` });
    expect(joined.ok).toBe(true);
    expect(joined.after?.status).toMatchObject({ mode: 'joined', security: { encrypted: true, fingerprint } });
  });

  it('a hostname that does not resolve: no probe, no handshake, the usual unknown-host answer', async () => {
    const { session } = newSession();
    const joined = await session.join({ address: 'no-such-host.invalid:60003' });
    expect(joined.ok).toBe(false);
    expect(joined.ok ? '' : joined.error).toMatch(/Unknown host: no-such-host\.invalid/);
  });

  it('same key: joins again without a first-use notice', async () => {
    const r = await tlsRoom(false); // no beacon: the pin alone says TLS
    const fingerprint = (await testCertificate()).fingerprint;
    const { session, events } = newSession([{ address: `127.0.0.1:${r.port}`, fingerprint }]);
    const joined = await session.join({ address: `127.0.0.1:${r.port}` });
    expect(joined.ok).toBe(true);
    expect(joined.after?.status).toMatchObject({ security: { encrypted: true, fingerprint } });
    expect(notices(events).filter((n) => n.startsWith('First encrypted join'))).toEqual([]);
  });

  it('changed key: stops with a warning and sends nothing; accepting the new key on purpose joins and re-pins', async () => {
    const r = await tlsRoom();
    const fingerprint = (await testCertificate()).fingerprint;
    const old = (await createHostCertificate()).fingerprint;
    const received: string[] = [];
    r.server.on('message', (_client, text) => received.push(text));
    const { session, store } = newSession([{ address: `127.0.0.1:${r.port}`, fingerprint: old }]);
    const refused: JoinResult = await session.join({ address: `127.0.0.1:${r.port}` });
    expect(refused.ok).toBe(false);
    expect(refused.keyWarning).toMatchObject({ kind: 'changed', expected: old, shown: fingerprint });
    expect(refused.keyWarning?.message).toMatch(/different key.*pretending to be the host/);
    expect(refused.after?.status.mode).toBe('idle');
    expect((await store.load()).hostKeys[0]?.fingerprint).toBe(old);
    const accepted = await session.join({ address: `127.0.0.1:${r.port}`, trust: fingerprint });
    expect(accepted.ok).toBe(true);
    expect((await store.load()).hostKeys).toEqual([{ address: `127.0.0.1:${r.port}`, fingerprint }]);
    expect(received).toEqual([]);
  });

  it('a host seen with TLS now answering that it is plain: warned before any connection is made', async () => {
    const r = await room({ admitDelayMs: 50 });
    await answerBeaconQueries(r.port, null);
    const fingerprint = (await testCertificate()).fingerprint;
    const { session, store } = newSession([{ address: `127.0.0.1:${r.port}`, fingerprint }]);
    const refused = await session.join({ address: `127.0.0.1:${r.port}` });
    expect(refused.keyWarning).toMatchObject({ kind: 'plain', expected: fingerprint, shown: null });
    expect(refused.keyWarning?.message).toMatch(/only plain text/);
    expect(r.server.stats.totalJoined).toBe(0);
    // Accepted on purpose: joins in plain text and forgets the key.
    const accepted = await session.join({ address: `127.0.0.1:${r.port}`, trust: 'plain' });
    expect(accepted.ok).toBe(true);
    expect(accepted.after?.status).not.toHaveProperty('security');
    expect((await store.load()).hostKeys).toEqual([]);
  });

  it('a host seen with TLS that no longer completes a handshake (silent beacon): the same warning', async () => {
    const r = await room({ admitDelayMs: 50 });
    const fingerprint = (await testCertificate()).fingerprint;
    const { session } = newSession([{ address: `127.0.0.1:${r.port}`, fingerprint }], { connectTimeoutMs: 2000 });
    const refused = await session.join({ address: `127.0.0.1:${r.port}` });
    expect(refused.keyWarning).toMatchObject({ kind: 'plain', expected: fingerprint });
  });
});

describe('joining a plain server: no handshake bytes', () => {
  it('the seed\'s kind of server (a plain ChatServer): its first bytes from us are our line', async () => {
    const r = await room();
    const other = await r.join();
    const { session } = newSession();
    const joined = await session.join({ address: `127.0.0.1:${r.port}` });
    expect(joined.ok).toBe(true);
    expect(joined.after?.status).not.toHaveProperty('security');
    const status = joined.after?.status;
    const self = status?.mode === 'joined' ? status.self! : '';
    await session.send({ text: 'plain hello' });
    await other.waitForText(frame(self, 'plain hello'));
    expect(other.text).toBe(frame(self, '(connected)') + frame(self, 'plain hello'));
    expect(r.server.stats.connectionsRejected).toBe(0);
  });

  it('ncat --chat: the other member receives our line and no handshake byte', async () => {
    const port = await freePort();
    const ncat = spawnTerminal('ncat', ['-v', '--chat', '-l', '127.0.0.1', String(port)]);
    cleanups.push(() => ncat.kill());
    await waitUntil(() => ncat.errors().includes('Listening on'), 'ncat to listen');
    const other = await RawClient.connect(port);
    cleanups.push(() => other.destroy());
    const { session } = newSession();
    const joined = await session.join({ address: `127.0.0.1:${port}` });
    expect(joined.ok).toBe(true);
    await session.send({ text: 'hello ncat' });
    await other.waitForText('hello ncat\n');
    expect(other.bytes.includes(0x16)).toBe(false);
    expect(other.text).not.toMatch(/[^\x20-\x7e\n\r]/);
  });
});

describe('hosting with TLS', () => {
  it('keeps the key in the given folder: the status shows the fingerprint, a TLS client verifies it, the host stays plain', async () => {
    const dir = await tempDir('tincan-key-');
    const { session } = newSession([], { certificateDir: dir });
    const hosted = await session.host({ port: 0, scope: 'local' });
    expect(hosted.ok).toBe(true);
    const status = hosted.after!.status;
    expect(status.mode).toBe('hosting');
    const fingerprint = status.mode === 'hosting' ? status.security?.fingerprint : undefined;
    expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const port = hosted.ok ? hosted.value.port : 0;
    const client = await ChatClient.connect({ host: '127.0.0.1', port, tls: { fingerprint: fingerprint! } });
    cleanups.push(() => client.close());
    expect(client.fingerprint).toBe(fingerprint);
    await session.leave();
    // The same key next time.
    const again = await session.host({ port: 0, scope: 'local' });
    const rehosted = again.after?.status;
    expect(rehosted?.mode === 'hosting' && rehosted.security?.fingerprint).toBe(fingerprint);
  });

  it('"Encrypted only": a plain terminal is told how to connect with TLS and closed; TLS joins; the host\'s own plain client still gets in; the choice is kept', async () => {
    const dir = await tempDir('tincan-key-');
    const { session, events, store } = newSession([], { certificateDir: dir });
    const hosted = await session.host({ port: 0, scope: 'local', encryptedOnly: true });
    expect(hosted.ok).toBe(true);
    const status = hosted.after!.status;
    expect(status).toMatchObject({ mode: 'hosting', host: { encryptedOnly: true }, security: { encrypted: true } });
    const self = status.mode === 'hosting' ? status.self! : '';
    const port = hosted.ok ? hosted.value.port : 0;
    expect((await store.load()).lastEncryptedOnly).toBe(true);

    const plain = await RawClient.connect(port);
    cleanups.push(() => plain.destroy());
    await plain.write('hello in clear\n');
    await plain.waitForClose();
    expect(plain.text).toBe(tlsRequiredNotice().toString());

    const secure = await RawClient.connectTls(port);
    cleanups.push(() => secure.destroy());
    await events.waitFor(() => events.roster.length === 2, 'the TLS client in the roster');
    expect(events.roster.map((client) => client.encrypted)).toEqual([false, true]);
    expect((await session.send({ text: 'from the host' })).ok).toBe(true);
    await secure.waitForText(frame(self, 'from the host'));
    await secure.write('from tls\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'from tls'), 'the TLS line at the host');
    await session.leave();

    const again = await session.host({ port: 0, scope: 'local' });
    expect(again.ok && again.value.encryptedOnly).toBeFalsy();
    expect((await store.load()).lastEncryptedOnly).toBe(false);
  });

  it('"Encrypted only" without a room key is refused, saying why', async () => {
    const { session } = newSession();
    const hosted = await session.host({ port: 0, scope: 'local', encryptedOnly: true });
    expect(hosted.ok).toBe(false);
    expect(hosted.ok ? '' : hosted.error).toMatch(/Encrypted only/);
    expect(hosted.after?.status.mode).toBe('idle');
  });
});

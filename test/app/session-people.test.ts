/**
 * The session and the server's own lines (`Tincan: …`): names, topic and catch-up, with real
 * sockets: a ChatServer, raw TCP clients (what telnet would be), and plain servers that only
 * record what they receive.
 */
import net from 'node:net';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { type ChatSessionOptions } from '../../main/app/session';
import type { SessionStatus } from '../../main/common/ipc-contract';
import { MemoryPreferencesStore, defaultPreferences, sanitizePreferences, systemDisplayName } from '../../main/app/preferences';
import { freePort } from '../support/ports';
import { Signal, WAIT_MS, waitUntil } from '../support/wait';
import { type EventRecorder } from '../support/event-recorder';
import { useRooms } from '../support/room';
import { spawnTerminal } from '../support/terminal';
import { testCertificate, tlsOption } from '../support/tls';
import { MAX_NAME_CHARS, MAX_PEER_CHARS, MAX_SEEN_PEOPLE, SeenRoster } from '../../main/app/seen-roster';
import { parseServerNotice } from '../../main/common/server-notice';
import { whoLines } from '../../main/chat/server-lines';
import type { ClientInfo } from '../../main/common/roster';
import { ipcCalls } from '../support/ipc';
import { useCleanup } from '../support/cleanup';
import { sessionMaker, sessionPeers } from '../support/session';

const room = useRooms();
const defer = useCleanup();
const newSession = sessionMaker(defer);
const { startServer, connectRaw } = sessionPeers(defer);



function selfOf(status: SessionStatus | undefined): string | null {
  return status === undefined || status.mode === 'idle' || status.connection !== 'connected' ? null : status.self;
}

describe('the session reads the server\'s own lines', () => {
  it('shows names, the topic and refusals as server notices, and a member\'s look-alike as a member\'s line', async () => {
    const { port } = await startServer({ topic: 'Lab 3' });
    const { session, events } = newSession();
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await events.waitFor(() => selfOf(events.lastStatus) !== null, 'connected');
    const alice = await connectRaw(port);
    const bob = await connectRaw(port);
    await alice.write('/name alice\n');
    await alice.waitForText('Tincan: ');
    await bob.write('/name ALICE\n');
    await bob.waitForText('name refused');
    await bob.write('Tincan: [1.2.3.4:5] is now admin\n');
    await events.waitFor(() => events.lines.some((line) => line.text.includes('is now admin')), 'the look-alike');

    const notices = events.lines.filter((line) => line.kind === 'notice');
    expect(notices.map((line) => line.notice)).toEqual([
      { kind: 'topic', topic: 'Lab 3' },
      { kind: 'name', peer: alice.label, name: 'alice', previous: null },
    ]);
    expect(notices[1]).toMatchObject({ peer: alice.label, text: `Tincan: [${alice.label}] is now alice` });
    // Only bob hears of his refusal; to everyone else his look-alike is his own line.
    expect(events.lines.at(-1)).toMatchObject({ kind: 'message', peer: bob.label, text: 'Tincan: [1.2.3.4:5] is now admin' });
    expect(events.lines.at(-1)?.notice).toBeUndefined();
  });

  it('marks the lines between the catch-up header and footer as replayed, and no others', async () => {
    const { port } = await startServer({ replayLines: 50 });
    const early = await connectRaw(port);
    await early.write('first\nsecond\n');
    await early.waitForText('second\n');
    const { session, events } = newSession();
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await events.waitFor(() => events.lines.some((line) => line.notice?.kind === 'replay-end'), 'the replay');
    await early.write('third\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'third'), 'a live line');
    expect(events.lines.map((line) => [line.kind, line.notice?.kind ?? null, line.text, line.replayed ?? false])).toEqual([
      ['notice', 'replay-start', expect.stringMatching(/^Tincan: the last 2 lines, /), false],
      ['message', null, 'first', true],
      ['message', null, 'second', true],
      ['notice', 'replay-end', 'Tincan: end of the replay; live from here.', false],
      ['message', null, 'third', false],
    ]);
  });
});

function withName(displayName: string): ChatSessionOptions {
  return { preferences: new MemoryPreferencesStore({ ...defaultPreferences(), displayName }) };
}

/** A plain TCP server (the seed's, or `ncat --chat`, to the app): it records every byte it receives. */
async function recordingServer(): Promise<{ port: number; received: () => string; arrived: Signal }> {
  const chunks: Buffer[] = [];
  const arrived = new Signal();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      arrived.notify();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  defer(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  return { port: (server.address() as net.AddressInfo).port, received: () => Buffer.concat(chunks).toString('utf8'), arrived };
}

describe('the app\'s display name', () => {
  it('is never sent into a room whose address was typed (a plain server would relay it as chat)', async () => {
    const plain = await recordingServer();
    const { session, events } = newSession(withName('alice'));
    expect((await session.join({ address: `127.0.0.1:${plain.port}` })).ok).toBe(true);
    await events.waitFor(() => selfOf(events.lastStatus) !== null, 'connected');
    // Changing the name in Settings sends nothing either.
    expect((await session.updateSettings({ displayName: 'alicia' })).ok).toBe(true);
    expect((await session.send({ text: 'hello' })).ok).toBe(true);
    await plain.arrived.until(() => plain.received().includes('hello\n'), 'the line', WAIT_MS);
    expect(plain.received()).toBe('hello\n');
  });

  it('is taken in the room the app hosts; a taken name comes back as a refusal with the server\'s reason', async () => {
    const { session, events } = newSession({ ...withName('alice'), serverOptions: { admitDelayMs: 0 } });
    const hosted = await session.host({ port: 0, scope: 'local' });
    expect(hosted.ok).toBe(true);
    await events.waitFor(() => selfOf(events.lastStatus) !== null, 'connected');
    const self = selfOf(events.lastStatus)!;
    await events.waitFor(() => events.lines.some((line) => line.notice?.kind === 'name'), 'our name taken');
    expect(events.lines.find((line) => line.notice?.kind === 'name')?.notice).toEqual({ kind: 'name', peer: self, name: 'alice', previous: null });

    const raw = await connectRaw(hosted.ok ? hosted.value.port : 0);
    await raw.write('/name bob\n');
    await events.waitFor(() => events.lines.some((line) => line.notice?.kind === 'name' && line.notice.name === 'bob'), 'bob');
    expect((await session.updateSettings({ displayName: 'BOB' })).ok).toBe(true);
    await events.waitFor(() => events.lines.some((line) => line.notice?.kind === 'name-refused'), 'the refusal');
    expect(events.lines.find((line) => line.notice?.kind === 'name-refused')?.notice).toEqual({
      kind: 'name-refused',
      reason: `BOB looks like bob, taken by [${raw.label}]; choose another.`,
    });
    // Settings refuse a name that cleans to nothing usable, and keep the one they had.
    expect(await ipcCalls(session).updateSettings({ displayName: '[]' })).toMatchObject({ ok: false, error: expect.stringMatching(/^Your name: /) as unknown });
  });

  it('is taken in a room joined from the network\'s list', async () => {
    const port = await freePort();
    const discovery = { interfaces: os.networkInterfaces, selection: { only: ['lo'] }, appVersion: '0.1.0', beaconPorts: [port] };
    const { session: host, events: hostEvents } = newSession({ ...withName(''), discovery });
    expect((await host.host({ port, scope: 'lan', name: 'People room' })).ok).toBe(true);
    const { session: joiner, events } = newSession({ ...withName('carol'), discovery });
    expect((await joiner.findRooms()).ok).toBe(true);
    await events.waitFor(() => events.events.some((event) => event.type === 'rooms' && event.rooms.some((room) => room.name === 'People room')), 'the room listed', 10_000);
    expect((await joiner.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await events.waitFor(() => selfOf(events.lastStatus) !== null, 'connected');
    const self = selfOf(events.lastStatus)!;
    await hostEvents.waitFor(() => hostEvents.lines.some((line) => line.notice?.kind === 'name'), 'carol\'s name at the host');
    expect(hostEvents.lines.filter((line) => line.notice?.kind === 'name').map((line) => line.notice)).toEqual([{ kind: 'name', peer: self, name: 'carol', previous: null }]);
  });
});

describe('the topic from the app', () => {
  it('the host sets it through a validated call and the room hears it; a joiner may not', async () => {
    const { session, events } = newSession({ ...withName(''), serverOptions: { admitDelayMs: 0 } });
    const hosted = await session.host({ port: 0, scope: 'local', topic: '  Lab\u200b 3  ' });
    if (!hosted.ok) throw new Error(hosted.error);
    const raw = await connectRaw(hosted.value.port);
    await raw.waitForText('Tincan: topic: Lab 3\n');
    expect(await session.setTopic({ topic: 'Finals [tonight]' })).toEqual({ ok: true, value: null });
    await raw.waitForText('Tincan: topic: Finals [tonight]\n');
    await events.waitFor(() => events.lines.some((line) => line.notice?.kind === 'topic' && line.notice.topic === 'Finals [tonight]'), 'the new topic');
    expect(await session.setTopic({ topic: '' })).toEqual({ ok: true, value: null });
    await raw.waitForText('Tincan: the topic was cleared.\n');
    // Hostile arguments are refused before anything happens.
    const calls = ipcCalls(session);
    expect(await calls.setTopic({ topic: 'x'.repeat(201) })).toMatchObject({ ok: false, error: expect.stringMatching(/^The topic: a topic has at most 200 characters/) as unknown });
    expect(await calls.setTopic({ topic: 'x'.repeat(1001) })).toMatchObject({ ok: false, error: expect.stringMatching(/too long/) as unknown });
    expect(await calls.setTopic({ topic: 'a', extra: 1 })).toMatchObject({ ok: false });
    expect(await calls.setTopic('a')).toMatchObject({ ok: false });

    const { port } = await startServer();
    const { session: joiner } = newSession();
    expect((await joiner.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    expect(await joiner.setTopic({ topic: 'mine' })).toEqual({ ok: false, error: 'Only the host sets the topic.' });
  });
});

describe('a hostile server\'s catch-up header', () => {
  it('marks at most the server limit of lines as replayed, however many it claims', async () => {
    const lines = ['Tincan: the last 9999 lines, 10:00–10:01:'];
    for (let index = 0; index < 1005; index += 1) lines.push(`[10.0.0.1:1] line ${index}`);
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write(lines.join('\n') + '\n');
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { session, events } = newSession();
    expect((await session.join({ address: `127.0.0.1:${(server.address() as net.AddressInfo).port}` })).ok).toBe(true);
    await events.waitFor(() => events.lines.some((line) => line.text === 'line 1004'), 'every line');
    const messages = events.lines.filter((line) => line.kind === 'message');
    expect(messages.filter((line) => line.replayed === true)).toHaveLength(1000);
    expect(messages.at(-1)?.replayed).toBeUndefined();
  });
});

describe('the display name in the preferences file', () => {
  it('defaults to the OS user\'s name and keeps only a clean, bounded name from the file', () => {
    expect(defaultPreferences().displayName).toBe(systemDisplayName());
    expect(sanitizePreferences({ displayName: ' ana\u200b  b ' }).displayName).toBe('ana b');
    expect(sanitizePreferences({ displayName: '' }).displayName).toBe('');
    // A name no server would take, too long or not text: the default instead.
    expect(sanitizePreferences({ displayName: '[]' }).displayName).toBe(systemDisplayName());
    expect(sanitizePreferences({ displayName: 'x'.repeat(5000) }).displayName).toBe(systemDisplayName());
    expect(sanitizePreferences({ displayName: 42 }).displayName).toBe(systemDisplayName());
  });
});

/** The roster a renderer would have from `events` (whole rosters and their changes), and whether it is partial. */
function rosterOf(events: EventRecorder): { roster: ClientInfo[]; partial: boolean } {
  let partial = false;
  for (const event of events.events) if (event.type === 'roster') partial = event.partial === true;
  return { roster: events.roster, partial };
}

describe('a joiner\'s roster', () => {
  it('in a room known to be Tincan: /who once on joining, its answer read into the roster and kept out of the transcript, then kept current', async () => {
    const r = await room({ admitDelayMs: 50, tls: await tlsOption() });
    const alice = await r.join();
    await alice.write('/name alice\n');
    await alice.waitForText('is now alice\n');
    const bob = await r.join();
    const fingerprint = (await testCertificate()).fingerprint;
    const { session, events } = newSession({
      // The probe's own time (600 ms): a TLS handshake that takes longer than a shortened one on a
      // loaded machine would be taken for a plain room, where nobody asks /who.
      preferences: new MemoryPreferencesStore({ ...defaultPreferences(), displayName: '', hostKeys: [{ address: `127.0.0.1:${r.port}`, fingerprint }] }),
    });
    const before = Date.now();
    expect((await session.join({ address: `127.0.0.1:${r.port}` })).ok).toBe(true);
    await events.waitFor(() => rosterOf(events).roster.length === 3 && !rosterOf(events).partial, 'the /who answer in the roster');
    const self = selfOf(events.lastStatus)!;
    const { roster } = rosterOf(events);
    expect(roster.map((client) => [client.peer, client.name ?? null])).toEqual([[alice.label, 'alice'], [bob.label, null], [self, null]]);
    // "since HH:MM", read back in local time: the minute they came.
    for (const client of roster) expect(client.connectedAt).toBeGreaterThanOrEqual(Math.floor(before / 60_000) * 60_000 - 60_000);
    expect(events.lines.filter((line) => line.kind === 'notice')).toEqual([]);
    // The other members heard nothing of it: /who is a command, never relayed.
    await alice.write('hi\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'hi'), 'alice\'s line');
    expect(bob.text).not.toContain('/who');

    // The count moves in the very batch that carries the line.
    const batch = events.batches.find((candidate) => candidate.events.some((event) => event.type === 'lines' && event.lines.some((line) => line.text === 'hi')))!;
    const counts = batch.events.flatMap((event) => (event.type === 'roster-changes' ? event.lineCounts : []));
    expect(counts).toEqual([{ id: roster[0]!.id, linesSent: 1, lastSpokeAt: expect.any(Number) as unknown }]);

    const carol = await r.join();
    bob.destroy();
    await events.waitFor(() => rosterOf(events).roster.map((client) => client.peer).join() === [alice.label, self, carol.label].join(), 'carol in, bob out');
    expect(rosterOf(events).roster.find((client) => client.peer === carol.label)?.before).toBeUndefined();
    // Exactly one /who: the server answered one, and no reply line reached the transcript.
    expect(events.lines.filter((line) => line.text.startsWith('Tincan:'))).toEqual([]);
  });

  it('in a room whose address was typed: no /who; partial, from what is seen (arrivals, departures, who talks)', async () => {
    const { port } = await startServer();
    const early = await connectRaw(port);
    const { session, events } = newSession(withName('alice'));
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await events.waitFor(() => selfOf(events.lastStatus) !== null, 'connected');
    const self = selfOf(events.lastStatus)!;
    expect(rosterOf(events)).toMatchObject({ partial: true, roster: [{ peer: self, linesSent: 0 }] });
    await early.write('I was here first\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'I was here first'), 'the first line');
    const late = await connectRaw(port);
    await late.write('me too\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'me too'), 'both lines');
    expect(rosterOf(events)).toMatchObject({
      partial: true,
      roster: [
        { peer: self, linesSent: 0 },
        { peer: early.label, linesSent: 1, before: true },
        { peer: late.label, linesSent: 1 },
      ],
    });
    expect(rosterOf(events).roster[2]!.before).toBeUndefined();
    early.destroy();
    await events.waitFor(() => rosterOf(events).roster.length === 2, 'early gone');
    // The server would have answered /who: nobody asked.
    expect(events.lines.filter((line) => line.kind === 'notice')).toEqual([]);
    expect(late.text).not.toContain('/who');
  });

  it('ncat --chat: the other member receives our line and never /who or /name', async () => {
    const port = await freePort();
    const ncat = spawnTerminal('ncat', ['-v', '--chat', '-l', '127.0.0.1', String(port)]);
    defer(() => ncat.kill());
    await waitUntil(() => ncat.errors().includes('Listening on'), 'ncat to listen');
    const other = await connectRaw(port);
    const { session, events } = newSession(withName('alice'));
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await events.waitFor(() => selfOf(events.lastStatus) !== null, 'connected');
    expect((await session.send({ text: 'hello ncat' })).ok).toBe(true);
    await other.waitForText('hello ncat\n');
    expect(other.text).not.toMatch(/\/who|\/name/);
    expect(rosterOf(events).partial).toBe(true);
  });

  it('a hostile room is believed only so far: people, addresses and names are bounded', async () => {
    const lines: string[] = [];
    for (let index = 0; index < 3000; index += 1) lines.push(`[10.${index >> 16}.${(index >> 8) & 255}.${index & 255}:1] (connected)`);
    lines.push(`[${'a'.repeat(500)}:1] (connected)`);
    lines.push(`[${'b'.repeat(500)}:1] hello`);
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write(lines.join('\n') + '\n[10.200.0.1:1] last\n');
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { session, events } = newSession();
    expect((await session.join({ address: `127.0.0.1:${(server.address() as net.AddressInfo).port}` })).ok).toBe(true);
    await events.waitFor(() => events.lines.some((line) => line.text === 'last'), 'every line');
    const { roster } = rosterOf(events);
    expect(roster).toHaveLength(MAX_SEEN_PEOPLE);
    expect(roster.every((client) => client.peer.length <= MAX_PEER_CHARS)).toBe(true);
  });
});

describe('parseServerNotice reads the server\'s /who answer back', () => {
  it('every line whoLines writes: the count, each person (no name, you, another day), the rest', () => {
    const now = new Date(2026, 11, 7, 12, 0).getTime();
    const lines = whoLines(
      [
        { peer: '10.0.0.5:50123', name: 'al, since 10:00', connectedAt: new Date(2026, 11, 7, 10, 18).getTime(), you: false },
        { peer: '[fe80::1%eth0]:4000', name: null, connectedAt: new Date(2026, 11, 6, 9, 5).getTime(), you: true },
      ],
      60,
      now,
      false,
    );
    expect(lines.map(parseServerNotice)).toEqual([
      { kind: 'who-start', count: 60, wholeRoom: false },
      { kind: 'who-entry', peer: '10.0.0.5:50123', name: 'al, since 10:00', since: '10:18', you: false },
      { kind: 'who-entry', peer: '[fe80::1%eth0]:4000', name: null, since: '2026-12-06 09:05', you: true },
      { kind: 'who-more', count: 58 },
    ]);
    expect(parseServerNotice('Tincan: 1 person here:')).toEqual({ kind: 'who-start', count: 1, wholeRoom: true });
    // A name change is still a name change, whatever the name holds.
    expect(parseServerNotice('Tincan: [10.0.0.5:1] is now x, since 10:18')).toEqual({ kind: 'name', peer: '10.0.0.5:1', name: 'x, since 10:18', previous: null });
  });
});

describe('SeenRoster reads a /who answer it asked for, and only so much of it', () => {
  const now = new Date(2026, 11, 7, 12, 0).getTime();
  const read = (roster: SeenRoster, line: string) => roster.takeNotice(parseServerNotice(line)!, now);

  it('takes the answer, names and times; ends it without a closing line; not again unless asked', () => {
    const roster = new SeenRoster(() => undefined);
    roster.restart('127.0.0.1:9', now);
    expect(read(roster, 'Tincan: 2 people here:')).toEqual({ show: true, ended: false });
    roster.expectWho();
    expect(read(roster, 'Tincan: topic: Lab')).toEqual({ show: true, ended: false });
    expect(read(roster, 'Tincan: 2 people here:')).toEqual({ show: false, ended: false });
    expect(read(roster, 'Tincan: [10.0.0.5:50123] al, since 10:00, since 10:18')).toEqual({ show: false, ended: false });
    expect(read(roster, 'Tincan: [127.0.0.1:9] (no name), since 2026-12-06 23:59 (you)')).toEqual({ show: false, ended: true });
    expect(roster.whole()).toEqual({
      type: 'roster',
      clients: [
        { id: 2, peer: '10.0.0.5:50123', name: 'al, since 10:00', connectedAt: new Date(2026, 11, 7, 10, 18).getTime(), linesSent: 0 },
        { id: 3, peer: '127.0.0.1:9', connectedAt: new Date(2026, 11, 6, 23, 59).getTime(), linesSent: 0 },
      ],
    });
    expect(read(roster, 'Tincan: 1 person here:')).toEqual({ show: true, ended: false });
  });

  it('a hostile answer: thousands of entries, long names and addresses, a closing line; partial, bounded', () => {
    const roster = new SeenRoster(() => undefined);
    roster.restart('127.0.0.1:9', now);
    roster.expectWho();
    read(roster, 'Tincan: 999999 people here:');
    read(roster, `Tincan: [${'x'.repeat(MAX_PEER_CHARS + 1)}:1] long, since 10:00`);
    read(roster, `Tincan: [10.0.0.1:1] ${'n'.repeat(MAX_NAME_CHARS + 1)}, since 10:00`);
    read(roster, 'Tincan: [10.0.0.1:1] again, since 10:00');
    for (let index = 0; index < 5000; index += 1) read(roster, `Tincan: [10.1.${index >> 8}.${index & 255}:1] p${index}, since 25:00`);
    expect(read(roster, 'Tincan: and 995000 more.')).toEqual({ show: false, ended: true });
    const whole = roster.whole();
    expect(whole).toMatchObject({ type: 'roster', partial: true });
    const clients = whole.type === 'roster' ? whole.clients : [];
    // Everyone listed (up to the bound), and the user, whom the list stopped before.
    expect(clients).toHaveLength(MAX_SEEN_PEOPLE + 1);
    expect(clients.at(-1)).toMatchObject({ peer: '127.0.0.1:9', connectedAt: now });
    expect(clients[0]).toEqual({ id: 2, peer: '10.0.0.1:1', connectedAt: new Date(2026, 11, 7, 10, 0).getTime(), linesSent: 0 });
    // A time that is not one is "now".
    expect(clients[1]!.connectedAt).toBe(now);
  });
});

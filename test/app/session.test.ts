import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ChatClient } from '../../main/chat/client';
import { ChatServer } from '../../main/chat/server';
import { WINDOW_BATCH_MS, type ChatSession } from '../../main/app/session';
import { externalAddresses } from '../../main/app/share-addresses';
import type { ChatLine, Preferences, SessionStatus } from '../../main/common/ipc-contract';
import { MemoryPreferencesStore, defaultPreferences } from '../../main/app/preferences';
import { canListen, freePort, occupiedPort } from '../support/ports';
import { MemoryLogger } from '../support/memory-logger';
import { waitUntil } from '../support/wait';
import { ipcCalls } from '../support/ipc';
import { useCleanup } from '../support/cleanup';
import { namelessPreferences, sessionMaker, sessionPeers } from '../support/session';

const defer = useCleanup();
const newSession = sessionMaker(defer, namelessPreferences);
const { startServer, connectRaw } = sessionPeers(defer);


async function hostLocally(session: ChatSession): Promise<{ port: number; self: string }> {
  const hosted = await session.host({ port: 0, scope: 'local' });
  if (!hosted.ok) throw new Error(hosted.error);
  const snapshot = await session.getSnapshot();
  if (!snapshot.ok || snapshot.value.status.mode !== 'hosting' || snapshot.value.status.self === null) {
    throw new Error('not hosting after host()');
  }
  return { port: hosted.value.port, self: snapshot.value.status.self };
}

/**
 * Test-only reach into the session: the loopback ChatClient's socket, destroyed as a network
 * reset would (not via close(), which the session would take as its own doing).
 */
function killLoopbackClient(session: ChatSession): boolean {
  const state = (session as unknown as { state: { link?: { client: unknown } } }).state;
  const client = state.link?.client as { socket?: net.Socket } | null | undefined;
  if (!client?.socket) return false;
  client.socket.destroy();
  return true;
}

/** A non-Tincan server that greets each connection its own way. */
async function occupyPortWith(greet: (socket: net.Socket) => void): Promise<{ port: number }> {
  const server = net.createServer(greet);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  defer(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.unref();
  }));
  return { port: (server.address() as net.AddressInfo).port };
}

function isConnected(status: SessionStatus | undefined): boolean {
  return status !== undefined && status.mode !== 'idle' && status.connection === 'connected';
}

describe('ChatSession hosting', () => {
  it('relays between the host and a raw TCP client, byte for byte', async () => {
    const { session, events } = newSession();
    const { port, self } = await hostLocally(session);
    expect(self).toMatch(/^127\.0\.0\.1:\d+$/);
    await events.waitFor(() => isConnected(events.lastStatus), 'connected status');
    expect(events.lastStatus).toEqual({
      mode: 'hosting',
      host: {
        port,
        scope: 'local',
        shareAddresses: [{ address: `127.0.0.1:${port}`, interfaceName: 'lo', label: 'This computer only' }],
        roomName: null,
        advice: [],
      },
      connection: 'connected',
      self,
    });

    const raw = await connectRaw(port);
    await events.waitFor(() => events.lines.some((line) => line.kind === 'connected' && line.peer === raw.label), 'the raw client’s (connected) line');
    const joinedLine = events.lines.find((line) => line.peer === raw.label);
    expect(joinedLine).toMatchObject({ kind: 'connected', text: '', self: false });

    await raw.write('hello from nc\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'hello from nc'), 'the raw client’s message');
    expect(events.lines.find((line) => line.text === 'hello from nc')).toMatchObject({ kind: 'message', peer: raw.label, self: false });

    const sent = await session.send({ text: 'hi there\n\n  \nsecond line' });
    expect(sent).toEqual({ ok: true, value: { lines: 2 } });
    const expected = `[${raw.label}] hello from nc\n[${self}] hi there\n[${self}] second line\n`;
    await raw.waitFor((client) => client.text.length >= expected.length, 'the host’s lines');
    expect(raw.text).toBe(expected);

    await events.waitFor(() => events.lines.some((line) => line.text === 'second line'), 'own lines echoed');
    const own = events.lines.filter((line) => line.peer === self && line.kind === 'message');
    expect(own.map((line) => [line.text, line.self])).toEqual([
      ['hi there', true],
      ['second line', true],
    ]);

    // Roster: the host's own client and the raw one, with the line counts.
    await events.waitFor(() => {
      const roster = events.roster;
      return roster.length === 2 && roster.some((c) => c.peer === self && c.linesSent === 2);
    }, 'a roster with both clients');

    raw.destroy();
    await events.waitFor(() => events.lines.some((line) => line.kind === 'disconnected' && line.peer === raw.label), 'the (disconnected) line');

    // seq increases by one per line, at is a plausible time.
    const lines = events.lines;
    lines.forEach((line, index) => {
      if (index > 0) expect(line.seq).toBe((lines[index - 1] as ChatLine).seq + 1);
      expect(Math.abs(line.at - Date.now())).toBeLessThan(60_000);
    });
  });

  it('refuses a port in use with the server’s sentence and stays idle', async () => {
    const busy = await occupiedPort();
    defer(busy.close);
    const { session } = newSession();
    const result = await session.host({ port: busy.port, scope: 'local' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(new RegExp(`^Port ${busy.port} is already in use`));
    const snapshot = await session.getSnapshot();
    expect(snapshot.ok && snapshot.value.status).toEqual({ mode: 'idle' });
    // and it can host elsewhere afterwards
    expect((await session.host({ port: 0, scope: 'local' })).ok).toBe(true);
  });

  it('leave stops the server: raw clients see the socket end and the port is free again', async () => {
    const { session, events } = newSession();
    const { port } = await hostLocally(session);
    const raw = await connectRaw(port);
    await events.waitFor(() => events.lines.some((line) => line.peer === raw.label), 'raw client announced');

    expect(await session.leave()).toMatchObject({ ok: true, value: null, after: { status: { mode: 'idle' } } });
    await raw.waitForEnd();
    expect(await canListen(port)).toBe(true);
    await events.waitFor(() => events.lastStatus?.mode === 'idle', 'idle status');
    await events.waitFor(() => events.events.some((event) => event.type === 'roster') && events.roster.length === 0, 'an empty roster');
    expect((await session.send({ text: 'anyone?' })).ok).toBe(false);
  });

  it('refuses to host or join twice, and validates its arguments', async () => {
    const { session } = newSession();
    await hostLocally(session);
    expect(await session.host({ port: 0, scope: 'local' })).toMatchObject({ ok: false, error: 'Leave the current chat first.', after: { status: { mode: 'hosting' } } });
    expect(await session.join({ address: '127.0.0.1:1' })).toMatchObject({ ok: false, error: 'Leave the current chat first.', after: { status: { mode: 'hosting' } } });
    expect((await session.host({ port: -5, scope: 'local' })).ok).toBe(false);
    // The shape of an argument is main's IPC adapter's to check, once.
    const calls = ipcCalls(session);
    expect((await calls.host({ port: 1, scope: 'moon' })).ok).toBe(false);
    expect((await calls.send({ text: 42 })).ok).toBe(false);
    expect((await calls.host(null)).ok).toBe(false);
  });

  it('remembers last mode, port and scope', async () => {
    const store = new MemoryPreferencesStore();
    const { session } = newSession({ preferences: store });
    const port = await freePort();
    const hosted = await session.host({ port, scope: 'local' });
    expect(hosted.ok).toBe(true);
    expect(await store.load()).toMatchObject({ lastMode: 'host', lastPort: port, lastScope: 'local' });
  });
});

describe('ChatSession preferences read at start', () => {
  it('takes loadedPreferences as what the store holds and does not read the store again', async () => {
    const store = new MemoryPreferencesStore();
    let reads = 0;
    const counting = { load: () => ((reads += 1), store.load()), save: (preferences: Preferences) => store.save(preferences) };
    const { session } = newSession({ preferences: counting, loadedPreferences: { ...defaultPreferences(), roomName: 'Lab 3' } });
    const snapshot = await session.getSnapshot();
    expect(snapshot.ok && snapshot.value.preferences.roomName).toBe('Lab 3');
    expect(reads).toBe(0);
  });
});

describe('ChatSession joining', () => {

  it('joins, marks its own lines, remembers the host, and can forget it', async () => {
    const store = new MemoryPreferencesStore();
    const { session, events } = newSession({ preferences: store });
    const { port } = await startServer();
    const raw = await connectRaw(port);

    const joining = session.join({ address: `127.0.0.1:${port}` });
    // The connect needs the event loop; the snapshot (microtasks only) sees it in progress.
    const during = await session.getSnapshot();
    expect(during.ok && during.value.status).toEqual({ mode: 'joined', target: { host: '127.0.0.1', port }, connection: 'connecting', self: null });
    expect(await joining).toMatchObject({ ok: true, value: { host: '127.0.0.1', port }, after: { status: { mode: 'joined', connection: 'connected' } } });
    await events.waitFor(() => isConnected(events.lastStatus), 'connected');
    // Statuses may be coalesced, but each one is about this join.
    expect(events.statuses.every((status) => status.mode === 'joined')).toBe(true);
    const status = events.lastStatus;
    const self = status?.mode === 'joined' ? status.self : null;
    expect(self).toMatch(/^127\.0\.0\.1:\d+$/);

    await raw.waitFor((client) => client.text.includes(`[${self}] (connected)`), 'the session announced');
    await raw.write('welcome\n');
    await session.send({ text: 'thanks' });
    await events.waitFor(() => events.lines.some((line) => line.text === 'thanks'), 'own line');
    expect(events.lines.filter((line) => line.kind === 'message').map((line) => [line.peer, line.text, line.self])).toEqual([
      [raw.label, 'welcome', false],
      [self, 'thanks', true],
    ]);

    const preferences = await store.load();
    expect(preferences).toMatchObject({ lastMode: 'join', recentHosts: [`127.0.0.1:${port}`] });
    const snapshot = await session.getSnapshot();
    expect(snapshot.ok && snapshot.value.preferences.recentHosts).toEqual([`127.0.0.1:${port}`]);
    const forgotten = await session.forgetRecentHost(`127.0.0.1:${port}`);
    expect(forgotten.ok && forgotten.value.recentHosts).toEqual([]);
    expect((await store.load()).recentHosts).toEqual([]);
  });

  it('shows lines that are not in protocol form as raw lines', async () => {
    const listener = await occupyPortWith((socket) => socket.write('Welcome to some other server\n[x] odd\n'));
    const { session, events } = newSession();
    expect((await session.join({ address: `127.0.0.1:${listener.port}` })).ok).toBe(true);
    await events.waitFor(() => events.lines.length >= 2, 'two raw lines');
    expect(events.lines.map((line) => [line.kind, line.peer, line.text])).toEqual([
      ['raw', '', 'Welcome to some other server'],
      ['raw', '', '[x] odd'],
    ]);
  });

  it('explains a bad address without connecting', async () => {
    const { session, events } = newSession();
    expect(await session.join({ address: '10.0.0.300' })).toMatchObject({
      after: { status: { mode: 'idle' } },
      ok: false,
      error: '“10.0.0.300” is not a valid IPv4 address: each part must be 0–255.',
    });
    expect(await session.join({ address: '' })).toMatchObject({ ok: false, error: expect.stringContaining('Type the host’s address') as unknown });
    expect(await session.join({ address: '10.0.0.5:99999' })).toMatchObject({ ok: false, error: expect.stringContaining('not a port') as unknown });
    const calls = ipcCalls(session);
    expect((await calls.join({ address: 5 })).ok).toBe(false);
    expect((await calls.join({ address: 'x'.repeat(100_000) })).ok).toBe(false);
    expect(events.batches).toEqual([]);
  });

  it('reports a refused connection with the client’s sentence and goes back to idle', async () => {
    const port = await freePort();
    const { session, events } = newSession();
    expect(await session.join({ address: `127.0.0.1:${port}` })).toMatchObject({
      after: { status: { mode: 'idle' } },
      ok: false,
      error: `Nothing is listening at 127.0.0.1:${port}`,
    });
    await events.waitFor(() => events.lastStatus?.mode === 'idle', 'idle');
  });

  it('cancelJoin stops a join in progress', async () => {
    const { port } = await startServer();
    const { session, events } = newSession();
    const joining = session.join({ address: `127.0.0.1:${port}` });
    expect(await session.cancelJoin()).toMatchObject({ ok: true, value: null, after: { status: { mode: 'idle' } } });
    expect(await joining).toMatchObject({ ok: false, error: 'Joining was cancelled.', after: { status: { mode: 'idle' } } });
    await events.waitFor(() => events.lastStatus?.mode === 'idle', 'idle');
    // cancelJoin when idle is harmless
    expect(await session.cancelJoin()).toMatchObject({ ok: true, value: null, after: { status: { mode: 'idle' } } });
  });

  it('reconnects with backoff after the server restarts on the same port', async () => {
    const first = await startServer();
    const { session, events } = newSession();
    expect((await session.join({ address: `127.0.0.1:${first.port}` })).ok).toBe(true);
    await events.waitFor(() => isConnected(events.lastStatus), 'connected');

    await first.server.close();
    await events.waitFor(
      () => events.events.filter((event) => event.type === 'reconnecting').length >= 3,
      'three reconnect attempts',
    );
    const attempts = events.events.flatMap((event) => (event.type === 'reconnecting' ? [event] : []));
    expect(attempts.slice(0, 3).map((attempt) => [attempt.attempt, attempt.delayMs])).toEqual([
      [1, 50],
      [2, 100],
      [3, 200],
    ]);
    expect(attempts[0]?.reason).toMatch(/closed the connection|was lost/);
    expect(attempts[1]?.reason).toBe(`Nothing is listening at 127.0.0.1:${first.port}`);
    expect(events.lastStatus).toMatchObject({ mode: 'joined', connection: 'reconnecting', self: null });
    // The line waits for the connection instead of being refused (session-outbox.test.ts).
    expect(await session.send({ text: 'lost?' })).toEqual({ ok: true, value: { lines: 0, waiting: 1 } });

    const second = await startServer({}, first.port);
    const raw = await connectRaw(second.port);
    await events.waitFor(() => isConnected(events.lastStatus), 'connected again', 10_000);
    expect(events.events.some((event) => event.type === 'notice' && event.message === `Reconnected to 127.0.0.1:${first.port}.`)).toBe(true);
    const status = events.lastStatus;
    const self = status?.mode === 'joined' ? status.self : null;
    await session.send({ text: 'back again' });
    await raw.waitFor((client) => client.text.includes(`[${self}] lost?\n[${self}] back again\n`), 'the messages after reconnecting');
  });

  it('leave and cancelJoin stop the reconnect loop for good', async () => {
    for (const stop of ['leave', 'cancelJoin'] as const) {
      const first = await startServer();
      const { session, events } = newSession({ reconnectInitialDelayMs: 20, reconnectMaxDelayMs: 40 });
      expect((await session.join({ address: `127.0.0.1:${first.port}` })).ok).toBe(true);
      await events.waitFor(() => isConnected(events.lastStatus), 'connected');
      await first.server.close();
      await events.waitFor(() => events.events.filter((event) => event.type === 'reconnecting').length >= 2, 'reconnecting');

      expect(await session[stop]()).toMatchObject({ ok: true, value: null, after: { status: { mode: 'idle' } } });
      await events.waitFor(() => events.lastStatus?.mode === 'idle', `idle after ${stop}`);
      // Something listens on the old port again; a session still retrying would arrive within
      // a few of its 40 ms delays. Waiting for an absence has to take some time: 10 delays.
      const arrivals: net.Socket[] = [];
      const listener = net.createServer((socket) => arrivals.push(socket));
      await new Promise<void>((resolve) => listener.listen({ host: '127.0.0.1', port: first.port }, resolve));
      await new Promise((resolve) => setTimeout(resolve, 400));
      await new Promise<void>((resolve) => {
        for (const socket of arrivals) socket.destroy();
        listener.close(() => resolve());
      });
      expect(arrivals, `connections after ${stop}`).toHaveLength(0);
    }
  });

  it('the host’s own loopback client reconnects when the server cuts it', async () => {
    const { session, events } = newSession();
    const { port, self: before } = await hostLocally(session);
    await events.waitFor(() => isConnected(events.lastStatus), 'connected');
    // Simulate a reset of the loopback connection: destroy its socket without the client
    // having asked to close. The session must notice and come back on its own.
    const killed = killLoopbackClient(session);
    expect(killed).toBe(true);
    await events.waitFor(() => events.events.some((event) => event.type === 'reconnecting'), 'reconnecting');
    await events.waitFor(() => isConnected(events.lastStatus), 'connected again');
    const after = events.lastStatus;
    expect(after).toMatchObject({ mode: 'hosting', connection: 'connected', host: { port } });
    expect(after?.mode === 'hosting' && after.self).not.toBe(before);
  });
});

describe('ChatSession event batching', () => {
  it('delivers a 5,000-line burst complete, in order, in a handful of batches', async () => {
    const { session, events } = newSession({ serverOptions: { maxLinesPerSecond: 0 } }); // a burst, not the room's line rate
    const { port } = await hostLocally(session);
    const raw = await connectRaw(port);
    await events.waitFor(() => events.lines.some((line) => line.peer === raw.label), 'raw client announced');
    const batchesBefore = events.batches.length;

    const total = 5000;
    await raw.write(Array.from({ length: total }, (_, index) => `line ${index}\n`).join(''));
    await events.waitFor(
      () => events.lines.filter((line) => line.peer === raw.label && line.kind === 'message').length >= total,
      'all 5,000 lines',
      20_000,
    );
    const received = events.lines.filter((line) => line.peer === raw.label && line.kind === 'message').map((line) => line.text);
    expect(received).toEqual(Array.from({ length: total }, (_, index) => `line ${index}`));
    const burstBatches = events.batches.slice(batchesBefore);
    // Each callback: consecutive lines merged into one item.
    for (const batch of burstBatches) {
      const types = batch.events.map((event) => event.type);
      types.forEach((type, index) => {
        if (index > 0) expect(type === 'lines' && types[index - 1] === 'lines').toBe(false);
      });
    }
    console.info(`5,000 lines arrived in ${burstBatches.length} callbacks`);
    expect(burstBatches.length).toBeLessThan(60);
  });

  it('never calls back more than once per eventBatchMs and keeps only the latest status', async () => {
    const { session, events } = newSession({ eventBatchMs: 40 });
    const { port } = await hostLocally(session);
    const raw = await connectRaw(port);
    for (let index = 0; index < 20; index += 1) await raw.write(`tick ${index}\n`);
    await events.waitFor(() => events.lines.filter((line) => line.text.startsWith('tick ')).length === 20, 'ticks');
    for (let index = 1; index < events.batches.length; index += 1) {
      const gap = (events.batches[index]?.at ?? 0) - (events.batches[index - 1]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(38);
    }
    for (const batch of events.batches) {
      expect(batch.events.filter((event) => event.type === 'status').length).toBeLessThanOrEqual(1);
      expect(batch.events.filter((event) => event.type === 'roster' || event.type === 'roster-changes').length).toBeLessThanOrEqual(1);
    }
  });

  it('by default calls back at most once per WINDOW_BATCH_MS', async () => {
    const { session, events } = newSession();
    const { port } = await hostLocally(session);
    const raw = await connectRaw(port);
    for (let index = 0; index < 20; index += 1) await raw.write(`tick ${index}\n`);
    await events.waitFor(() => events.lines.filter((line) => line.text.startsWith('tick ')).length === 20, 'ticks');
    expect(events.batches.length).toBeGreaterThan(1);
    for (let index = 1; index < events.batches.length; index += 1) {
      const gap = (events.batches[index]?.at ?? 0) - (events.batches[index - 1]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(WINDOW_BATCH_MS - 2);
    }
  });

  it('a throwing listener does not starve the others; unsubscribe works', async () => {
    const { session, events } = newSession();
    session.onEvents(() => {
      throw new Error('broken window');
    });
    let calls = 0;
    const unsubscribe = session.onEvents(() => {
      calls += 1;
    });
    unsubscribe();
    await hostLocally(session);
    await events.waitFor(() => isConnected(events.lastStatus), 'connected');
    expect(calls).toBe(0);
  });
});

describe('externalAddresses', () => {
  const interfaces = {
    lo: [
      { address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: '127.0.0.1/8' },
      { address: '::1', family: 'IPv6', internal: true, netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', mac: '00:00:00:00:00:00', cidr: '::1/128', scopeid: 0 },
    ],
    eth0: [
      { address: 'fe80::1', family: 'IPv6', internal: false, netmask: 'ffff:ffff:ffff:ffff::', mac: '02:00:00:00:00:01', cidr: 'fe80::1/64', scopeid: 2 },
      { address: '2001:db8::5', family: 'IPv6', internal: false, netmask: 'ffff:ffff:ffff:ffff::', mac: '02:00:00:00:00:01', cidr: '2001:db8::5/64', scopeid: 0 },
      { address: '192.168.1.20', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '02:00:00:00:00:01', cidr: '192.168.1.20/24' },
    ],
    wlan0: [{ address: '10.0.0.7', family: 'IPv4', internal: false, netmask: '255.0.0.0', mac: '02:00:00:00:00:02', cidr: '10.0.0.7/8' }],
  } as const;

  it('lists IPv4 first, then routable IPv6 in brackets, without loopback or link-local', () => {
    expect(externalAddresses(60003, structuredClone(interfaces) as never)).toEqual([
      '192.168.1.20:60003',
      '10.0.0.7:60003',
      '[2001:db8::5]:60003',
    ]);
  });
});

describe('ChatSession snapshots, flow control and log while hosting', () => {
  it('the snapshot brings the room back: recent lines and the roster', async () => {
    const { session, events } = newSession();
    const { port, self } = await hostLocally(session);
    const raw = await connectRaw(port);
    await raw.write('one\ntwo\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'two'), 'the lines');
    await events.waitFor(() => events.roster.length === 2, 'both in the roster');
    const snapshot = await session.getSnapshot();
    if (!snapshot.ok) throw new Error(snapshot.error);
    expect(snapshot.value.lines.map((line) => line.text)).toEqual(events.lines.map((line) => line.text));
    expect(snapshot.value.roster.map((client) => client.peer).sort()).toEqual([raw.label, self].sort());
    // A new room starts empty.
    await session.leave();
    expect((await session.host({ port: 0, scope: 'local' })).ok).toBe(true);
    const fresh = await session.getSnapshot();
    expect(fresh.ok && fresh.value.lines).toEqual([]);
  });

  it('pauses the host’s own loopback client when the window falls behind, and its own server trusts it rather than cutting it', async () => {
    let pauses = 0;
    const connect = async (options: Parameters<typeof ChatClient.connect>[0]): Promise<ChatClient> => {
      const client = await ChatClient.connect(options);
      const pause = client.pause.bind(client);
      return Object.assign(client, {
        pause: () => {
          pauses += 1;
          pause();
        },
      });
    };
    const limits = { highWaterLines: 50, lowWaterLines: 10, maxInFlight: 1 };
    // A renderer that never takes anything: the lines pile up at once.
    const { session, events } = newSession({ connect, flowLimits: limits });
    events.dispose();
    session.onEvents(() => undefined);
    const trusted: string[] = [];
    const trustPeer = ChatServer.prototype.trustPeer;
    ChatServer.prototype.trustPeer = function (this: ChatServer, peer: string) {
      trusted.push(peer);
      trustPeer.call(this, peer);
    };
    defer(() => {
      ChatServer.prototype.trustPeer = trustPeer;
    });
    const hosted = await hostLocally(session);
    expect(trusted).toEqual([hosted.self]);
    const raw = await connectRaw(hosted.port);
    await raw.write(Array.from({ length: 500 }, (_, i) => `flood ${i}\n`).join(''));
    await waitUntil(() => pauses > 0, 'the loopback client to pause');
    expect(session.flowStats.socketPaused).toBe(true);
    expect(session.flowStats.underPressure).toBe(true);
    // Paused, not cut: the room still has both of us.
    const snapshot = await session.getSnapshot();
    expect(snapshot.ok && snapshot.value.status).toMatchObject({ mode: 'hosting', connection: 'connected' });
  });

  it('logs a client cut as too slow, with its address and reason, never the text', async () => {
    const logger = new MemoryLogger();
    const { session } = newSession({ logger, serverOptions: { maxClientOutputBytes: 16 * 1024, maxLinesPerSecond: 0 } }); // the talker floods on purpose
    const { port } = await hostLocally(session);
    const reader = await connectRaw(port);
    reader.socket.pause(); // never reads
    const talker = await connectRaw(port);
    const secret = 'confidential words that must never reach the log';
    // 16 MiB: more than the kernel buffers of the stuck socket hold.
    const chunk = `${secret} ${'x'.repeat(950)}\n`.repeat(256);
    for (let i = 0; i < 64 && !logger.events().includes('client cut'); i += 1) await talker.write(chunk);
    await waitUntil(() => logger.events().includes('client cut'), 'the slow reader to be cut', 15_000);
    const cut = logger.entries.find((entry) => entry.event === 'client cut');
    expect(cut?.fields).toEqual({ peer: reader.label, reason: 'slow' });
    expect(logger.events()).toContain('hosting');
    expect(logger.text).not.toContain('confidential');
  });

  it('logs connections refused over the limit and connections that are not chat clients', async () => {
    const logger = new MemoryLogger();
    const { session, events } = newSession({ logger, serverOptions: { maxClients: 3, admitDelayMs: 0 } });
    const { port } = await hostLocally(session);
    await connectRaw(port);
    await events.waitFor(() => events.roster.length === 2, 'our client and the first');
    const web = await connectRaw(port);
    await web.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await web.waitForEnd();
    await connectRaw(port);
    await events.waitFor(() => events.roster.length === 3, 'the room full');
    const refused = await connectRaw(port);
    await refused.waitForClose();
    await waitUntil(() => logger.events().includes('connections refused') && logger.events().includes('connections turned away'), () => `both in the log: ${logger.text}`, 5000);
    expect(logger.entries.find((entry) => entry.event === 'connections refused')?.fields).toEqual({ count: 1, why: 'over the connection limit' });
    expect(logger.entries.find((entry) => entry.event === 'connections turned away')?.fields).toEqual({ count: 1, why: 'HTTP or TLS, not a chat client' });
  });
});

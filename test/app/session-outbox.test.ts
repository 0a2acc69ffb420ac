/**
 * While a joined (or hosting) session reconnects, what the user sends waits in a bounded
 * outbox and goes out in order once the connection is back, or is refused clearly (a bound,
 * or leaving). "Try now" starts the next attempt at once, one attempt at a time. Real sockets.
 */
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { type ChatSession, type ChatSessionOptions } from '../../main/app/session';
import { Outbox } from '../../main/app/outbox';
import { OUTBOX_LIMITS, type SessionStatus } from '../../main/common/ipc-contract';
import { type EventRecorder } from '../support/event-recorder';
import { useCleanup } from '../support/cleanup';
import { namelessPreferences, sessionMaker, sessionPeers } from '../support/session';

const defer = useCleanup();
const newSession = sessionMaker(defer, namelessPreferences);
const { startServer, connectRaw } = sessionPeers(defer);



function isConnected(status: SessionStatus | undefined): boolean {
  return status !== undefined && status.mode !== 'idle' && status.connection === 'connected';
}

function outboxOf(status: SessionStatus | undefined): unknown {
  return status === undefined || status.mode === 'idle' ? undefined : status.outbox;
}

/** Joins a room on a fresh server, then takes the server down: the session is reconnecting. */
async function joinThenLoseTheHost(options: ChatSessionOptions = {}): Promise<{ session: ChatSession; events: EventRecorder; port: number }> {
  const first = await startServer();
  const { session, events } = newSession(options);
  expect((await session.join({ address: `127.0.0.1:${first.port}` })).ok).toBe(true);
  await events.waitFor(() => isConnected(events.lastStatus), 'connected');
  await first.server.close();
  await events.waitFor(() => events.events.some((event) => event.type === 'reconnecting'), 'reconnecting');
  return { session, events, port: first.port };
}

describe('Outbox', () => {
  it('keeps lines in order and refuses a send whole at either bound, saying which', () => {
    const outbox = new Outbox({ maxLines: 3, maxBytes: 20 });
    expect(outbox.add(['one', 'two'])).toEqual({ ok: true, value: 2 });
    const tooMany = outbox.add(['three', 'four']);
    expect(tooMany).toEqual({ ok: false, error: 'Not sent: 2 lines would not fit. While the connection is down, at most 3 lines wait to be sent (2 lines already waiting).' });
    expect(outbox.state).toEqual({ lines: 2, bytes: 8 });
    // 8 + 'ééééééé' (14 bytes) + newline = 23 > 20: the bytes, not the count.
    const tooBig = outbox.add(['ééééééé']);
    expect(tooBig.ok === false && tooBig.error).toMatch(/^Not sent: 1 line would not fit\. .*at most 0 KiB of text/);
    expect(outbox.add(['three'])).toEqual({ ok: true, value: 1 });
    expect(outbox.take()).toEqual(['one', 'two', 'three']);
    expect(outbox.state).toEqual({ lines: 0, bytes: 0 });
  });
});

describe('ChatSession while reconnecting', () => {
  it('lines sent while the connection is down wait, then go out in order, before anything sent later, and read as ours', async () => {
    const { session, events, port } = await joinThenLoseTheHost();
    expect(await session.send({ text: 'first while down' })).toEqual({ ok: true, value: { lines: 0, waiting: 1 } });
    expect(await session.send({ text: 'second\n\nthird' })).toEqual({ ok: true, value: { lines: 0, waiting: 2 } });
    expect(await session.send({ text: '   ' })).toEqual({ ok: true, value: { lines: 0 } });
    await events.waitFor(() => (outboxOf(events.lastStatus) as { lines?: number } | undefined)?.lines === 3, 'the status counts what waits');
    expect(outboxOf(events.lastStatus)).toEqual({ lines: 3, bytes: 'first while down\nsecond\nthird\n'.length });

    await startServer({}, port);
    const raw = await connectRaw(port);
    await events.waitFor(() => isConnected(events.lastStatus), 'connected again', 10_000);
    const status = events.lastStatus;
    const self = status?.mode === 'joined' ? status.self : null;
    await session.send({ text: 'after' });
    await raw.waitFor((client) => client.text.includes(`[${self}] after\n`), 'the line sent after reconnecting');
    expect(raw.text).toContain(`[${self}] first while down\n[${self}] second\n[${self}] third\n[${self}] after\n`);
    await events.waitFor(() => events.lines.some((line) => line.text === 'after'), 'the echo');
    const echoed = events.lines.filter((line) => ['first while down', 'second', 'third', 'after'].includes(line.text));
    expect(echoed.map((line) => [line.text, line.self])).toEqual([
      ['first while down', true],
      ['second', true],
      ['third', true],
      ['after', true],
    ]);
    await events.waitFor(() => outboxOf(events.lastStatus) === undefined, 'the outbox is empty again');
  });

  it('refuses what would pass the line bound, whole, and says so', async () => {
    const { session } = await joinThenLoseTheHost();
    const lines = Array.from({ length: OUTBOX_LIMITS.maxLines - 1 }, (_, i) => `line ${i}`);
    expect(await session.send({ text: lines.join('\n') })).toEqual({ ok: true, value: { lines: 0, waiting: OUTBOX_LIMITS.maxLines - 1 } });
    const refused = await session.send({ text: 'one more\nand another' });
    expect(refused).toEqual({
      ok: false,
      error: `Not sent: 2 lines would not fit. While the connection is down, at most ${OUTBOX_LIMITS.maxLines} lines wait to be sent (${OUTBOX_LIMITS.maxLines - 1} lines already waiting).`,
    });
    expect(await session.send({ text: 'the last that fits' })).toMatchObject({ ok: true, value: { waiting: 1 } });
    expect(await session.send({ text: 'x' })).toMatchObject({ ok: false });
  });

  it('refuses what would pass the byte bound (a long paste), and keeps what already waits', async () => {
    const { session, events } = await joinThenLoseTheHost();
    const line = 'y'.repeat(1023);
    expect(await session.send({ text: Array(15).fill(line).join('\n') })).toMatchObject({ ok: true, value: { waiting: 15 } });
    const refused = await session.send({ text: `${line}\n${line}` });
    expect(refused.ok === false && refused.error).toBe(
      `Not sent: 2 lines would not fit. While the connection is down, at most ${OUTBOX_LIMITS.maxBytes / 1024} KiB of text waits to be sent (15 lines already waiting).`,
    );
    await events.waitFor(() => (outboxOf(events.lastStatus) as { lines?: number } | undefined)?.lines === 15, 'still 15 waiting');
  });

  it('leaving drops what waits, says how many lines were not sent, and sends nothing later', async () => {
    const { session, events, port } = await joinThenLoseTheHost({ reconnectInitialDelayMs: 20, reconnectMaxDelayMs: 40 });
    await session.send({ text: 'a\nb\nc' });
    expect(await session.leave()).toMatchObject({ ok: true, after: { status: { mode: 'idle' } } });
    await events.waitFor(
      () => events.events.some((event) => event.type === 'notice' && event.message === '3 lines were not sent: you left before the connection came back.'),
      'the notice',
    );
    // The room comes back: nothing of ours arrives there. A session still retrying would
    // arrive within a few of its 40 ms delays; waiting for an absence takes some time.
    await startServer({}, port);
    const raw = await connectRaw(port);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(raw.text).toBe('');
  });

  it('Try now reconnects at once instead of at the end of a long wait, and starts one attempt however often it is asked', async () => {
    const { session, events, port } = await joinThenLoseTheHost({ reconnectInitialDelayMs: 60_000, reconnectMaxDelayMs: 60_000 });
    const attempts = (): number => Math.max(...events.events.map((event) => (event.type === 'reconnecting' ? event.attempt : 0)));
    expect(attempts()).toBe(1);
    // Still down: ten clicks at once make one attempt, which fails and waits again.
    const answers = await Promise.all(Array.from({ length: 10 }, () => session.reconnectNow()));
    for (const answer of answers) expect(answer.ok).toBe(true);
    await events.waitFor(() => attempts() === 2, 'the second attempt failed');
    expect(attempts()).toBe(2);
    expect(events.lastStatus).toMatchObject({ mode: 'joined', connection: 'reconnecting' });

    await startServer({}, port);
    const tried = await session.reconnectNow();
    expect(tried).toMatchObject({ ok: true, after: { status: { mode: 'joined', connection: 'connected' } } });
    // Connected (or idle): nothing to try.
    expect(await session.reconnectNow()).toMatchObject({ ok: false, error: 'Not reconnecting: the connection is up, or you are not in a room.' });
    await session.leave();
    expect(await session.reconnectNow()).toMatchObject({ ok: false, after: { status: { mode: 'idle' } } });
  });

  it('the host’s own connection: lines typed while it is down go out once it is back', async () => {
    const { session, events } = newSession();
    const hosted = await session.host({ port: 0, scope: 'local' });
    if (!hosted.ok) throw new Error(hosted.error);
    await events.waitFor(() => isConnected(events.lastStatus), 'connected');
    const raw = await connectRaw(hosted.value.port);
    const state = (session as unknown as { state: { link: { client: { socket: net.Socket } } } }).state;
    state.link.client.socket.destroy();
    await events.waitFor(() => events.lastStatus?.mode === 'hosting' && events.lastStatus.connection === 'reconnecting', 'reconnecting');
    expect(await session.send({ text: 'kept for later' })).toMatchObject({ ok: true, value: { waiting: 1 } });
    await raw.waitFor((client) => client.text.includes('] kept for later\n'), 'the waiting line');
  });
});

/**
 * ChatSession against a hostile host: a child process (test/support/hostile-host.ts) that
 * floods, forges notices, prints our own label in front of things we never said, and sends
 * garbage. The app must stay responsive, keep its memory bounded and not be fooled.
 */
import { describe, expect, it } from 'vitest';
import { ChatClient } from '../../main/chat/client';
import { DEFAULT_FLOW_LIMITS, lineCost } from '../../main/app/event-batcher';
import { MemoryPreferencesStore, defaultPreferences } from '../../main/app/preferences';
import { ChatSession, type ChatSessionOptions } from '../../main/app/session';
import type { ChatLine, EventBatch } from '../../main/common/ipc-contract';
import { useCleanup } from '../support/cleanup';
import { EventRecorder } from '../support/event-recorder';
import { spawnHostileHost, type HostileScript } from '../support/hostile-host';
import { MemoryLogger } from '../support/memory-logger';
import { waitUntil } from '../support/wait';

const defer = useCleanup();
const MiB = 1024 * 1024;
/** The flood's lines: 60 KB, as in the issue (the client's decoder cuts them into 8 KiB pieces). */
const FLOOD_LINE_BYTES = 60_000;

async function hostileHost(script: HostileScript): Promise<number> {
  const host = spawnHostileHost(script);
  defer(() => host.kill());
  return (await host.listening()).port;
}

function newSession(options: ChatSessionOptions = {}): ChatSession {
  // Nameless unless a test says otherwise: a host's own name line would race the byte-exact transcripts.
  const preferences = new MemoryPreferencesStore({ ...defaultPreferences(), displayName: '' });
  const session = new ChatSession({ reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 200, preferences, ...options });
  defer(() => session.close());
  return session;
}

/**
 * A renderer that takes each batch `delayMs` after it arrived and keeps only counts (a
 * recorder would hold every line and measure its own memory instead of the session's).
 */
function slowRenderer(session: ChatSession, delayMs: number) {
  const seen = { batches: 0, lines: 0, skippedMarkers: 0, skippedLines: 0, biggestBatchBytes: 0, biggestBatchLines: 0 };
  const pending = new Set<NodeJS.Timeout>();
  const unsubscribe = session.onEvents((batch: EventBatch) => {
    seen.batches += 1;
    let bytes = 0;
    let lines = 0;
    for (const event of batch.events) {
      if (event.type !== 'lines') continue;
      for (const line of event.lines) {
        lines += 1;
        bytes += lineCost(line);
        if (line.kind === 'skipped') {
          seen.skippedMarkers += 1;
          seen.skippedLines += Number(/^([\d,]+) lines? skipped/.exec(line.text)?.[1]?.replaceAll(',', '') ?? 0);
        }
      }
    }
    seen.lines += lines;
    seen.biggestBatchBytes = Math.max(seen.biggestBatchBytes, bytes);
    seen.biggestBatchLines = Math.max(seen.biggestBatchLines, lines);
    const timer = setTimeout(() => {
      pending.delete(timer);
      session.acknowledge(batch.id);
    }, delayMs);
    pending.add(timer);
  });
  defer(() => {
    unsubscribe();
    for (const timer of pending) clearTimeout(timer);
  });
  return seen;
}

/** Samples the heap and the event loop's lag every 50 ms until stopped. */
function watchProcess() {
  const baseline = process.memoryUsage().heapUsed;
  let peakHeap = baseline;
  let worstLagMs = 0;
  let expected = performance.now() + 50;
  const timer = setInterval(() => {
    const now = performance.now();
    worstLagMs = Math.max(worstLagMs, now - expected);
    expected = now + 50;
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 50);
  defer(() => clearInterval(timer));
  return {
    stop: () => {
      clearInterval(timer);
      return { heapGrowthMiB: (peakHeap - baseline) / MiB, worstLagMs };
    },
  };
}

const pauses = { count: 0, resumes: 0 };

/** ChatClient.connect, counting the session's pause() and resume() calls. */
async function countingConnect(options: Parameters<typeof ChatClient.connect>[0]): Promise<ChatClient> {
  const client = await ChatClient.connect(options);
  const pause = client.pause.bind(client);
  const resume = client.resume.bind(client);
  return Object.assign(client, {
    pause: () => {
      pauses.count += 1;
      pause();
    },
    resume: () => {
      pauses.resumes += 1;
      resume();
    },
  });
}

describe('ChatSession joined to a hostile host', () => {
  it('a flood of 60 KB lines for 10 s with a slow renderer: bounded memory, responsive, the socket paused and nothing skipped', async () => {
    pauses.count = 0;
    pauses.resumes = 0;
    const port = await hostileHost({ floodLineBytes: FLOOD_LINE_BYTES });
    const session = newSession({ connect: countingConnect });
    const renderer = slowRenderer(session, 100);
    const watch = watchProcess();
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const { heapGrowthMiB, worstLagMs } = watch.stop();
    const stats = session.flowStats;
    console.info(
      `[flood 10 s] heap +${heapGrowthMiB.toFixed(0)} MiB, worst event-loop lag ${worstLagMs.toFixed(0)} ms; ` +
        `renderer got ${renderer.lines} lines in ${renderer.batches} batches; ${stats.skippedLines.toLocaleString('en-US')} skipped; ` +
        `peak waiting ${(stats.peakPendingBytes / MiB).toFixed(1)} MiB`,
    );
    // What waits for the renderer never passes the cap (plus the one line that tipped it over).
    expect(stats.peakPendingBytes).toBeLessThanOrEqual(DEFAULT_FLOW_LIMITS.maxPendingBytes + 2 * lineCost({ seq: 0, kind: 'raw', peer: '', text: 'x'.repeat(FLOOD_LINE_BYTES), at: 0, self: false }));
    expect(stats.inFlight).toBeLessThanOrEqual(DEFAULT_FLOW_LIMITS.maxInFlight);
    // Each batch is bounded too.
    expect(renderer.biggestBatchLines).toBeLessThanOrEqual(DEFAULT_FLOW_LIMITS.maxBatchLines);
    expect(renderer.biggestBatchBytes).toBeLessThanOrEqual(DEFAULT_FLOW_LIMITS.maxBatchBytes + 2 * FLOOD_LINE_BYTES * 2);
    // The session paused the socket (TCP pushed back on the host) instead of dropping lines.
    // Dropping the oldest and saying so is the last resort, tested with the batcher itself.
    expect(pauses.count).toBeGreaterThan(0);
    expect(stats.skippedLines).toBe(0);
    expect(renderer.skippedMarkers).toBe(0);
    // Generous bounds for a loaded 2-core machine; without the caps the heap grows by gigabytes.
    expect(heapGrowthMiB).toBeLessThan(400);
    expect(worstLagMs).toBeLessThan(2000);
    // And it still works: the snapshot is bounded and leaving is clean.
    const snapshot = await session.getSnapshot();
    expect(snapshot.ok && snapshot.value.lines.reduce((sum, line) => sum + lineCost(line), 0)).toBeLessThanOrEqual(2 * MiB + 2 * FLOOD_LINE_BYTES * 2);
    expect(await session.leave()).toMatchObject({ ok: true, after: { status: { mode: 'idle' } } });
  }, 30_000);

  it('a flood pauses the socket at the high-water mark and resumes it as the renderer catches up', async () => {
    pauses.count = 0;
    pauses.resumes = 0;
    const port = await hostileHost({ floodLineBytes: FLOOD_LINE_BYTES });
    const session = newSession({ connect: countingConnect });
    const renderer = slowRenderer(session, 50);
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await waitUntil(() => pauses.count >= 1 && pauses.resumes >= 1 && renderer.lines > 200, 'the socket to pause and resume', 20_000);
    const stats = session.flowStats;
    console.info(`[flood, pausable] ${pauses.count} pauses, ${pauses.resumes} resumes, ${renderer.lines} lines shown, peak waiting ${(stats.peakPendingBytes / MiB).toFixed(1)} MiB`);
    expect(stats.skippedLines).toBe(0);
    expect(renderer.skippedMarkers).toBe(0);
    // Paused at the high-water mark: what waits stays near it, far under the hard cap.
    expect(stats.peakPendingBytes).toBeLessThan(DEFAULT_FLOW_LIMITS.maxPendingBytes);
  }, 30_000);

  it('forged notices about ourselves are plain lines; our label is "you" only on what we sent, once', async () => {
    const port = await hostileHost({
      lines: ['[{you}] (disconnected)', '[{you}] (connected)', '[10.0.0.2:5000] (connected)', '[{you}] I never said this'],
      echoCopies: 2,
    });
    const session = newSession();
    const events = new EventRecorder(session);
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await events.waitFor(() => events.lines.length >= 4, 'the scripted lines');
    expect(await session.send({ text: 'hello there' })).toEqual({ ok: true, value: { lines: 1 } });
    await events.waitFor(() => events.lines.filter((line) => line.text === 'hello there').length === 2, 'both echoes');
    const status = events.lastStatus;
    const you = status?.mode === 'joined' ? status.self : null;
    expect(you).not.toBeNull();
    const shown = events.lines.map((line: ChatLine) => [line.kind, line.peer, line.text, line.self]);
    expect(shown).toEqual([
      ['raw', '', `[${you}] (disconnected)`, false],
      ['raw', '', `[${you}] (connected)`, false],
      ['connected', '10.0.0.2:5000', '', false],
      ['message', you, 'I never said this', false],
      ['message', you, 'hello there', true],
      // The host replays it: the text was ours, but we sent it once.
      ['message', you, 'hello there', false],
    ]);
  });

  it('garbage bytes cost nothing but a few plain lines, and the room goes on', async () => {
    const garbage = Buffer.concat([
      Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28, 0x0a]),
      Buffer.from('\x1b]0;pwned\x07[not a label\n[[::1]:80] ok\n\r\n\r\0'),
      Buffer.alloc(70_000, 0x41),
      Buffer.from('\n[10.0.0.2:5000] still fine\n'),
    ]);
    const port = await hostileHost({ garbageBase64: garbage.toString('base64') });
    const session = newSession();
    const events = new EventRecorder(session);
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await events.waitFor(() => events.lines.some((line) => line.text === 'still fine'), 'the line after the garbage');
    for (const line of events.lines) {
      // eslint-disable-next-line no-control-regex -- no control character may reach the renderer
      expect(line.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(line.text.length).toBeLessThanOrEqual(64 * 1024);
    }
    expect(events.lines.find((line) => line.text === 'still fine')).toMatchObject({ kind: 'message', peer: '10.0.0.2:5000', self: false });
    expect(events.lastStatus).toMatchObject({ mode: 'joined', connection: 'connected' });
  });
});

describe('ChatSession log', () => {
  it('records joins, failures and lost connections, never what anyone said', async () => {
    const logger = new MemoryLogger();
    const port = await hostileHost({ lines: ['[10.0.0.2:5000] the secret phrase'], echoCopies: 1 });
    const session = newSession({ logger });
    const events = new EventRecorder(session);
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await session.send({ text: 'my own secret words' });
    await events.waitFor(() => events.lines.some((line) => line.text === 'my own secret words'), 'the echo');
    await session.leave();
    expect((await session.join({ address: '127.0.0.1:1' })).ok).toBe(false);
    expect(logger.events()).toEqual(['joined', 'left', 'join failed']);
    expect(logger.entries[2]?.fields).toMatchObject({ target: '127.0.0.1:1', reason: 'Nothing is listening at 127.0.0.1:1' });
    expect(logger.text).not.toMatch(/secret/);
  });
});

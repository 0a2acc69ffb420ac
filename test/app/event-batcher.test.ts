import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EventBatcher,
  MAX_PENDING_NOTICES,
  lineCost,
  skippedSentence,
  type EventBatcherOptions,
  type FlowLimits,
} from '../../main/app/event-batcher';
import type { BridgeEvent, ChatLine, EventBatch, SessionStatus } from '../../main/common/ipc-contract';

let seq = 1;
function line(text: string): ChatLine {
  return { seq: seq++, kind: 'message', peer: '10.0.0.2:5000', text, at: 0, self: false };
}
const connecting: SessionStatus = { mode: 'joined', target: { host: '10.0.0.1', port: 60003 }, connection: 'connecting', self: null };
const connected: SessionStatus = { ...connecting, connection: 'connected', self: '10.0.0.9:4000' };

function batcher(options: Partial<EventBatcherOptions> = {}, acknowledge = true) {
  const batches: { at: number; events: BridgeEvent[] }[] = [];
  const events: EventBatcher = new EventBatcher({
    intervalMs: 16,
    deliver: (batch) => {
      batches.push({ at: Date.now(), events: batch.events });
      // A renderer that keeps up: each batch is taken at once.
      if (acknowledge) queueMicrotask(() => events.acknowledge(batch.id));
    },
    now: () => Date.now(),
    ...options,
  });
  return { events, batches };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('EventBatcher', () => {
  it('delivers at once when idle, then at most once per interval', () => {
    const { events, batches } = batcher();
    events.push({ type: 'lines', lines: [line('a')] });
    vi.advanceTimersByTime(0);
    expect(batches).toHaveLength(1);
    for (let i = 0; i < 10; i += 1) {
      events.push({ type: 'lines', lines: [line(`b${i}`)] });
      vi.advanceTimersByTime(3);
    }
    vi.advanceTimersByTime(50);
    expect(batches.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < batches.length; i += 1) expect(batches[i]!.at - batches[i - 1]!.at).toBeGreaterThanOrEqual(16);
    const texts = batches.flatMap((batch) => batch.events.flatMap((event) => (event.type === 'lines' ? event.lines.map((l) => l.text) : [])));
    expect(texts).toEqual(['a', ...Array.from({ length: 10 }, (_, i) => `b${i}`)]);
  });

  it('merges consecutive lines into one event and keeps the order of everything else', () => {
    const { events, batches } = batcher();
    events.push({ type: 'lines', lines: [line('1')] });
    events.push({ type: 'lines', lines: [line('2'), line('3')] });
    events.push({ type: 'notice', level: 'info', message: 'between' });
    events.push({ type: 'lines', lines: [line('4')] });
    vi.advanceTimersByTime(16);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.events.map((event) => (event.type === 'lines' ? event.lines.map((l) => l.text).join(',') : event.type))).toEqual([
      '1,2,3',
      'notice',
      '4',
    ]);
  });

  it('keeps only the latest status, also when two arrive within one interval', () => {
    const { events, batches } = batcher();
    events.push({ type: 'status', revision: 1, status: connecting });
    events.push({ type: 'lines', lines: [line('x')] });
    events.push({ type: 'status', revision: 2, status: connected });
    events.push({ type: 'lines', lines: [line('y')] });
    vi.advanceTimersByTime(16);
    expect(batches).toHaveLength(1);
    // The earlier status went; the lines around it merged again.
    expect(batches[0]!.events).toEqual([
      { type: 'lines', lines: [expect.objectContaining({ text: 'x' })] },
      { type: 'status', revision: 2, status: connected },
      { type: 'lines', lines: [expect.objectContaining({ text: 'y' })] },
    ]);
    events.push({ type: 'status', revision: 3, status: connecting });
    events.push({ type: 'status', revision: 4, status: connected });
    vi.advanceTimersByTime(16);
    expect(batches[1]!.events).toEqual([{ type: 'status', revision: 4, status: connected }]);
  });

  it('keeps only the latest reconnecting event', () => {
    const { events, batches } = batcher();
    events.push({ type: 'reconnecting', attempt: 1, delayMs: 50, reason: 'lost' });
    events.push({ type: 'reconnecting', attempt: 2, delayMs: 100, reason: 'refused' });
    vi.advanceTimersByTime(16);
    expect(batches[0]!.events).toEqual([{ type: 'reconnecting', attempt: 2, delayMs: 100, reason: 'refused' }]);
  });

  it('a window that takes nothing cannot make whole-state events pile up: the latest rooms, unread, jump and history wait, a reset is kept', () => {
    const { events, batches } = batcher({ limits: { maxInFlight: 1 } }, false);
    events.push({ type: 'lines', lines: [line('first')] });
    vi.advanceTimersByTime(20);
    expect(batches).toHaveLength(1);
    const available = { available: true, engine: 'fts5', persistent: true, retention: 'forever' } as const;
    for (let i = 0; i < 1000; i += 1) {
      events.push({ type: 'unread', count: i, mentions: 0, firstUnreadSeq: 1 });
      events.push({ type: 'rooms', rooms: [] });
      events.push({ type: 'jump', seq: i + 1 });
      events.push({ type: 'history', status: available, reset: i === 10 });
    }
    vi.advanceTimersByTime(1000);
    expect(batches).toHaveLength(1);
    expect(events.pending).toBe(4);
    events.acknowledge(1);
    vi.advanceTimersByTime(20);
    expect(batches[1]!.events).toEqual([
      { type: 'unread', count: 999, mentions: 0, firstUnreadSeq: 1 },
      { type: 'rooms', rooms: [] },
      { type: 'jump', seq: 1000 },
      { type: 'history', status: available, reset: true },
    ]);
  });

  it('a whole roster replaces the roster news that waited', () => {
    const { events, batches } = batcher();
    events.push({ type: 'roster-changes', joined: [{ id: 1, peer: 'a:1', connectedAt: 0, linesSent: 0 }], left: [], lineCounts: [] });
    events.push({ type: 'roster', clients: [] });
    vi.advanceTimersByTime(16);
    expect(batches[0]!.events).toEqual([{ type: 'roster', clients: [] }]);
  });

  it('keeps at most MAX_PENDING_NOTICES notices waiting, the newest', () => {
    const { events, batches } = batcher();
    for (let i = 0; i < MAX_PENDING_NOTICES + 10; i += 1) events.push({ type: 'notice', level: 'error', message: `n${i}` });
    vi.advanceTimersByTime(16);
    const messages = batches[0]!.events.map((event) => (event.type === 'notice' ? event.message : ''));
    expect(messages).toEqual(Array.from({ length: MAX_PENDING_NOTICES }, (_, i) => `n${i + 10}`));
  });

  it('asks its sources at delivery time, and wake() delivers what only a source has', () => {
    const { events, batches } = batcher();
    let news: BridgeEvent | null = null;
    events.addSource(() => {
      const event = news;
      news = null;
      return event;
    });
    events.push({ type: 'lines', lines: [line('first')] });
    news = { type: 'roster-changes', joined: [], left: [3], lineCounts: [] };
    vi.advanceTimersByTime(16);
    expect(batches[0]!.events.map((event) => event.type)).toEqual(['lines', 'roster-changes']);
    news = { type: 'roster-changes', joined: [], left: [4], lineCounts: [] };
    events.wake();
    vi.advanceTimersByTime(16);
    expect(batches[1]!.events).toEqual([{ type: 'roster-changes', joined: [], left: [4], lineCounts: [] }]);
    // Nothing to say: no empty batch.
    events.wake();
    vi.advanceTimersByTime(100);
    expect(batches).toHaveLength(2);
  });

  it('close() drops what waits and delivers nothing more', () => {
    const { events, batches } = batcher();
    events.push({ type: 'lines', lines: [line('never')] });
    events.close();
    events.push({ type: 'lines', lines: [line('nor this')] });
    vi.advanceTimersByTime(100);
    expect(batches).toEqual([]);
    expect(events.pending).toBe(0);
  });
});

describe('EventBatcher flow control', () => {
  /** A batcher whose batches are kept and acknowledged only when the test says so. */
  function slowReader(limits: Partial<FlowLimits>, pressure: boolean[] = []) {
    const delivered: EventBatch[] = [];
    const events = new EventBatcher({
      intervalMs: 16,
      deliver: (batch) => delivered.push(batch),
      now: () => Date.now(),
      limits,
      onPressure: (high) => pressure.push(high),
    });
    const lines = (): ChatLine[] => delivered.flatMap((batch) => batch.events.flatMap((event) => (event.type === 'lines' ? event.lines : [])));
    return { events, delivered, lines, pressure };
  }

  it('caps each batch in lines and in bytes, but always moves at least one line', () => {
    const { events, delivered } = slowReader({ maxBatchLines: 10, maxBatchBytes: 2000, maxInFlight: 100 });
    events.push({ type: 'lines', lines: Array.from({ length: 25 }, (_, i) => line(`l${i}`)) });
    vi.advanceTimersByTime(16 * 5);
    expect(delivered.map((batch) => batch.events.flatMap((event) => (event.type === 'lines' ? event.lines : [])).length)).toEqual([10, 10, 5]);
    // One line bigger than the byte cap still goes, alone.
    events.push({ type: 'lines', lines: [line('x'.repeat(5000)), line('small')] });
    vi.advanceTimersByTime(16 * 3);
    expect(delivered.slice(3).map((batch) => batch.events.map((event) => (event.type === 'lines' ? event.lines.length : 0)))).toEqual([[1], [1]]);
    for (const batch of delivered) {
      const cost = batch.events.flatMap((event) => (event.type === 'lines' ? event.lines : [])).reduce((sum, l) => sum + lineCost(l), 0);
      expect(cost <= 2000 || batch.events.length === 1).toBe(true);
    }
  });

  it('keeps at most maxInFlight batches unacknowledged; an acknowledgement lets the next go', () => {
    const { events, delivered, lines } = slowReader({ maxBatchLines: 5, maxInFlight: 2 });
    events.push({ type: 'lines', lines: Array.from({ length: 30 }, (_, i) => line(`l${i}`)) });
    vi.advanceTimersByTime(1000);
    expect(delivered).toHaveLength(2);
    expect(events.stats).toMatchObject({ inFlight: 2, pendingLines: 20 });
    // The renderer is not trusted: junk and ids never sent change nothing.
    for (const junk of [Number.NaN, '1', null, 1.5, -1, { id: 1 }]) events.acknowledge(junk);
    vi.advanceTimersByTime(1000);
    expect(delivered).toHaveLength(2);
    events.acknowledge(delivered[0]!.id);
    vi.advanceTimersByTime(1000);
    expect(delivered).toHaveLength(3);
    // Acknowledging a later batch covers the earlier ones too.
    events.acknowledge(delivered[2]!.id);
    vi.advanceTimersByTime(1000);
    expect(delivered).toHaveLength(5);
    // The reader went away (a reload): nothing is in flight any more.
    events.resetDelivery();
    vi.advanceTimersByTime(1000);
    expect(delivered).toHaveLength(6);
    expect(lines().map((l) => l.text)).toEqual(Array.from({ length: 30 }, (_, i) => `l${i}`));
    expect(new Set(delivered.map((batch) => batch.id)).size).toBe(delivered.length);
  });

  it('asks for a pause past the high-water mark and for reading again under the low-water mark', () => {
    const { events, delivered, pressure } = slowReader({ maxBatchLines: 100, maxInFlight: 1, highWaterLines: 50, lowWaterLines: 10 });
    events.push({ type: 'lines', lines: Array.from({ length: 49 }, () => line('a')) });
    expect(pressure).toEqual([]);
    events.push({ type: 'lines', lines: [line('b')] });
    expect(pressure).toEqual([true]);
    vi.advanceTimersByTime(16);
    // 100 lines a batch: everything left at once, so the pressure is off again.
    expect(delivered).toHaveLength(1);
    expect(pressure).toEqual([true, false]);
    expect(events.stats.underPressure).toBe(false);
  });

  it('past the hard cap drops the oldest waiting lines, keeps the newest, and says how many', () => {
    const limits = { maxInFlight: 1, maxPendingLines: 1000, maxPendingBytes: 10 * 1024 * 1024, maxBatchLines: 100_000, maxBatchBytes: 100 * 1024 * 1024 };
    const { events, delivered, lines } = slowReader(limits);
    // The first batch goes and is never acknowledged: everything after it waits.
    events.push({ type: 'lines', lines: [line('first')] });
    vi.advanceTimersByTime(16);
    for (let i = 0; i < 10_000; i += 1) events.push({ type: 'lines', lines: [line(`l${i}`)] });
    const stats = events.stats;
    expect(stats.pendingLines).toBeLessThanOrEqual(1000);
    expect(stats.skippedLines).toBeGreaterThan(9000 - 1000);
    events.acknowledge(delivered[0]!.id);
    vi.advanceTimersByTime(16);
    const received = lines();
    const skipped = received.filter((l) => l.kind === 'skipped');
    const kept = received.filter((l) => l.kind === 'message');
    // One marker per drop round, each saying how many it stands for; together they account for every line.
    const counted = skipped.reduce((sum, l) => sum + Number(/^([\d,]+) lines? skipped while catching up$/.exec(l.text)![1]!.replaceAll(',', '')), 0);
    expect(counted + kept.length).toBe(10_001);
    expect(counted).toBe(events.stats.skippedLines);
    expect(kept.at(-1)?.text).toBe('l9999');
    // Still in order: seqs only go up.
    for (let i = 1; i < received.length; i += 1) expect(received[i]!.seq).toBeGreaterThan(received[i - 1]!.seq);
    expect(skippedSentence(1204)).toBe('1,204 lines skipped while catching up');
    expect(skippedSentence(1)).toBe('1 line skipped while catching up');
  });

  it('bounds what waits in bytes too: big lines are dropped long before the line cap', () => {
    const { events, delivered } = slowReader({ maxInFlight: 1, maxPendingBytes: 1024 * 1024, maxPendingLines: 100_000 });
    events.push({ type: 'lines', lines: [line('first')] });
    vi.advanceTimersByTime(16);
    const big = 'y'.repeat(60_000);
    for (let i = 0; i < 500; i += 1) events.push({ type: 'lines', lines: [line(big)] });
    expect(events.stats.pendingBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(events.stats.peakPendingBytes).toBeLessThanOrEqual(1024 * 1024 + lineCost(line(big)));
    expect(delivered).toHaveLength(1);
  });
});

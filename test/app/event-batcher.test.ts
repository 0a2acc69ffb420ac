import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBatcher, MAX_PENDING_NOTICES, type EventBatcherOptions } from '../../main/app/event-batcher';
import type { BridgeEvent, ChatLine, SessionStatus } from '../../main/common/ipc-contract';

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

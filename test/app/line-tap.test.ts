import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LineTap } from '../../main/app/line-tap';
import type { ChatLine } from '../../main/common/ipc-contract';

let seq = 1;
function line(text: string): ChatLine {
  return { seq: seq++, kind: 'message', peer: '10.0.0.2:5000', text, at: 0, self: false };
}

function tap(maxLines?: number) {
  const flushed: string[][] = [];
  const lines = new LineTap({ intervalMs: 16, ...(maxLines === undefined ? {} : { maxLines }), flush: (taken) => flushed.push(taken.map((l) => l.text)) });
  return { lines, flushed };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LineTap', () => {
  it('hands on every line, in order, at most one interval after the first of them arrived', () => {
    const { lines, flushed } = tap();
    lines.push(line('a'));
    vi.advanceTimersByTime(10);
    lines.push(line('b'));
    expect(flushed).toEqual([]);
    vi.advanceTimersByTime(6);
    expect(flushed).toEqual([['a', 'b']]);
    lines.push(line('c'));
    vi.advanceTimersByTime(16);
    expect(flushed).toEqual([['a', 'b'], ['c']]);
    vi.advanceTimersByTime(1000);
    expect(flushed).toHaveLength(2);
  });

  it('holds at most maxLines: the next line hands them on at once, without waiting for the timer', () => {
    const { lines, flushed } = tap(100);
    for (let i = 0; i < 250; i += 1) {
      lines.push(line(`l${i}`));
      expect(lines.pending).toBeLessThan(100);
    }
    expect(flushed.map((batch) => batch.length)).toEqual([100, 100]);
    vi.advanceTimersByTime(16);
    expect(flushed.map((batch) => batch.length)).toEqual([100, 100, 50]);
    expect(flushed.flat()).toEqual(Array.from({ length: 250 }, (_, i) => `l${i}`));
  });

  it('flush() hands on what waits now; close() drops it and takes nothing more', () => {
    const { lines, flushed } = tap();
    lines.flush();
    expect(flushed).toEqual([]);
    lines.push(line('now'));
    lines.flush();
    expect(flushed).toEqual([['now']]);
    lines.push(line('dropped'));
    lines.close();
    lines.push(line('after'));
    vi.advanceTimersByTime(100);
    expect(flushed).toEqual([['now']]);
    expect(lines.pending).toBe(0);
  });
});

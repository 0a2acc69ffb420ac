import { describe, expect, it } from 'vitest';
import { RecentLines } from '../../main/app/recent-lines';
import { RECENT_SENDS_MAX, RECENT_SENDS_MAX_AGE_MS, RecentSends } from '../../main/app/recent-sends';
import type { ChatLine } from '../../main/common/ipc-contract';

describe('RecentSends', () => {
  it('claims an echo once, in order, and nothing we did not send', () => {
    const sends = new RecentSends();
    sends.record(['hello', 'second']);
    expect(sends.claim('never sent')).toBe(false);
    expect(sends.claim('hello')).toBe(true);
    // Used up: the same text again is someone else's (a host replaying it under our label).
    expect(sends.claim('hello')).toBe(false);
    expect(sends.claim('second')).toBe(true);
    expect(sends.size).toBe(0);
  });

  it('matches the pieces a server cuts a long line into, and ignores characters a server may strip', () => {
    const sends = new RecentSends();
    const long = 'a'.repeat(9000) + 'b'.repeat(3000);
    sends.record([long, 'rtl \u202Eoverride']);
    expect(sends.claim('a'.repeat(8192))).toBe(true);
    expect(sends.claim('a'.repeat(808) + 'b'.repeat(3000))).toBe(true);
    expect(sends.claim('rtl override')).toBe(true);
  });

  it('stays bounded in count and forgets what is too old to be an echo', () => {
    let now = 0;
    const sends = new RecentSends(() => now);
    sends.record(Array.from({ length: RECENT_SENDS_MAX * 4 }, (_, i) => `line ${i}`));
    expect(sends.size).toBe(RECENT_SENDS_MAX);
    expect(sends.claim('line 0')).toBe(false);
    now += RECENT_SENDS_MAX_AGE_MS + 1;
    expect(sends.claim(`line ${RECENT_SENDS_MAX * 4 - 1}`)).toBe(false);
    expect(sends.size).toBe(0);
  });
});

describe('RecentLines', () => {
  const line = (seq: number, text = 'x'): ChatLine => ({ seq, kind: 'message', peer: '10.0.0.2:1', text, at: 0, self: false });

  it('keeps the newest lines, bounded by count and by size, oldest first', () => {
    const recent = new RecentLines(100, 1024 * 1024);
    for (let seq = 1; seq <= 5000; seq += 1) recent.push(line(seq));
    expect(recent.size).toBe(100);
    expect(recent.lines().map((l) => l.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 4901 + i));
    const bySize = new RecentLines(10_000, 200_000);
    for (let seq = 1; seq <= 100; seq += 1) bySize.push(line(seq, 'z'.repeat(10_000)));
    expect(bySize.byteSize).toBeLessThanOrEqual(200_000);
    expect(bySize.lines().at(-1)?.seq).toBe(100);
    bySize.clear();
    expect(bySize.lines()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { bucketOf, bucketUpperNs, newCounts, summarize } from '../../bench/histogram';
import {
  expectedNotices,
  fillLines,
  isConnectedNotice,
  lineTemplate,
  payloadStart,
  senderAt,
  sentNsAt,
  seqAt,
} from '../../bench/lines';

function received(prefix: string, line: Buffer): { buf: Buffer; end: number } {
  const buf = Buffer.concat([Buffer.from(prefix), line]);
  return { buf, end: buf.length - 1 };
}

describe('bench line format', () => {
  it('round-trips sender, sequence and timestamp behind either dialect prefix', () => {
    const lines = fillLines(lineTemplate(17, 64), 41, 3, 1_234_567_890_123);
    expect(lines.length).toBe(3 * 64);
    const second = lines.subarray(64, 128);
    expect(second.toString()).toMatch(/^B 00017 0000000042 0001234567890123 \.+\n$/);
    for (const prefix of ['[127.0.0.1:54321] ', '<user12> ', '[[::1]:60003] ', '']) {
      const { buf, end } = received(prefix, second);
      const p = payloadStart(buf, 0, end, 63);
      expect(p).toBe(prefix.length);
      expect(senderAt(buf, p)).toBe(17);
      expect(seqAt(buf, p)).toBe(42);
      expect(sentNsAt(buf, p)).toBe(1_234_567_890_123);
    }
  });

  it('does not take other lines for bench lines', () => {
    const bench = fillLines(lineTemplate(3, 64), 0, 1, 5).toString();
    const mangled = `${bench.slice(0, 30)}<user4> ${bench.slice(30)}`; // ncat split a read mid-line
    const glued = `<user4> \n${bench}`; // two lines: a bare prefix, then a bare payload
    for (const text of ['[1.2.3.4:5] (connected)\n', '[1.2.3.4:5] hello\n', 'B 00017\n', '\n', mangled, glued]) {
      const buf = Buffer.from(text);
      expect(payloadStart(buf, 0, buf.length - 1, 63)).toBe(-1);
    }
  });

  it('recognises connected-notices in both dialects, and nothing else', () => {
    const yes = (d: 'tincan' | 'ncat', s: string): boolean => isConnectedNotice(d, Buffer.from(s), 0, s.length);
    expect(yes('tincan', '[127.0.0.1:50000] (connected)')).toBe(true);
    expect(yes('tincan', '[127.0.0.1:50000] (disconnected)')).toBe(false);
    expect(yes('tincan', '[127.0.0.1:50000] I am (connected)x')).toBe(false);
    expect(yes('ncat', '<announce> 127.0.0.1 is connected as <user5>.')).toBe(true);
    expect(yes('ncat', '<announce> already connected: 127.0.0.1 as <user4>.')).toBe(false);
    expect(yes('ncat', '<announce> <user5> is disconnected.')).toBe(false);
    expect(yes('ncat', '<user5> (connected)')).toBe(false);
  });

  it('expects k notices for the k-th client from the end (ncat also announces a client to itself)', () => {
    expect(expectedNotices('tincan', 5)).toBe(4 + 3 + 2 + 1);
    expect(expectedNotices('ncat', 5)).toBe(5 + 4 + 3 + 2 + 1);
  });
});

describe('bench latency histogram', () => {
  it('keeps every value within 3% and in its own bucket', () => {
    for (const v of [0, 1, 31, 32, 33, 1000, 65_537, 1_000_000, 123_456_789, 4_000_000_000]) {
      const b = bucketOf(v);
      expect(bucketUpperNs(b)).toBeGreaterThanOrEqual(v);
      expect(bucketUpperNs(b)).toBeLessThanOrEqual(Math.max(v * 1.032, v + 1));
      if (b > 0) expect(bucketUpperNs(b - 1)).toBeLessThan(v);
    }
  });

  it('reports percentiles from the counts', () => {
    const counts = newCounts();
    for (let i = 1; i <= 100; i++) counts[bucketOf(i * 1_000_000)]!++;
    const s = summarize(counts, 100_000_000);
    expect(s.count).toBe(100);
    expect(s.p50Ms!).toBeGreaterThanOrEqual(50);
    expect(s.p50Ms!).toBeLessThan(52);
    expect(s.p99Ms!).toBeGreaterThanOrEqual(99);
    expect(s.maxMs).toBe(100);
  });
});

/** The packet budget: per sender, in total, and with a bounded memory of senders. */
import { describe, expect, it } from 'vitest';
import { SourceLimiter } from '../../../main/app/discovery/rate-limit';

describe('rate limits', () => {
  it('one noisy sender is cut off without starving the others', () => {
    const limiter = new SourceLimiter({ perSource: 10, perSourceBurst: 10, total: 100, totalBurst: 100, maxSources: 10 }, 0);
    let noisy = 0;
    for (let i = 0; i < 1000; i++) if (limiter.allow('10.0.0.66', 0)) noisy++;
    expect(noisy).toBe(10);
    expect(limiter.allow('10.0.0.7', 0)).toBe(true);
    expect(limiter.dropped).toBe(990);
  });

  it('many senders together are held to the total', () => {
    const limiter = new SourceLimiter({ perSource: 10, perSourceBurst: 10, total: 50, totalBurst: 50, maxSources: 1000 }, 0);
    let allowed = 0;
    for (let i = 0; i < 5000; i++) if (limiter.allow(`10.0.${i >> 8}.${i & 255}`, 0)) allowed++;
    expect(allowed).toBe(50);
  });

  it('remembers at most maxSources senders', () => {
    const limiter = new SourceLimiter({ perSource: 1, perSourceBurst: 1, total: 1e9, totalBurst: 1e9, maxSources: 3 }, 0);
    for (const source of ['a', 'b', 'c', 'd']) limiter.allow(source, 0);
    // 'a' was forgotten to make room for 'd', so it gets a fresh bucket.
    expect(limiter.allow('a', 0)).toBe(true);
    expect(limiter.allow('d', 0)).toBe(false);
  });
});

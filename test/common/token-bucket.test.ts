/** The one rate limit: a burst, then the rate; debt for what was already done; no minting. */
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../main/common/token-bucket';

describe('TokenBucket', () => {
  it('allows its burst at once, then its rate, and saves up no more than the burst', () => {
    const bucket = new TokenBucket(2, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.take(499)).toBe(false);
    expect(bucket.take(501)).toBe(true);
    const later = 60_501;
    expect([bucket.take(later), bucket.take(later), bucket.take(later), bucket.take(later)]).toEqual([true, true, true, false]);
  });

  it('mints nothing when the clock steps back', () => {
    const bucket = new TokenBucket(10, 3, 1_000);
    for (let i = 0; i < 3; i++) bucket.take(1_000);
    expect(bucket.take(0)).toBe(false);
    expect(bucket.take(1_050)).toBe(false);
    expect(bucket.take(1_100)).toBe(true);
  });

  it('spend goes into debt and says when the next may go; ready waits for the debt to be paid', () => {
    const bucket = new TokenBucket(10, 2, 0);
    expect(bucket.spend(0)).toBe(true);
    expect(bucket.spend(0)).toBe(false);
    expect(bucket.spend(0)).toBe(false); // -1 now: two tokens (200 ms) until one is there
    expect(bucket.ready(150)).toBe(false);
    expect(bucket.ready(200)).toBe(true);
    expect(bucket.take(200)).toBe(true);
    expect(bucket.ready(200)).toBe(false);
  });

  it('is full again once the whole burst has come back', () => {
    const bucket = new TokenBucket(1, 2, 0);
    expect(bucket.full(0)).toBe(true);
    bucket.take(0);
    expect(bucket.full(999)).toBe(false);
    expect(bucket.full(1000)).toBe(true);
  });
});

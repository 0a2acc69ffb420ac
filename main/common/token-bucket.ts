/**
 * A token bucket: `burst` at once, then `perSecond`. The one rate limit used everywhere: for
 * lines a client sends, announcements from the network, links and copies a renderer asks for,
 * and log lines. Pure: the caller passes the clock (milliseconds), so tests step time by hand.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** Takes one token if there is one; false (and nothing taken) when there is none right now. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Takes one token even into debt, for something already done (a line already read still
   * goes out); returns whether another may go right now.
   */
  spend(now: number): boolean {
    this.refill(now);
    this.tokens -= 1;
    return this.tokens >= 1;
  }

  /** True once at least one token is there. */
  ready(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  /** Milliseconds until a token is there (0 when one is). */
  msUntilReady(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.perSecond;
  }

  /** True when the whole burst is back: the bucket is as good as a new one. */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    // A clock that steps back mints nothing.
    if (now <= this.refilledAt) return;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
    this.refilledAt = now;
  }
}

/**
 * A token bucket of lines per connection: `burst` lines at once, then `perSecond`. A sender
 * past it is not dropped: the server stops reading it (TCP pushes back on the sender) until
 * the bucket has a line again.
 */

export class LineBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** Takes one line; false when the bucket is empty (the line still goes out: it was read). */
  take(now: number): boolean {
    this.refill(now);
    this.tokens -= 1;
    return this.tokens >= 1;
  }

  /** True once at least one line may go again. */
  ready(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSecond) / 1000);
    this.at = now;
  }
}

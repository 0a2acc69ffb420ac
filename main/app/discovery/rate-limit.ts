/**
 * Token buckets for what arrives from the network: a flood of announcements is dropped at
 * the door, before it is parsed further or touches the room list. Pure; clock passed in.
 */

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.last);
    this.last = Math.max(this.last, now);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface SourceLimiterOptions {
  /** Packets a second from any one sender (and the burst it may save up). */
  perSource: number;
  perSourceBurst: number;
  /** Packets a second from everyone together. */
  total: number;
  totalBurst: number;
  /** Senders remembered; the longest-remembered is forgotten first. */
  maxSources: number;
}

/** One bucket per sender plus one for everybody, so one noisy host cannot starve the rest. */
export class SourceLimiter {
  private readonly total: TokenBucket;
  private readonly sources = new Map<string, TokenBucket>();
  /** Packets refused since the limiter was made (for logs and tests). */
  dropped = 0;

  constructor(
    private readonly options: SourceLimiterOptions,
    now: number,
  ) {
    this.total = new TokenBucket(options.total, options.totalBurst, now);
  }

  allow(source: string, now: number): boolean {
    let bucket = this.sources.get(source);
    if (!bucket) {
      if (this.sources.size >= this.options.maxSources) {
        const oldest = this.sources.keys().next().value;
        if (oldest !== undefined) this.sources.delete(oldest);
      }
      bucket = new TokenBucket(this.options.perSource, this.options.perSourceBurst, now);
      this.sources.set(source, bucket);
    }
    if (!bucket.take(now) || !this.total.take(now)) {
      this.dropped++;
      return false;
    }
    return true;
  }
}

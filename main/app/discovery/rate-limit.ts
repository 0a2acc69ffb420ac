/**
 * A packet budget for what arrives from the network: a flood of announcements is dropped at
 * the door, before it is parsed further or touches the room list. Pure; clock passed in.
 */
import { TokenBucket } from '../../common/token-bucket';

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

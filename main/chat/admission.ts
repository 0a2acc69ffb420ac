/**
 * When a newcomer's `(connected)` notice goes out. A connection is announced on its first
 * byte (the server calls `admit` itself once it knows the opening is chat), or after
 * `delayMs` of silence, which gives HTTP and TLS openings time to show themselves.
 *
 * Deadlines are rounded up to a common tick so that a crowd arriving together is announced
 * in a few turns: each turn with notices costs one write per client, and a join storm is
 * quadratic in notices. And the next batch waits while fan-out has been hogging the loop
 * (see `backOff`).
 *
 * Silence is only believed once the loop has read its sockets: when a deadline passes while
 * the loop was busy (a burst of TLS handshakes, a big fan-out), Node runs the timer before it
 * reads what arrived meanwhile, so a TLS client whose ClientHello came in time would be taken
 * for a quiet plain one. The due newcomers are admitted in the loop's check phase instead,
 * after its poll phase has read their first bytes, if any.
 */
import { performance } from 'node:perf_hooks';

const TICK_MS = 20;
/** After a fan-out that took T ms, the next notices wait T × this: fan-out gets ≤ 40% of the loop. */
const BACKOFF_FACTOR = 1.5;
/** Announced entries at the head are dropped in one splice once there are this many. */
const COMPACT_AFTER = 1024;

export interface Admittee {
  /** Set by the queue: when this newcomer is due (performance.now() time base). */
  admitAt: number;
  /** False once it was announced or has gone: the queue then skips it. */
  readonly awaitingAdmission: boolean;
}

export class AdmissionQueue<T extends Admittee> {
  private readonly queue: T[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private notBefore = 0;

  constructor(
    private readonly delayMs: number,
    private readonly admit: (newcomer: T) => void,
  ) {}

  /** A new connection: announced at once when there is no delay, otherwise when due. */
  add(newcomer: T): void {
    if (this.delayMs === 0) {
      this.admit(newcomer);
      return;
    }
    const now = performance.now();
    newcomer.admitAt = Math.ceil((now + this.delayMs) / TICK_MS) * TICK_MS;
    this.queue.push(newcomer);
    if (!this.timer && !this.immediate) this.arm(newcomer.admitAt - now);
  }

  /**
   * A fan-out ran from `started` to `finished`. Node accepts one connection per event-loop
   * turn; if every turn also fanned notices out to a large room, a join storm would starve
   * the accepts (the listen queue then overflows and clients wait for SYN retries). So the
   * next batch of notices waits until the loop has had time for other work.
   */
  backOff(started: number, finished: number): void {
    this.notBefore = finished + (finished - started) * BACKOFF_FACTOR;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.queue.length = 0;
    this.head = 0;
  }

  private arm(delay: number): void {
    this.timer = setTimeout(this.due, Math.max(0, delay));
    this.timer.unref();
  }

  private readonly due = (): void => {
    this.timer = null;
    // Kept referenced: an unreferenced immediate does not stop the loop from blocking in its
    // poll phase, so a silent newcomer would wait for someone else's bytes to be announced.
    this.immediate = setImmediate(this.admitDue);
  };

  private readonly admitDue = (): void => {
    this.immediate = null;
    const now = performance.now();
    if (now < this.notBefore) {
      this.arm(this.notBefore - now);
      return;
    }
    const queue = this.queue;
    while (this.head < queue.length) {
      const newcomer = queue[this.head]!;
      if (newcomer.awaitingAdmission) {
        if (newcomer.admitAt > now) break;
        this.admit(newcomer);
      }
      this.head++;
    }
    if (this.head === queue.length) {
      queue.length = 0;
      this.head = 0;
    } else {
      if (this.head > COMPACT_AFTER) {
        queue.splice(0, this.head);
        this.head = 0;
      }
      this.arm(queue[this.head]!.admitAt - now);
    }
  };
}

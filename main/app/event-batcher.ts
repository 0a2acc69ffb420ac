/**
 * EventBatcher: the session's events on their way to the renderer, in batches. At most one
 * delivery per `intervalMs`, so a flood of lines costs a few IPC messages a second, not
 * thousands. Plain data in, plain data out; no Electron.
 *
 * While events wait they are coalesced, so what waits stays small:
 *  - consecutive lines merge into one `lines` event;
 *  - only the latest `status` survives (at its own place in the order), as does the latest
 *    `reconnecting`;
 *  - a whole `roster` replaces whatever roster news was waiting;
 *  - at most MAX_PENDING_NOTICES notices wait (older ones are dropped).
 * Sources (`addSource`) contribute one event each at delivery time: the roster's changes, read
 * then, go last.
 */
import type { BridgeEvent } from '../common/ipc-contract';

export type BatchDelivery = (events: BridgeEvent[]) => void;
/** Called at each delivery; returns the event it has to add, or null. */
export type EventSource = () => BridgeEvent | null;

export interface EventBatcherOptions {
  /** At most one delivery per this many milliseconds. */
  intervalMs: number;
  deliver: BatchDelivery;
  /** A monotonic clock in milliseconds; default `performance.now`. */
  now?: () => number;
}

/** Notices waiting at once; a burst of server errors must not grow the queue. */
export const MAX_PENDING_NOTICES = 16;

/** Events of which only the latest one matters. */
const LATEST_ONLY: ReadonlySet<BridgeEvent['type']> = new Set(['status', 'reconnecting']);

export class EventBatcher {
  private readonly intervalMs: number;
  private readonly deliver: BatchDelivery;
  private readonly now: () => number;
  private queue: BridgeEvent[] = [];
  private readonly sources: EventSource[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastDeliveryAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(options: EventBatcherOptions) {
    this.intervalMs = Math.max(0, options.intervalMs);
    this.deliver = options.deliver;
    this.now = options.now ?? (() => performance.now());
  }

  /** Queues `event` (the batcher owns it from now on: a `lines` array may grow in place). */
  push(event: BridgeEvent): void {
    if (this.closed) return;
    if (event.type === 'lines') {
      const last = this.queue[this.queue.length - 1];
      if (last?.type === 'lines') {
        for (const line of event.lines) last.lines.push(line);
      } else {
        this.queue.push(event);
      }
    } else if (LATEST_ONLY.has(event.type)) {
      this.remove((queued) => queued.type === event.type);
      this.queue.push(event);
    } else if (event.type === 'roster') {
      this.remove((queued) => queued.type === 'roster' || queued.type === 'roster-changes');
      this.queue.push(event);
    } else {
      this.queue.push(event);
      if (event.type === 'notice') this.boundNotices();
    }
    this.schedule();
  }

  /** Adds a contributor asked for one event at every delivery. */
  addSource(source: EventSource): void {
    this.sources.push(source);
  }

  /** A source has something to say: deliver soon (within the interval) even if nothing else waits. */
  wake(): void {
    this.schedule();
  }

  /** Events waiting for the next delivery. */
  get pending(): number {
    return this.queue.length;
  }

  /** Drops what waits and stops delivering. Idempotent. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
  }

  private schedule(): void {
    if (this.timer !== null || this.closed) return;
    const wait = Math.max(0, this.lastDeliveryAt + this.intervalMs - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = null;
    if (this.closed) return;
    // Timers run off the event loop's cached clock, which lags after a busy turn, so one can
    // fire early: the promise of one delivery per interval is kept here.
    const early = this.lastDeliveryAt + this.intervalMs - this.now();
    if (early > 0) {
      this.timer = setTimeout(() => this.flush(), Math.ceil(early));
      return;
    }
    const batch = this.queue;
    this.queue = [];
    for (const source of this.sources) {
      const event = source();
      if (event !== null) batch.push(event);
    }
    if (batch.length === 0) return;
    this.lastDeliveryAt = this.now();
    this.deliver(batch);
  }

  /** Removes the queued events `matches` picks; lines that end up side by side merge again. */
  private remove(matches: (event: BridgeEvent) => boolean): void {
    if (!this.queue.some(matches)) return;
    const kept: BridgeEvent[] = [];
    for (const event of this.queue) {
      if (matches(event)) continue;
      const last = kept[kept.length - 1];
      if (event.type === 'lines' && last?.type === 'lines') {
        for (const line of event.lines) last.lines.push(line);
      } else {
        kept.push(event);
      }
    }
    this.queue = kept;
  }

  private boundNotices(): void {
    let notices = 0;
    for (const event of this.queue) if (event.type === 'notice') notices += 1;
    const excess = notices - MAX_PENDING_NOTICES;
    if (excess <= 0) return;
    const dropped = new Set<BridgeEvent>(this.queue.filter((event) => event.type === 'notice').slice(0, excess));
    this.remove((event) => dropped.has(event));
  }
}

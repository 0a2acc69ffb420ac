/**
 * EventBatcher: the session's events on their way to the renderer, in batches, with flow
 * control. Plain data in, plain data out; no Electron.
 *
 *  - At most one delivery per `intervalMs`, so a flood of lines costs a few IPC messages a
 *    second, not thousands; each batch holds at most `maxBatchLines` lines and about
 *    `maxBatchBytes` of them (at least one line), so no single message is huge.
 *  - At most `maxInFlight` batches are delivered and not yet acknowledged. A renderer that
 *    falls behind therefore stops deliveries instead of queueing IPC messages without end.
 *  - What waits is bounded. Past the high-water mark `onPressure(true)` tells the session to
 *    pause its socket (`onPressure(false)` once back under the low-water mark); past the hard
 *    cap the oldest waiting lines are dropped and one 'skipped' line says how many
 *    ("1,204 lines skipped while catching up"), so nothing grows without limit even when the
 *    socket cannot be paused.
 *
 * While events wait they are coalesced: consecutive lines merge into one `lines` event; only
 * the latest `status`, `reconnecting`, `rooms`, `unread`, `jump` and `history` survive (at
 * their own place in the order; a waiting history reset is kept); a whole `roster` replaces
 * whatever roster news waited; at most MAX_PENDING_NOTICES notices wait.
 * Sources (`addSource`) contribute one event each at delivery time (the roster's changes).
 */
import type { BridgeEvent, ChatLine, EventBatch } from '../common/ipc-contract';

export type BatchDelivery = (batch: EventBatch) => void;
/** Called at each delivery; returns the event it has to add, or null. */
export type EventSource = () => BridgeEvent | null;

export interface FlowLimits {
  /** Lines in one batch. */
  maxBatchLines: number;
  /** Estimated bytes of lines in one batch (a batch always takes at least one line). */
  maxBatchBytes: number;
  /** Batches delivered and not yet acknowledged. */
  maxInFlight: number;
  /** Waiting lines (or bytes) past which `onPressure(true)` asks for the socket to pause. */
  highWaterLines: number;
  highWaterBytes: number;
  /** Waiting lines and bytes under which `onPressure(false)` lets it read again. */
  lowWaterLines: number;
  lowWaterBytes: number;
  /** Waiting lines (or bytes) past which the oldest are dropped (down to three quarters). */
  maxPendingLines: number;
  maxPendingBytes: number;
}

export const DEFAULT_FLOW_LIMITS: FlowLimits = {
  maxBatchLines: 500,
  maxBatchBytes: 256 * 1024,
  maxInFlight: 3,
  highWaterLines: 4000,
  highWaterBytes: 2 * 1024 * 1024,
  lowWaterLines: 1000,
  lowWaterBytes: 512 * 1024,
  maxPendingLines: 10_000,
  maxPendingBytes: 8 * 1024 * 1024,
};

export interface EventBatcherOptions {
  /** At most one delivery per this many milliseconds. */
  intervalMs: number;
  deliver: BatchDelivery;
  limits?: Partial<FlowLimits>;
  /** True: past the high-water mark (pause the source); false: back under the low-water mark. */
  onPressure?: (high: boolean) => void;
  /** A monotonic clock in milliseconds; default `performance.now`. */
  now?: () => number;
}

/** What the batcher holds and has done, for tests, the log and the benchmark. */
export interface FlowStats {
  pendingLines: number;
  pendingBytes: number;
  /** The most bytes of lines that ever waited at once. */
  peakPendingBytes: number;
  inFlight: number;
  /** Lines dropped at the hard cap so far. */
  skippedLines: number;
  batchesDelivered: number;
  underPressure: boolean;
}

/** Notices waiting at once; a burst of server errors must not grow the queue. */
export const MAX_PENDING_NOTICES = 16;

/** What a line costs while it waits, roughly: its strings in UTF-16 plus the object around them. */
export function lineCost(line: ChatLine): number {
  return 64 + 2 * (line.text.length + line.peer.length);
}

export function skippedSentence(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'line' : 'lines'} skipped while catching up`;
}

/**
 * Events of which only the latest one matters: each says the whole of something (the status,
 * the rooms list, the unread count, the line to show, why notifications fail). A window that stops acknowledging
 * therefore cannot make them pile up.
 */
const LATEST_ONLY: ReadonlySet<BridgeEvent['type']> = new Set(['status', 'reconnecting', 'rooms', 'unread', 'jump', 'notifications']);

export class EventBatcher {
  private readonly intervalMs: number;
  private readonly deliver: BatchDelivery;
  private readonly limits: FlowLimits;
  private readonly onPressure: (high: boolean) => void;
  private readonly now: () => number;
  private queue: BridgeEvent[] = [];
  private readonly sources: EventSource[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastDeliveryAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private nextBatchId = 1;
  /** Ids of delivered batches not yet acknowledged, oldest first. */
  private outstanding: number[] = [];
  private pendingLines = 0;
  private pendingBytes = 0;
  private peakPendingBytes = 0;
  private skippedLines = 0;
  private batchesDelivered = 0;
  private underPressure = false;
  /** The 'skipped' line still waiting at the front, so further drops add to its count. */
  private marker: { line: ChatLine; count: number } | null = null;

  constructor(options: EventBatcherOptions) {
    this.intervalMs = Math.max(0, options.intervalMs);
    this.deliver = options.deliver;
    this.limits = { ...DEFAULT_FLOW_LIMITS, ...options.limits };
    this.onPressure = options.onPressure ?? (() => undefined);
    this.now = options.now ?? (() => performance.now());
  }

  /** Queues `event` (the batcher owns it from now on: a `lines` array may grow in place). */
  push(event: BridgeEvent): void {
    if (this.closed) return;
    if (event.type === 'lines') {
      if (event.lines.length === 0) return;
      const last = this.queue[this.queue.length - 1];
      if (last?.type === 'lines') {
        for (const line of event.lines) last.lines.push(line);
      } else {
        this.queue.push(event);
      }
      for (const line of event.lines) this.pendingBytes += lineCost(line);
      this.pendingLines += event.lines.length;
      if (this.pendingBytes > this.peakPendingBytes) this.peakPendingBytes = this.pendingBytes;
      if (this.pendingLines > this.limits.maxPendingLines || this.pendingBytes > this.limits.maxPendingBytes) this.dropOldestLines();
      this.checkPressure();
    } else if (LATEST_ONLY.has(event.type)) {
      this.remove((queued) => queued.type === event.type);
      this.queue.push(event);
    } else if (event.type === 'roster') {
      this.remove((queued) => queued.type === 'roster' || queued.type === 'roster-changes');
      this.queue.push(event);
    } else if (event.type === 'history') {
      // The latest status, and a reset if any waiting one asked for it (the window reloads then).
      let reset = event.reset;
      this.remove((queued) => {
        if (queued.type !== 'history') return false;
        reset ||= queued.reset;
        return true;
      });
      this.queue.push(reset === event.reset ? event : { ...event, reset });
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

  /**
   * The renderer took batch `id` (and so every batch before it). Ids that were never
   * delivered, or not numbers at all, are ignored: the renderer is not trusted.
   */
  acknowledge(id: unknown): void {
    if (typeof id !== 'number' || !Number.isInteger(id) || this.outstanding.length === 0) return;
    const before = this.outstanding.length;
    this.outstanding = this.outstanding.filter((outstanding) => outstanding > id);
    if (this.outstanding.length !== before) this.schedule();
  }

  /** Whoever took the batches is gone (the page reloaded): nothing is in flight any more. */
  resetDelivery(): void {
    this.outstanding = [];
    this.schedule();
  }

  /** Events waiting for the next delivery. */
  get pending(): number {
    return this.queue.length;
  }

  get stats(): FlowStats {
    return {
      pendingLines: this.pendingLines,
      pendingBytes: this.pendingBytes,
      peakPendingBytes: this.peakPendingBytes,
      inFlight: this.outstanding.length,
      skippedLines: this.skippedLines,
      batchesDelivered: this.batchesDelivered,
      underPressure: this.underPressure,
    };
  }

  /** Drops what waits and stops delivering. Idempotent. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.pendingLines = 0;
    this.pendingBytes = 0;
    this.marker = null;
    if (this.underPressure) {
      this.underPressure = false;
      this.onPressure(false);
    }
  }

  private schedule(): void {
    if (this.timer !== null || this.closed) return;
    if (this.outstanding.length >= this.limits.maxInFlight) return; // acknowledge() comes back here
    const wait = Math.max(0, this.lastDeliveryAt + this.intervalMs - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = null;
    if (this.closed || this.outstanding.length >= this.limits.maxInFlight) return;
    // Timers run off the event loop's cached clock, which lags after a busy turn, so one can
    // fire early: the promise of one delivery per interval is kept here.
    const early = this.lastDeliveryAt + this.intervalMs - this.now();
    if (early > 0) {
      this.timer = setTimeout(() => this.flush(), Math.ceil(early));
      return;
    }
    const events = this.take();
    for (const source of this.sources) {
      const event = source();
      if (event !== null) events.push(event);
    }
    this.checkPressure();
    if (events.length === 0) return;
    this.lastDeliveryAt = this.now();
    const id = this.nextBatchId++;
    this.outstanding.push(id);
    this.batchesDelivered += 1;
    this.deliver({ id, events });
    if (this.queue.length > 0) this.schedule();
  }

  /** The next batch's events from the front of the queue, within the batch limits. */
  private take(): BridgeEvent[] {
    const taken: BridgeEvent[] = [];
    let lines = 0;
    let bytes = 0;
    while (this.queue.length > 0) {
      const event = this.queue[0]!;
      if (event.type !== 'lines') {
        taken.push(event);
        this.queue.shift();
        continue;
      }
      let count = 0;
      while (count < event.lines.length && lines < this.limits.maxBatchLines) {
        const cost = lineCost(event.lines[count]!);
        if (lines > 0 && bytes + cost > this.limits.maxBatchBytes) break;
        lines += 1;
        bytes += cost;
        count += 1;
      }
      if (count === 0) break;
      if (this.marker !== null && event.lines[0] === this.marker.line) this.marker = null;
      this.pendingLines -= count;
      if (count === event.lines.length) {
        taken.push(event);
        this.queue.shift();
      } else {
        taken.push({ type: 'lines', lines: event.lines.splice(0, count) });
        break; // the batch is full
      }
    }
    this.pendingBytes -= bytes;
    if (this.queue.every((event) => event.type !== 'lines')) {
      // Exact again whenever no line waits (the estimate is summed and subtracted in pieces).
      this.pendingLines = 0;
      this.pendingBytes = 0;
    }
    return taken;
  }

  /**
   * Over the hard cap: drops the oldest waiting lines down to three quarters of it, in one
   * go (so a flood pays for this once per many lines), leaving a 'skipped' line in their place.
   */
  private dropOldestLines(): void {
    const targetLines = Math.floor(this.limits.maxPendingLines * 0.75);
    const targetBytes = Math.floor(this.limits.maxPendingBytes * 0.75);
    for (const event of this.queue) {
      if (this.pendingLines <= targetLines && this.pendingBytes <= targetBytes) break;
      if (event.type !== 'lines') continue;
      const extending = this.marker !== null && event.lines[0] === this.marker.line;
      const start = extending ? 1 : 0;
      let end = start;
      let bytes = 0;
      // Keep the newest line of the queue: the view should catch up to something.
      const last = event === this.queue[this.queue.length - 1] ? event.lines.length - 1 : event.lines.length;
      while (end < last && (this.pendingLines - (end - start) > targetLines || this.pendingBytes - bytes > targetBytes)) {
        bytes += lineCost(event.lines[end]!);
        end += 1;
      }
      const dropped = end - start;
      if (dropped === 0) continue;
      const first = event.lines[start]!;
      event.lines.splice(start, dropped);
      this.pendingLines -= dropped;
      this.pendingBytes -= bytes;
      this.skippedLines += dropped;
      if (extending && this.marker !== null) {
        this.marker.count += dropped;
        this.marker.line.text = skippedSentence(this.marker.count);
      } else {
        // It takes the place (and the seq) of the first line it stands for: order is kept.
        const line: ChatLine = { seq: first.seq, kind: 'skipped', peer: '', text: skippedSentence(dropped), at: first.at, self: false };
        this.marker = { line, count: dropped };
        event.lines.unshift(line);
        this.pendingLines += 1;
        this.pendingBytes += lineCost(line);
      }
    }
  }

  private checkPressure(): void {
    const limits = this.limits;
    if (!this.underPressure && (this.pendingLines >= limits.highWaterLines || this.pendingBytes >= limits.highWaterBytes)) {
      this.underPressure = true;
      this.onPressure(true);
    } else if (this.underPressure && this.pendingLines <= limits.lowWaterLines && this.pendingBytes <= limits.lowWaterBytes) {
      this.underPressure = false;
      this.onPressure(false);
    }
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

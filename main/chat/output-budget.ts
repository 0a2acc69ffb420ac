/**
 * Fair backpressure: a few clients that do not read must never slow anyone else.
 *
 * What a client has been given but not taken (its *unsent output*, output-queue.ts) and how
 * fast its kernel takes bytes are watched while it is busy:
 *  - past `maxClientOutputBytes` it *lags*. While anyone lags, the room's heavy senders
 *    (more than HEAVY_BYTES in a check period: a flood, never a person typing) are paused,
 *    so TCP pushes back on them and the laggard can catch up; everyone else keeps talking;
 *  - a laggard is judged by the bytes its kernel takes: one that took less than
 *    MIN_PROGRESS bytes a second over a window of JUDGE_MS, that lags for LAG_LIMIT_MS, or
 *    whose unsent output passes HARD_CAP_FACTOR × the limit, is cut as too slow. So a client
 *    that never reads is cut, and an honest reader on a slow link is not. (The window is
 *    long because the kernel hides progress: a reader draining megabytes of socket buffer
 *    frees room for more, and so shows progress, only a third of a send buffer at a time.)
 *  - the room's real output memory (each shared turn counted once) is bounded by
 *    `budgetBytes`: past it, heavy senders are paused as above and the clients holding the
 *    most, grouped by source address (the address whose clients hold the most first), stop
 *    being read and are judged like laggards, until it is back under half.
 * A trusted connection (the host's own client) is never judged; when it lags, floods pause
 * for it, and it is cut only past TRUSTED_HARD_CAP_FACTOR × the limit.
 */
import type { Connection } from './connection';
import type { OutputQueue } from './output-queue';
import type { FlowReason } from './types';

const CHECK_MS = 250;
/** A sender that passed this many bytes in one check period counts as heavy. */
const HEAVY_BYTES = 8 * 1024;
const JUDGE_MS = 2000;
const MIN_PROGRESS_BYTES_PER_S = 1024;
const LAG_LIMIT_MS = 60_000;
const HARD_CAP_FACTOR = 4;
const TRUSTED_HARD_CAP_FACTOR = 64;
/** Unsent output is re-checked whenever the room's output grew by this much, not only on the timer. */
const CHECK_EVERY_BYTES = 64 * 1024;

/** The reasons the budget pauses a client for (the line rate is the server's own). */
export type PauseReason = Exclude<FlowReason, 'line-rate'>;

/** What the budget needs from the room it guards. */
export interface BudgetedRoom {
  cutSlow(connection: Connection): void;
  pause(connection: Connection, reason: PauseReason): void;
  resume(connection: Connection, reason: PauseReason): void;
  /** The room's output is back under half the budget (after being over it). */
  flowing(): void;
}

/** A client being judged: since when, and the progress window being measured now. */
interface Lag {
  readonly startedAt: number;
  windowAt: number;
  takenAtWindow: number;
}

export class OutputBudget {
  /** Senders since the last check, with the bytes each sent (Talker.recentBytes). */
  private readonly recentSenders = new Set<Connection>();
  /** Clients that passed the limit and have not come back under half of it. */
  private readonly lagging = new Set<Connection>();
  /** Clients whose progress is being measured: lagging ones and the budget's offenders (never trusted ones). */
  private readonly judged = new Map<Connection, Lag>();
  private readonly throttled = new Set<Connection>();
  private readonly budgetPaused = new Set<Connection>();
  private over = false;
  private timer: NodeJS.Timeout | null = null;
  private grownSinceCheck = 0;

  constructor(
    private readonly maxClientOutputBytes: number,
    private readonly budgetBytes: number,
    private readonly queue: OutputQueue,
    private readonly room: BudgetedRoom,
  ) {}

  /**
   * True from when the room's retained output passed the budget until it is back under half
   * of it: a sequencer (a cluster) stops handing this server more of the room meanwhile.
   */
  get overBudget(): boolean {
    return this.over;
  }

  /** A client sent `bytes`; heavy senders are the ones paused when someone lags. */
  received(connection: Connection, bytes: number): void {
    const talker = connection.talker!;
    if (talker.recentBytes === 0) this.recentSenders.add(connection);
    talker.recentBytes += bytes;
    this.arm();
  }

  /** The queue says a connection became busy (or flows again). */
  busyChanged(busy: boolean): void {
    if (busy) this.arm();
  }

  /** After a turn was written; `bytes` is its size. */
  afterTurn(bytes: number): void {
    if (this.queue.busy.size === 0) return;
    this.grownSinceCheck += bytes;
    if (this.grownSinceCheck >= CHECK_EVERY_BYTES) this.check();
  }

  /** `connection` is gone. */
  removed(connection: Connection): void {
    this.recentSenders.delete(connection);
    this.lagging.delete(connection);
    this.judged.delete(connection);
    this.throttled.delete(connection);
    this.budgetPaused.delete(connection);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setInterval(this.tick, CHECK_MS);
    this.timer.unref();
  }

  private readonly tick = (): void => {
    this.check();
    for (const sender of this.recentSenders) if (sender.talker) sender.talker.recentBytes = 0;
    this.recentSenders.clear();
    const idle = this.queue.busy.size === 0 && this.lagging.size === 0 && this.judged.size === 0 &&
      this.throttled.size === 0 && this.budgetPaused.size === 0;
    if (idle && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  };

  // Runs on the timer and whenever the room's output grew by CHECK_EVERY_BYTES.
  private check(): void {
    this.grownSinceCheck = 0;
    const now = performance.now();
    const cap = this.maxClientOutputBytes;
    const tooSlow: Connection[] = [];
    for (const connection of this.queue.busy) {
      const unsent = this.queue.unsentBytes(connection);
      if (unsent > cap * (connection.trusted ? TRUSTED_HARD_CAP_FACTOR : HARD_CAP_FACTOR)) tooSlow.push(connection);
      else if (unsent > cap && !this.lagging.has(connection)) {
        this.lagging.add(connection);
        if (!connection.trusted) this.startJudging(connection, now);
      }
    }
    // Back under half the limit (or flowing again): caught up.
    for (const connection of this.lagging) {
      if (connection.busy && this.queue.unsentBytes(connection) > cap / 2) continue;
      this.lagging.delete(connection);
      if (!this.budgetPaused.has(connection)) this.judged.delete(connection);
    }
    const retained = this.queue.retainedBytes;
    if (!this.over && retained > this.budgetBytes) this.enterOverBudget(now);
    else if (this.over && retained <= this.budgetBytes / 2) this.leaveOverBudget();

    for (const [connection, lag] of this.judged) {
      if (!connection.busy) {
        // caught up for a moment (the budget still holds it): measured afresh when busy again
        lag.windowAt = now;
        lag.takenAtWindow = 0;
        continue;
      }
      if (now - lag.startedAt > LAG_LIMIT_MS) {
        tooSlow.push(connection);
        continue;
      }
      const window = now - lag.windowAt;
      if (window < JUDGE_MS) continue;
      const taken = this.queue.takenBytes(connection);
      if (((taken - lag.takenAtWindow) * 1000) / window < MIN_PROGRESS_BYTES_PER_S) tooSlow.push(connection);
      else {
        lag.windowAt = now;
        lag.takenAtWindow = taken;
      }
    }
    for (const connection of tooSlow) this.room.cutSlow(connection);

    if (this.lagging.size > 0 || this.over) this.throttleHeavySenders();
    else if (this.throttled.size > 0) this.releaseThrottle();
  }

  private startJudging(connection: Connection, now: number): void {
    if (this.judged.has(connection)) return;
    this.judged.set(connection, { startedAt: now, windowAt: now, takenAtWindow: this.queue.takenBytes(connection) });
  }

  private throttleHeavySenders(): void {
    for (const sender of this.recentSenders) {
      if ((sender.talker?.recentBytes ?? 0) < HEAVY_BYTES || this.throttled.has(sender) || sender.trusted) continue;
      this.throttled.add(sender);
      this.room.pause(sender, 'backpressure');
    }
  }

  private releaseThrottle(): void {
    const throttled = [...this.throttled];
    this.throttled.clear();
    for (const sender of throttled) this.room.resume(sender, 'backpressure');
  }

  // The largest holders, grouped by source address, stop being read and are judged.
  private enterOverBudget(now: number): void {
    this.over = true;
    const byAddress = new Map<string, { unsent: number; connections: Connection[] }>();
    let total = 0;
    for (const connection of this.queue.busy) {
      const unsent = this.queue.unsentBytes(connection);
      total += unsent;
      // Grouped by source address, as the limits per address group them.
      const address = connection.source;
      let group = byAddress.get(address);
      if (!group) byAddress.set(address, (group = { unsent: 0, connections: [] }));
      group.unsent += unsent;
      group.connections.push(connection);
    }
    const groups = [...byAddress.values()].sort((a, b) => b.unsent - a.unsent);
    let covered = 0;
    for (const group of groups) {
      if (covered * 2 >= total) break;
      covered += group.unsent;
      for (const connection of group.connections) {
        this.budgetPaused.add(connection);
        this.room.pause(connection, 'budget');
        if (!connection.trusted) this.startJudging(connection, now);
      }
    }
  }

  private leaveOverBudget(): void {
    this.over = false;
    const paused = [...this.budgetPaused];
    this.budgetPaused.clear();
    for (const connection of paused) {
      this.room.resume(connection, 'budget');
      if (!this.lagging.has(connection)) this.judged.delete(connection);
    }
    this.room.flowing();
  }
}

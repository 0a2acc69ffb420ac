/**
 * The room's output budget: backpressure on the senders instead of unbounded buffering.
 *
 * A client whose unsent output passes `maxClientOutputBytes` is cut as too slow (the server
 * asks `overCap` after each turn). When all queued output passes `budgetBytes` the server
 * stops reading until it drains to half; if, while paused, a client makes no progress at all
 * for `STALL_TIMEOUT_MS`, it is cut so the room moves on.
 */
import type { Connection } from './connection';

const STALL_TIMEOUT_MS = 2000;

/** What the budget needs from the room it guards. */
export interface BudgetedRoom {
  /**
   * Stop (false) or resume (true) reading from every client. The room decides: something
   * else (a cluster's sequencer) may be holding reading too.
   */
  setReading(reading: boolean): void;
  /** Cut a client as too slow. */
  cutSlow(connection: Connection): void;
  /** Wait for `connection`'s output to drain; calls `drained` when it has. */
  watchDrain(connection: Connection): void;
}

export class OutputBudget {
  private readonly congested = new Set<Connection>();
  private paused = false;
  private checkScheduled = false;
  private stallTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly maxClientOutputBytes: number,
    private readonly budgetBytes: number,
    private readonly room: BudgetedRoom,
  ) {}

  /** True while reading is paused: a newcomer's socket starts paused too. */
  get readingPaused(): boolean {
    return this.paused;
  }

  /**
   * After a turn was written to `connection`: false when its queue passed the per-client cap
   * (the caller cuts it); otherwise a connection with output queued is watched until it drains.
   */
  afterWrite(connection: Connection): boolean {
    const queued = connection.socket.writableLength;
    if (queued === 0) return true;
    if (queued > this.maxClientOutputBytes) return false;
    if (!connection.congested) {
      connection.congested = true;
      this.congested.add(connection);
      this.room.watchDrain(connection);
    }
    return true;
  }

  /** After a turn was written to everyone. */
  afterTurn(): void {
    if (this.congested.size > 0) this.check();
  }

  drained(connection: Connection): void {
    if (!connection.congested) return;
    connection.congested = false;
    this.congested.delete(connection);
    if (this.paused) this.scheduleCheck();
  }

  removed(connection: Connection): void {
    if (!connection.congested) return;
    connection.congested = false;
    this.congested.delete(connection);
  }

  close(): void {
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.stallTimer = null;
  }

  private queuedBytes(): number {
    let total = 0;
    for (const connection of this.congested) total += connection.socket.writableLength;
    return total;
  }

  private scheduleCheck(): void {
    if (this.checkScheduled) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      this.check();
    });
  }

  private check(): void {
    const queued = this.queuedBytes();
    if (!this.paused && queued > this.budgetBytes) this.pause();
    else if (this.paused && queued <= this.budgetBytes / 2) this.resume();
  }

  private pause(): void {
    this.paused = true;
    this.room.setReading(false);
    for (const connection of this.congested) connection.progressMark = connection.written - connection.socket.writableLength;
    this.stallTimer = setInterval(this.cutStalled, STALL_TIMEOUT_MS);
    this.stallTimer.unref();
  }

  private resume(): void {
    this.paused = false;
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.stallTimer = null;
    this.room.setReading(true);
  }

  // While reading is paused, a client that took nothing at all for a whole period is stuck;
  // waiting for it would stall the room for ever.
  private readonly cutStalled = (): void => {
    for (const connection of [...this.congested]) {
      const progress = connection.written - connection.socket.writableLength;
      if (progress === connection.progressMark) this.room.cutSlow(connection);
      else connection.progressMark = progress;
    }
    this.check();
  };
}

/**
 * Lines the user sent while the connection was down, waiting to go out, in order, once it is
 * back. Bounded by count and bytes (OUTBOX_LIMITS): a send that would pass either bound is
 * refused whole, with the bound it met, so nothing is cut halfway and nothing goes out of order.
 */
import { OUTBOX_LIMITS, fail, ok, type OutboxState, type Result } from '../common/ipc-contract';

export interface OutboxLimits {
  maxLines: number;
  maxBytes: number;
}

/** `1 line`, `3 lines`. */
export function countOfLines(count: number): string {
  return count === 1 ? '1 line' : `${count.toLocaleString('en')} lines`;
}

export class Outbox {
  private waiting: string[] = [];
  private bytes = 0;

  constructor(private readonly limits: OutboxLimits = OUTBOX_LIMITS) {}

  get size(): number {
    return this.waiting.length;
  }

  get state(): OutboxState {
    return { lines: this.waiting.length, bytes: this.bytes };
  }

  /** Adds `lines` (non-blank, already cleaned) after those waiting, or refuses them all and says which bound. */
  add(lines: readonly string[]): Result<number> {
    const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line, 'utf8') + 1, 0);
    const { maxLines, maxBytes } = this.limits;
    const held = this.waiting.length === 0 ? '' : ` (${countOfLines(this.waiting.length)} already waiting)`;
    if (this.waiting.length + lines.length > maxLines) {
      return fail(
        `Not sent: ${countOfLines(lines.length)} would not fit. While the connection is down, at most ${countOfLines(maxLines)} wait to be sent${held}.`,
      );
    }
    if (this.bytes + bytes > maxBytes) {
      return fail(
        `Not sent: ${countOfLines(lines.length)} would not fit. While the connection is down, at most ${Math.floor(maxBytes / 1024)} KiB of text waits to be sent${held}.`,
      );
    }
    this.waiting.push(...lines);
    this.bytes += bytes;
    return ok(lines.length);
  }

  /** Everything waiting, oldest first; the outbox is empty afterwards. */
  take(): string[] {
    const lines = this.waiting;
    this.waiting = [];
    this.bytes = 0;
    return lines;
  }
}

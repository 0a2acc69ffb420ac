/**
 * The room's most recent lines, bounded by count and by size, so a renderer that reloads (or
 * crashed) can show the conversation again from the snapshot.
 */
import type { ChatLine } from '../common/ipc-contract';
import { lineCost } from './event-batcher';

export const RECENT_LINES_MAX = 2000;
export const RECENT_LINES_MAX_BYTES = 2 * 1024 * 1024;

export class RecentLines {
  private items: ChatLine[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxLines = RECENT_LINES_MAX,
    private readonly maxBytes = RECENT_LINES_MAX_BYTES,
  ) {}

  push(line: ChatLine): void {
    this.items.push(line);
    this.bytes += lineCost(line);
    while (this.items.length - this.head > this.maxLines || (this.bytes > this.maxBytes && this.items.length - this.head > 1)) {
      this.bytes -= lineCost(this.items[this.head]!);
      this.head += 1;
    }
    // Forget the dropped front now and then, not on every line.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Oldest first; a copy. */
  lines(): ChatLine[] {
    return this.items.slice(this.head);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get byteSize(): number {
    return this.bytes;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
  }
}

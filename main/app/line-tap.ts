/**
 * LineTap: every line the session receives, handed on in small batches to those that must see
 * all of them whatever the window keeps up with — the history (one append per batch) and the
 * notification policy (unread counts, notifications).
 *
 * The EventBatcher's batches are for the renderer: they wait for its acknowledgements and,
 * when it falls far behind, skip lines ("N lines skipped while catching up"). A tap does
 * neither: it hands its lines on at most `intervalMs` after the first one arrived, and at once
 * when `maxLines` wait, so what it holds stays bounded however fast lines come.
 */
import type { ChatLine } from '../common/ipc-contract';

export interface LineTapOptions {
  /** Lines are handed on at most this many milliseconds after the first of them arrived. */
  intervalMs: number;
  /** Lines waiting at once; the next line hands them on straight away. Default 1,000. */
  maxLines?: number;
  flush: (lines: ChatLine[]) => void;
}

export const DEFAULT_TAP_MAX_LINES = 1000;

export class LineTap {
  private readonly intervalMs: number;
  private readonly maxLines: number;
  private readonly onFlush: (lines: ChatLine[]) => void;
  private waiting: ChatLine[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(options: LineTapOptions) {
    this.intervalMs = Math.max(0, options.intervalMs);
    this.maxLines = Math.max(1, options.maxLines ?? DEFAULT_TAP_MAX_LINES);
    this.onFlush = options.flush;
  }

  push(line: ChatLine): void {
    if (this.closed) return;
    this.waiting.push(line);
    if (this.waiting.length >= this.maxLines) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Hands on what waits now (before the session changes rooms, say). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.waiting.length === 0) return;
    const lines = this.waiting;
    this.waiting = [];
    this.onFlush(lines);
  }

  get pending(): number {
    return this.waiting.length;
  }

  /** Drops what waits and takes no more lines. Idempotent. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.waiting = [];
  }
}

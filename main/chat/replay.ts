/**
 * Catch-up: the room's last chat lines, kept so a newcomer can read them before anything
 * live. Only members' lines are kept (never notices, never replies to commands), exactly as
 * they went out (`[IP:port] text`). Bounded twice: at most `maxLines` lines and `maxBytes`
 * bytes of them (the oldest go first). The catch-up a newcomer gets is built once and shared
 * by every newcomer until the room says something new.
 */
import { REPLAY_FOOTER_LINE, replayHeaderLine } from './server-lines';

const LF = 0x0a;

export const MAX_REPLAY_LINES = 1000;
export const DEFAULT_REPLAY_MAX_BYTES = 64 * 1024;

interface Kept {
  readonly at: number;
  /** `[IP:port] text\n`, a copy. */
  readonly frame: Buffer;
}

export class ReplayLog {
  private readonly kept: Kept[] = [];
  private head = 0;
  private bytes = 0;
  private catchUp: Buffer | null = null;

  constructor(
    readonly maxLines: number,
    readonly maxBytes: number,
  ) {}

  /** Lines kept now. */
  get lineCount(): number {
    return this.kept.length - this.head;
  }

  /** Bytes of the lines kept now (without header and footer). */
  get byteCount(): number {
    return this.bytes;
  }

  /** A member's line as it went out; `prefix` and `text` are copied. */
  record(prefix: Buffer, text: Buffer, at: number): void {
    const size = prefix.length + text.length + 1;
    if (size > this.maxBytes) {
      // Too big to keep at all: the lines before it are no longer "the last lines" either.
      this.clear();
      return;
    }
    const frame = Buffer.allocUnsafe(size);
    prefix.copy(frame, 0);
    text.copy(frame, prefix.length);
    frame[size - 1] = LF;
    this.kept.push({ at, frame });
    this.bytes += size;
    while (this.lineCount > this.maxLines || this.bytes > this.maxBytes) {
      this.bytes -= this.kept[this.head]!.frame.length;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.kept.length) {
      this.kept.splice(0, this.head);
      this.head = 0;
    }
    this.catchUp = null;
  }

  /** Header, the kept lines, footer; null when there is nothing to catch up on. */
  catchUpBytes(): Buffer | null {
    if (this.lineCount === 0) return null;
    if (this.catchUp !== null) return this.catchUp;
    const first = this.kept[this.head]!;
    const last = this.kept[this.kept.length - 1]!;
    const parts: Buffer[] = [Buffer.from(`${replayHeaderLine(this.lineCount, first.at, last.at)}\n`, 'utf8')];
    for (let i = this.head; i < this.kept.length; i++) parts.push(this.kept[i]!.frame);
    parts.push(Buffer.from(`${REPLAY_FOOTER_LINE}\n`, 'utf8'));
    this.catchUp = Buffer.concat(parts);
    return this.catchUp;
  }

  clear(): void {
    this.kept.length = 0;
    this.head = 0;
    this.bytes = 0;
    this.catchUp = null;
  }
}

/**
 * What we sent lately, so a line is shown as "you" only when it is one of ours: our label and
 * a text we sent. A host (or anyone on a server that is not Tincan) can print our label in
 * front of anything; it cannot make us have sent it. Bounded by count, size and age.
 */

export const RECENT_SENDS_MAX = 256;
export const RECENT_SENDS_MAX_CHARS = 256 * 1024;
/** An echo takes milliseconds; a line not echoed within this is not waited for any longer. */
export const RECENT_SENDS_MAX_AGE_MS = 60_000;

// Characters a server may neutralise or drop before relaying (format controls, separators,
// replacement characters): compared without them, an echo still matches what we sent.
const INVISIBLE = /[\p{Cf}\u2028\u2029\uFFFD]/gu;

function comparable(text: string): string {
  return text.replace(INVISIBLE, '');
}

interface Sent {
  text: string;
  at: number;
}

export class RecentSends {
  private pending: Sent[] = [];
  private chars = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Remembers lines just written to the server, in order. */
  record(lines: readonly string[]): void {
    const at = this.now();
    for (const line of lines) {
      const text = comparable(line);
      if (text.length === 0) continue;
      this.pending.push({ text, at });
      this.chars += text.length;
    }
    this.trim(at);
  }

  /**
   * True when `text` (from a line carrying our label) is the next part of something we sent;
   * that part is then used up. A server cuts a long line into pieces: each piece matches in turn.
   */
  claim(text: string): boolean {
    this.trim(this.now());
    const echo = comparable(text);
    if (echo.length === 0) return false;
    const index = this.pending.findIndex((sent) => sent.text.startsWith(echo));
    if (index < 0) return false;
    const sent = this.pending[index]!;
    // Lines before it that never came back will not come back now (the server keeps order).
    for (const skipped of this.pending.slice(0, index)) this.chars -= skipped.text.length;
    if (sent.text.length === echo.length) {
      this.pending = this.pending.slice(index + 1);
      this.chars -= sent.text.length;
    } else {
      this.pending = this.pending.slice(index);
      this.pending[0] = { text: sent.text.slice(echo.length), at: sent.at };
      this.chars -= echo.length;
    }
    return true;
  }

  get size(): number {
    return this.pending.length;
  }

  clear(): void {
    this.pending = [];
    this.chars = 0;
  }

  private trim(now: number): void {
    let drop = 0;
    let chars = this.chars;
    while (
      drop < this.pending.length &&
      (this.pending.length - drop > RECENT_SENDS_MAX || chars > RECENT_SENDS_MAX_CHARS || now - this.pending[drop]!.at > RECENT_SENDS_MAX_AGE_MS)
    ) {
      chars -= this.pending[drop]!.text.length;
      drop += 1;
    }
    if (drop > 0) {
      this.pending = this.pending.slice(drop);
      this.chars = chars;
    }
  }
}

/**
 * Everything the room says during one event-loop turn, as one contiguous block of bytes.
 * Frames are appended as they happen; at the end of the turn the block is taken once and the
 * same Buffer (or a slice of it) is written to every client — one write per client per turn,
 * no per-delivery string work or allocation.
 */

const NEWLINE = 0x0a;
const INITIAL_BYTES = 64 * 1024;
// A scratch buffer grown by a flood is given back once turns are small again.
const SHRINK_ABOVE_BYTES = 4 * 1024 * 1024;

export class TurnBuffer {
  private scratch = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  private used = 0;
  private frames = 0;

  get length(): number {
    return this.used;
  }

  /** Frames (lines) appended this turn. */
  get lines(): number {
    return this.frames;
  }

  /** Appends `prefix + body + "\n"`. */
  appendFrame(prefix: Buffer, body: Buffer): void {
    const size = prefix.length + body.length + 1;
    if (this.used + size > this.scratch.length) this.grow(this.used + size);
    const scratch = this.scratch;
    let at = this.used;
    at += prefix.copy(scratch, at);
    at += body.copy(scratch, at);
    scratch[at++] = NEWLINE;
    this.used = at;
    this.frames++;
  }

  /**
   * The turn's bytes in a Buffer of their own (the scratch space is reused), after
   * `headroom` bytes left for the caller to fill; the turn starts afresh.
   */
  take(headroom = 0): Buffer {
    const out = Buffer.allocUnsafe(headroom + this.used);
    this.scratch.copy(out, headroom, 0, this.used);
    if (this.scratch.length > SHRINK_ABOVE_BYTES && this.used < this.scratch.length / 8) {
      this.scratch = Buffer.allocUnsafeSlow(INITIAL_BYTES);
    }
    this.used = 0;
    this.frames = 0;
    return out;
  }

  private grow(needed: number): void {
    let size = this.scratch.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.scratch.copy(next, 0, 0, this.used);
    this.scratch = next;
  }
}

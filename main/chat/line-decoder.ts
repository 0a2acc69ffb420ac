/**
 * LineDecoder: turns a byte stream from one peer into clean chat lines.
 *
 * A small state machine over chunks, in the spirit of split2: feed it whatever the socket
 * delivers (one byte at a time, or many lines at once) and it calls back once per line.
 *  - `\n`, `\r\n`, `\r` and telnet's `\r\0` all end a line.
 *  - Telnet negotiation (RFC 854 IAC commands and IAC SB … IAC SE subnegotiation) is removed.
 *  - A line never grows past `maxLineBytes`: longer input comes out as consecutive lines of at
 *    most that many bytes, cut on UTF-8 character boundaries.
 *  - Output is valid UTF-8 with no control characters (see sanitize.ts); blank lines are dropped.
 *
 * The Buffer handed to `onLine` is only valid during the call (it may be a view of the input
 * chunk or of a scratch buffer): copy it if you keep it.
 *
 * Flow control: when `onLine` returns false, `push` stops after that line end and returns how
 * many bytes of the chunk it used; the caller keeps the rest and pushes it later (nothing is
 * lost, nothing is decoded twice).
 */
import { isBlank, isPrintableAscii, stripControls, utf8BoundaryAtOrBefore } from './sanitize';

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SPACE = 0x20;
const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
const WILL = 0xfb;
const DONT = 0xfe;

const enum State {
  Data,
  AfterCr,
  Iac,
  IacOption,
  Subnegotiation,
  SubnegotiationIac,
}

/** Called once per line; returning `false` asks the decoder to stop after this line end. */
export type LineSink = (line: Buffer) => unknown;

export const DEFAULT_MAX_LINE_BYTES = 8 * 1024;

export class LineDecoder {
  private state = State.Data;
  // The part of the current line that arrived in earlier chunks (or around telnet commands).
  private carry: Buffer | null = null;
  private carryLength = 0;
  private stopRequested = false;
  /** The peer speaks telnet: it sent an IAC command or ended a line with CR LF / CR NUL. */
  private telnet = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: LineSink,
  ) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 4) {
      throw new RangeError(`maxLineBytes must be an integer ≥ 4 (got ${maxLineBytes})`);
    }
  }

  /** Bytes of an unfinished line held for the next chunk. */
  get pendingBytes(): number {
    return this.carryLength;
  }

  /** True once the peer showed it speaks telnet (IAC seen, or a line ended in CR LF or CR NUL). */
  get speaksTelnet(): boolean {
    return this.telnet;
  }

  /**
   * Decodes `chunk`; returns how many of its bytes were used: all of them, unless `onLine`
   * returned false, in which case it stopped right after that line's end.
   */
  push(chunk: Uint8Array): number {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let runStart = -1; // start of the current run of plain data bytes in this chunk
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      switch (this.state) {
        case State.Data:
          if (b === LF || b === CR) {
            if (runStart >= 0) {
              this.endRun(bytes, runStart, i, true);
              runStart = -1;
            } else {
              this.emitCarry();
            }
            if (b === CR) this.state = State.AfterCr;
          } else if (b === IAC) {
            if (runStart >= 0) {
              this.endRun(bytes, runStart, i, false);
              runStart = -1;
            }
            this.state = State.Iac;
          } else if (runStart < 0) {
            runStart = i;
          }
          break;
        case State.AfterCr:
          this.state = State.Data;
          if (b === LF || b === NUL) this.telnet = true;
          else i--; // not part of the line end: read it again as data
          break;
        case State.Iac:
          this.telnet = true;
          if (b === IAC) {
            // IAC IAC is a literal 0xFF byte: invalid UTF-8, so it will show as U+FFFD.
            this.appendToCarry(bytes, i, i + 1);
            this.state = State.Data;
          } else if (b >= WILL && b <= DONT) {
            this.state = State.IacOption;
          } else if (b === SB) {
            this.state = State.Subnegotiation;
          } else {
            this.state = State.Data; // a two-byte command (NOP, AYT, GA, …): dropped
          }
          break;
        case State.IacOption:
          this.state = State.Data;
          break;
        case State.Subnegotiation:
          if (b === IAC) this.state = State.SubnegotiationIac;
          break;
        case State.SubnegotiationIac:
          this.state = b === SE ? State.Data : State.Subnegotiation;
          break;
      }
      if (this.stopRequested) {
        this.stopRequested = false;
        // Lines are emitted only where a run ended, so no run is open here.
        return i + 1;
      }
    }
    if (runStart >= 0) this.endRun(bytes, runStart, bytes.length, false);
    // A stop asked for while the chunk's last run was being emitted is for the next push:
    // nothing is left of this one.
    this.stopRequested = false;
    return bytes.length;
  }

  /**
   * The peer finished sending (clean end of stream): whatever it typed without a final
   * newline is still a line.
   */
  end(): void {
    this.emitCarry();
    this.state = State.Data;
  }

  /** Forget an unfinished line (the connection broke mid-line). */
  reset(): void {
    this.carry = null;
    this.carryLength = 0;
    this.state = State.Data;
  }

  // A run of data bytes ended, either at a line end (`lineEnds`) or at the end of the chunk.
  private endRun(bytes: Buffer, start: number, end: number, lineEnds: boolean): void {
    // A line that reaches the bound goes through the carry, which cuts it the same way
    // however the input was split.
    if (lineEnds && this.carryLength === 0 && end - start < this.maxLineBytes) {
      this.emit(bytes.subarray(start, end)); // the common case: a whole line in one chunk, no copy
      return;
    }
    this.appendToCarry(bytes, start, end);
    if (lineEnds) this.emitCarry();
  }

  private appendToCarry(bytes: Buffer, start: number, end: number): void {
    while (start < end) {
      const room = this.maxLineBytes - this.carryLength;
      const take = Math.min(room, end - start);
      this.ensureCarry(this.carryLength + take);
      bytes.copy(this.carry!, this.carryLength, start, start + take);
      this.carryLength += take;
      start += take;
      if (this.carryLength === this.maxLineBytes) this.emitFullCarry();
    }
  }

  // The line reached the bound: send what ends on a character boundary, keep the rest (≤ 3 bytes).
  private emitFullCarry(): void {
    const carry = this.carry!;
    const line = carry.subarray(0, this.carryLength);
    const cut = this.splitPoint(line);
    this.emit(line.subarray(0, cut));
    const rest = this.carryLength - cut;
    carry.copy(carry, 0, cut, this.carryLength);
    this.carryLength = rest;
  }

  // Where to cut a full line so that no UTF-8 character is split: before the last character
  // if that character is incomplete.
  private splitPoint(line: Buffer): number {
    const length = line.length;
    for (let back = 1; back <= 4 && back <= length; back++) {
      const b = line[length - back]!;
      if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
      const need = b >= 0xf8 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      return need > back && back < length ? length - back : length;
    }
    return length;
  }

  private emitCarry(): void {
    if (this.carryLength === 0) return;
    const line = this.carry!.subarray(0, this.carryLength);
    this.carryLength = 0;
    this.emit(line);
    // A long line's buffer is not kept around: idle connections should cost little memory.
    if (this.carry!.length > 256) this.carry = null;
  }

  private ensureCarry(size: number): void {
    if (this.carry && this.carry.length >= size) return;
    const next = Buffer.allocUnsafe(Math.min(this.maxLineBytes, Math.max(64, size * 2)));
    if (this.carry && this.carryLength > 0) this.carry.copy(next, 0, 0, this.carryLength);
    this.carry = next;
  }

  private deliver(line: Buffer): void {
    if (this.onLine(line) === false) this.stopRequested = true;
  }

  private emit(raw: Buffer): void {
    if (isPrintableAscii(raw, 0, raw.length)) {
      for (let i = 0; i < raw.length; i++) {
        if (raw[i] !== SPACE) {
          this.deliver(raw);
          return;
        }
      }
      return; // only spaces
    }
    const text = stripControls(raw.toString('utf8'));
    if (isBlank(text)) return;
    let out = Buffer.from(text, 'utf8');
    // Replacement characters (3 bytes for each invalid byte) can make the cleaned line longer.
    while (out.length > this.maxLineBytes) {
      const cut = utf8BoundaryAtOrBefore(out, this.maxLineBytes);
      const piece = out.subarray(0, cut);
      if (!isBlank(piece.toString('utf8'))) this.deliver(piece);
      out = out.subarray(cut);
    }
    if (out.length > 0 && !isBlank(out.toString('utf8'))) this.deliver(out);
  }
}

/**
 * Per-turn delivery: the fan-out at the heart of the room, written against a small sink so
 * it can be tested without sockets.
 *
 * Everything said during an event-loop turn is framed once into a single Buffer and, at the
 * end of the turn, that same Buffer (or a slice of it) goes to every recipient. Nothing is
 * copied per recipient. Recipients that read CR LF line ends (telnet) get a second Buffer,
 * built once per turn and only when there are such recipients.
 *
 * The turn's Buffer is laid out as [the `(connected)` notices announced this turn, in order of
 * arrival][everything else, in the order it happened]. A notice goes to the recipients that
 * were there when the newcomer arrived, i.e. those that arrived before it: for a recipient,
 * the notices it must not get (its own and those of recipients older than it) are a prefix
 * of the notice block, found by binary search, and a recipient that arrived during the turn
 * starts reading the rest at its arrival. So announcing late changes nothing about who hears
 * what. Every frame ends in exactly one `\n` and contains no other, so an offset after k
 * frames in the `\n` Buffer is that offset + k in the CR LF one.
 */
import { CONNECTED_BYTES } from './protocol';
import { TurnBuffer } from './turn-buffer';

const LF = 0x0a;
const CR = 0x0d;

/** Someone who hears the room. Ids grow with arrival order. */
export interface TurnRecipient {
  readonly id: number;
  /** Reads `\r\n` line ends instead of `\n`. */
  readonly crlf: boolean;
  /** Maintained by `arrive`: the turn it arrived in, and where in that turn it starts hearing. */
  arrivalEpoch: number;
  arrivalOffset: number;
  arrivalLine: number;
}

/** Someone whose `(connected)` notice goes out: `prefix` is its `[IP:port] ` label. */
export interface Newcomer {
  readonly id: number;
  readonly prefix: Buffer;
}

/** Where the bytes go. */
export interface TurnSink<R extends TurnRecipient> {
  /** Turn `epoch` goes out now: `lf` is all of it; `crlf` the same with CR LF line ends, or null. */
  startTurn(epoch: number, lf: Buffer, crlf: Buffer | null): void;
  /**
   * `recipient`'s part of the turn, in the Buffer it reads (`lf` or `crlf`):
   * `bytes[noticesFrom, noticesEnd)`, the notices meant for it, then `bytes[restFrom, end)`,
   * what was said since it arrived. Either may be empty; all of the turn is
   * `noticesFrom === 0 && restFrom === noticesEnd`. Called once per recipient.
   */
  write(recipient: R, bytes: Buffer, noticesFrom: number, noticesEnd: number, restFrom: number): void;
  /** After every recipient had its part. */
  endTurn(): void;
}

/** `lf` with every `\n` turned into `\r\n` (`lines` is how many there are). */
export function withCrlf(lf: Buffer, lines: number): Buffer {
  const out = Buffer.allocUnsafe(lf.length + lines);
  let from = 0;
  let at = 0;
  for (let nl = lf.indexOf(LF); nl >= 0; nl = lf.indexOf(LF, from)) {
    at += lf.copy(out, at, from, nl);
    out[at++] = CR;
    out[at++] = LF;
    from = nl + 1;
  }
  lf.copy(out, at, from);
  return out;
}

export class TurnDelivery {
  private readonly said = new TurnBuffer();
  private epoch = 0;
  private readonly newcomers: Newcomer[] = [];
  private newcomersSorted = true;
  /** The notice block of the turn being delivered: ids by arrival, and where each notice ends. */
  private readonly noticeIds: number[] = [];
  private readonly noticeEnds: number[] = [];

  /** True when the current turn has something to deliver. */
  get pending(): boolean {
    return this.said.length > 0 || this.newcomers.length > 0;
  }

  /** `recipient` hears everything said from now on, starting with the rest of this turn. */
  arrive(recipient: TurnRecipient): void {
    recipient.arrivalEpoch = this.epoch;
    recipient.arrivalOffset = this.said.length;
    recipient.arrivalLine = this.said.lines;
  }

  /** `prefix + line + "\n"`, to everyone. */
  say(prefix: Buffer, line: Buffer): void {
    this.said.appendFrame(prefix, line);
  }

  /** `prefix + "(connected)\n"`, to those who arrived before `newcomer`. */
  announce(newcomer: Newcomer): void {
    const list = this.newcomers;
    if (list.length > 0 && list[list.length - 1]!.id > newcomer.id) this.newcomersSorted = false;
    list.push(newcomer);
  }

  /**
   * Ends the turn: lays out what it said and hands each recipient its part through `sink`
   * (with a CR LF Buffer too when `crlfWanted`). Returns the bytes laid out (both Buffers),
   * 0 when the turn said nothing (then nothing is written).
   */
  endTurn<R extends TurnRecipient>(recipients: readonly R[], sink: TurnSink<R>, crlfWanted = false): number {
    const epoch = this.epoch++;
    if (!this.pending) return 0;
    const notices = this.newcomers.length;
    const lines = notices + this.said.lines;
    const data = this.layOut();
    const blockLength = notices === 0 ? 0 : this.noticeEnds[notices - 1]!;
    const crlf = crlfWanted ? withCrlf(data, lines) : null;
    sink.startTurn(epoch, data, crlf);
    const ids = this.noticeIds;
    const ends = this.noticeEnds;
    const firstNoticeId = notices > 0 ? ids[0]! : Infinity;
    for (let i = 0; i < recipients.length; i++) {
      const recipient = recipients[i]!;
      const skipped = recipient.id < firstNoticeId ? 0 : this.noticesSkipped(recipient.id);
      const skip = skipped === 0 ? 0 : ends[skipped - 1]!;
      const arrived = recipient.arrivalEpoch === epoch;
      if (crlf !== null && recipient.crlf) {
        const rest = arrived ? blockLength + recipient.arrivalOffset + notices + recipient.arrivalLine : blockLength + notices;
        sink.write(recipient, crlf, skip + skipped, blockLength + notices, rest);
      } else {
        sink.write(recipient, data, skip, blockLength, arrived ? blockLength + recipient.arrivalOffset : blockLength);
      }
    }
    sink.endTurn();
    return data.length + (crlf ? crlf.length : 0);
  }

  // The turn as [connected notices by arrival][the rest]; fills noticeIds/noticeEnds.
  private layOut(): Buffer {
    const newcomers = this.newcomers;
    if (!this.newcomersSorted) newcomers.sort((a, b) => a.id - b.id);
    let blockLength = 0;
    for (const newcomer of newcomers) blockLength += newcomer.prefix.length + CONNECTED_BYTES.length + 1;
    const data = this.said.take(blockLength);
    let at = 0;
    this.noticeIds.length = newcomers.length;
    this.noticeEnds.length = newcomers.length;
    for (let k = 0; k < newcomers.length; k++) {
      const newcomer = newcomers[k]!;
      at += newcomer.prefix.copy(data, at);
      at += CONNECTED_BYTES.copy(data, at);
      data[at++] = LF;
      this.noticeIds[k] = newcomer.id;
      this.noticeEnds[k] = at;
    }
    newcomers.length = 0;
    this.newcomersSorted = true;
    return data;
  }

  // How many notices a recipient skips: those of recipients that arrived no later than it
  // (its own included), a prefix of the block found by binary search.
  private noticesSkipped(id: number): number {
    const ids = this.noticeIds;
    let low = 0;
    let high = ids.length; // first index with ids[index] > id
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (ids[mid]! <= id) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

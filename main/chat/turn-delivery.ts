/**
 * Per-turn delivery: the fan-out at the heart of the room, written against a small sink so
 * it can be tested without sockets.
 *
 * Everything said during an event-loop turn is framed once into a single Buffer and, at the
 * end of the turn, that same Buffer (or a slice of it) goes to every recipient. Nothing is
 * copied per recipient.
 *
 * The turn's Buffer is laid out as [the `(connected)` notices announced this turn, in order of
 * arrival][everything else, in the order it happened]. A notice goes to the recipients that
 * were there when the newcomer arrived, i.e. those that arrived before it: for a recipient,
 * the notices it must not get (its own and those of recipients older than it) are a prefix
 * of the notice block, found by binary search, and a recipient that arrived during the turn
 * starts reading the rest at its arrival. So announcing late changes nothing about who hears
 * what.
 */
import { CONNECTED_TEXT } from './protocol';
import { TurnBuffer } from './turn-buffer';

const CONNECTED_BYTES = Buffer.from(CONNECTED_TEXT);
const NEWLINE = 0x0a;

/** Someone who hears the room. Ids grow with arrival order. */
export interface TurnRecipient {
  readonly id: number;
  /** Maintained by `arrive`: the turn it arrived in and where in that turn it starts hearing. */
  arrivalEpoch: number;
  arrivalOffset: number;
}

/** Someone whose `(connected)` notice goes out: `prefix` is its `[IP:port] ` label. */
export interface Newcomer {
  readonly id: number;
  readonly prefix: Buffer;
}

/** Where the bytes go. */
export interface TurnSink<R extends TurnRecipient> {
  /** `bytes.subarray(start, end)` (never empty) is the next part of what `recipient` hears. */
  write(recipient: R, bytes: Buffer, start: number, end: number): void;
  /** Called once per recipient after its part of the turn, written or not (nothing for it). */
  delivered(recipient: R): void;
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
   * Ends the turn: lays out what it said and hands each recipient its part through `sink`.
   * Returns false (and writes nothing) when the turn said nothing.
   */
  endTurn<R extends TurnRecipient>(recipients: readonly R[], sink: TurnSink<R>): boolean {
    const epoch = this.epoch++;
    if (!this.pending) return false;
    const { data, blockLength } = this.layOut();
    const size = data.length;
    const ids = this.noticeIds;
    const firstNoticeId = ids.length > 0 ? ids[0]! : Infinity;
    for (let i = 0; i < recipients.length; i++) {
      const recipient = recipients[i]!;
      const skip = recipient.id < firstNoticeId ? 0 : this.noticeSkip(recipient.id);
      const from = recipient.arrivalEpoch === epoch ? blockLength + recipient.arrivalOffset : blockLength;
      if (from === blockLength) {
        if (skip < size) sink.write(recipient, data, skip, size);
      } else {
        if (skip < blockLength) sink.write(recipient, data, skip, blockLength);
        if (from < size) sink.write(recipient, data, from, size);
      }
      sink.delivered(recipient);
    }
    return true;
  }

  // The turn as [connected notices by arrival][the rest]; fills noticeIds/noticeEnds.
  private layOut(): { data: Buffer; blockLength: number } {
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
      data[at++] = NEWLINE;
      this.noticeIds[k] = newcomer.id;
      this.noticeEnds[k] = at;
    }
    newcomers.length = 0;
    this.newcomersSorted = true;
    return { data, blockLength };
  }

  // Where a recipient starts reading the notice block: after every notice of a recipient that
  // arrived no later than it (its own included).
  private noticeSkip(id: number): number {
    const ids = this.noticeIds;
    if (ids.length === 0 || id < ids[0]!) return 0;
    let low = 0;
    let high = ids.length; // first index with ids[index] > id
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (ids[mid]! <= id) low = mid + 1;
      else high = mid;
    }
    return this.noticeEnds[low - 1]!;
  }
}

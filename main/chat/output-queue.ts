/**
 * Output that a client's socket could not take at once, kept once for everyone.
 *
 * A connection is *flowing* while its socket takes each turn as it is written (the kernel
 * copies it at once: the common case, one `write` per turn). When a write leaves bytes queued
 * the connection becomes *busy*: later turns are not written to its socket at all but kept,
 * once, in a log shared by every busy connection, and when the socket has taken everything it
 * had, they go out in one corked write. So
 *  - a busy client costs nothing per turn: no write, no queued chunk, no Buffer view;
 *  - memory is real memory: a turn's Buffer is counted once however many clients still need
 *    it (the log holds the turns from the oldest one any busy client has not finished);
 *  - progress is measured in bytes the kernel actually took, as the connection's transport
 *    counts them (transport.ts): `writableLength` would only move when a whole request
 *    completed, so a slow reader would look as stuck as one that never reads.
 * A connection can also be *held* from the start (`hold`): busy before any write, its turns
 * kept until `release`, so nothing is written to a socket before its first bytes have said
 * which transport it speaks.
 */
import type net from 'node:net';
import type { Backlog, Connection } from './connection';
import type { TurnSink } from './turn-delivery';

interface LoggedTurn {
  readonly epoch: number;
  readonly lf: Buffer;
  readonly crlf: Buffer | null;
  /** Bytes of the log (both variants) before this turn: backlog sizes without walking the log. */
  readonly lfBefore: number;
  readonly crlfBefore: number;
}

/** A part of a turn other than all of it: [epoch, noticesFrom, noticesEnd, restFrom]. */
const PART_FIELDS = 4;
const EMPTY = Buffer.alloc(0);

/**
 * Bytes for one busy connection alone (a command's answer, a newcomer's catch-up), each to go
 * out after the turns up to `after[i]` it was handed when it was written.
 */
interface OwnOutput {
  readonly after: number[];
  readonly bytes: Buffer[];
  total: number;
}

/**
 * Writes a turn's bytes without one client's own part: its notices `[noticesFrom, noticesEnd)`,
 * then the rest from `restFrom`. Returns the bytes written.
 */
function writeParts(socket: net.Socket, bytes: Buffer, noticesFrom: number, noticesEnd: number, restFrom: number): number {
  let sent = 0;
  if (noticesEnd > noticesFrom) {
    socket.write(bytes.subarray(noticesFrom, noticesEnd));
    sent += noticesEnd - noticesFrom;
  }
  if (restFrom < bytes.length) {
    socket.write(bytes.subarray(restFrom));
    sent += bytes.length - restFrom;
  }
  return sent;
}

export class OutputQueue implements TurnSink<Connection> {
  /** Busy connections: their socket has bytes queued. */
  readonly busy = new Set<Connection>();
  private readonly log: LoggedTurn[] = [];
  private logHead = 0;
  private lfTotal = 0;
  private crlfTotal = 0;
  private retained = 0;
  private epoch = -1;
  private lf: Buffer = EMPTY;
  private crlf: Buffer | null = null;
  private floorStale = false;
  private readonly own = new Map<Connection, OwnOutput>();

  /** `onBusyChange(connection, busy)`: a connection became busy, or flows again. */
  constructor(private readonly onBusyChange: (connection: Connection, busy: boolean) => void) {}

  /** Bytes of turns kept for busy clients (each turn once), and so what the room's output costs. */
  get retainedBytes(): number {
    return this.retained;
  }

  // ---- the TurnSink side: one turn at a time ----------------------------------------------

  startTurn(epoch: number, lf: Buffer, crlf: Buffer | null): void {
    this.epoch = epoch;
    this.lf = lf;
    this.crlf = crlf;
  }

  write(connection: Connection, bytes: Buffer, noticesFrom: number, noticesEnd: number, restFrom: number): void {
    const whole = noticesFrom === 0 && restFrom === noticesEnd;
    const output = connection.output;
    if (output !== null) {
      if (!whole) (output.parts ??= []).push(this.epoch, noticesFrom, noticesEnd, restFrom);
      return;
    }
    const socket = connection.socket;
    if (connection.transport.encrypted) {
      this.writeEncrypted(connection, whole ? bytes : null, bytes, noticesFrom, noticesEnd, restFrom);
      return;
    }
    let sent: number;
    if (whole) {
      socket.write(bytes);
      sent = bytes.length;
    } else if (restFrom === noticesEnd) {
      if (noticesFrom >= bytes.length) return;
      socket.write(bytes.subarray(noticesFrom));
      sent = bytes.length - noticesFrom;
    } else {
      // Two parts: one corked request, so the handle's queue size covers all that is unsent.
      socket.cork();
      sent = writeParts(socket, bytes, noticesFrom, noticesEnd, restFrom);
      socket.uncork();
      if (sent === 0) return;
    }
    if (socket.writableLength > 0) this.becomeBusy(connection, sent);
  }

  /**
   * An encrypted socket never takes a write at once (the record is encrypted and written
   * below it, and the request completes later), so every turn makes it busy. Its one write
   * of the turn carries the callback that says it was taken, instead of a second, empty
   * write for that (awaitFlushed): one request per turn per TLS client instead of two.
   */
  private writeEncrypted(
    connection: Connection, whole: Buffer | null, bytes: Buffer, noticesFrom: number, noticesEnd: number, restFrom: number,
  ): void {
    const socket = connection.socket;
    let chunk: Buffer;
    if (whole !== null) chunk = whole;
    else if (restFrom === noticesEnd) {
      if (noticesFrom >= bytes.length) return;
      chunk = bytes.subarray(noticesFrom);
    } else {
      const notices = noticesEnd - noticesFrom;
      const rest = restFrom < bytes.length ? bytes.length - restFrom : 0;
      if (notices + rest === 0) return;
      // One record: the two parts copied together (a turn without the client's own lines).
      chunk = Buffer.allocUnsafe(notices + rest);
      bytes.copy(chunk, 0, noticesFrom, noticesEnd);
      if (rest > 0) bytes.copy(chunk, notices, restFrom);
    }
    connection.transport.settled(socket);
    let busyAs: Backlog | null = null;
    socket.write(chunk, () => {
      if (busyAs !== null && connection.output === busyAs) this.drained(connection);
    });
    if (socket.writableLength > 0) {
      this.becomeBusy(connection, chunk.length, false);
      busyAs = connection.output;
    }
  }

  endTurn(): void {
    if (this.busy.size === 0) return;
    if (this.floorStale) this.trim();
    const crlf = this.crlf;
    this.log.push({ epoch: this.epoch, lf: this.lf, crlf, lfBefore: this.lfTotal, crlfBefore: this.crlfTotal });
    this.lfTotal += this.lf.length;
    this.retained += this.lf.length;
    if (crlf) {
      this.crlfTotal += crlf.length;
      this.retained += crlf.length;
    }
    this.lf = EMPTY;
    this.crlf = null;
  }

  // ---- per connection ---------------------------------------------------------------------

  /**
   * `bytes` for `connection` alone, after every turn it was handed so far: written at once
   * while it flows, kept (and counted in its unsent bytes, so the output budget judges it
   * like any output) while it is busy.
   */
  writeOwn(connection: Connection, bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (connection.output !== null) {
      let own = this.own.get(connection);
      if (own === undefined) this.own.set(connection, (own = { after: [], bytes: [], total: 0 }));
      own.after.push(this.epoch);
      own.bytes.push(bytes);
      own.total += bytes.length;
      return;
    }
    const socket = connection.socket;
    if (connection.transport.encrypted) connection.transport.settled(socket);
    socket.write(bytes);
    if (socket.writableLength > 0) this.becomeBusy(connection, bytes.length);
  }

  /** Bytes `connection` has been given but its peer has not taken yet (0 while flowing). */
  unsentBytes(connection: Connection): number {
    const output = connection.output;
    if (output === null) return 0;
    const own = this.own.get(connection)?.total ?? 0;
    return connection.transport.unsentBytes(connection.socket) + this.backlogBytes(connection, output) + own;
  }

  /**
   * Bytes the kernel has taken of what `connection` was handed since it became busy (0 while
   * flowing): differences between two readings are its progress.
   */
  takenBytes(connection: Connection): number {
    const output = connection.output;
    return output === null ? 0 : output.dispatched - connection.transport.unsentBytes(connection.socket);
  }

  /**
   * Keeps every turn from now on for `connection` (which has had no output yet) until
   * `release`: it is busy, with nothing written.
   */
  hold(connection: Connection): void {
    if (connection.output !== null) return;
    connection.output = { dispatched: 0, inflightFrom: this.epoch + 1, backlogFrom: this.epoch + 1, parts: null };
    this.busy.add(connection);
    this.onBusyChange(connection, true);
  }

  /** Writes what `hold` kept to the connection's socket (its socket now), and lets it flow. */
  release(connection: Connection): void {
    if (connection.output !== null && connection.output.dispatched === 0) this.drained(connection);
  }

  /** The connection is gone: it holds no turns any more. */
  remove(connection: Connection): void {
    this.own.delete(connection);
    if (connection.output === null) return;
    connection.output = null;
    this.busy.delete(connection);
    this.floorStale = true;
    if (this.busy.size === 0) this.trim();
  }

  close(): void {
    this.own.clear();
    for (const connection of this.busy) connection.output = null;
    this.busy.clear();
    this.trim();
  }

  // A write of `sent` bytes left some queued: from the next turn on, turns wait in the log.
  // `awaitFlush` false: the write itself carries the callback (writeEncrypted).
  private becomeBusy(connection: Connection, sent: number, awaitFlush = true): void {
    connection.output = { dispatched: sent, inflightFrom: this.epoch, backlogFrom: this.epoch + 1, parts: null };
    this.busy.add(connection);
    if (awaitFlush) this.awaitFlushed(connection);
    this.onBusyChange(connection, true);
  }

  // 'drain' only fires when a write went past the high-water mark; an empty write's callback
  // runs once everything queued before it was taken, whatever the amount.
  private awaitFlushed(connection: Connection): void {
    connection.socket.write(EMPTY, () => this.drained(connection));
  }

  // Its socket took everything it had: write the backlog, or flow again.
  private drained(connection: Connection): void {
    const output = connection.output;
    if (output === null) return; // removed meanwhile
    this.floorStale = true;
    const socket = connection.socket;
    const first = this.indexOfEpoch(output.backlogFrom);
    const parts = output.parts;
    output.parts = null;
    const own = this.own.get(connection);
    this.own.delete(connection);
    let sent = 0;
    if ((first < this.log.length || own !== undefined) && !socket.destroyed) {
      connection.transport.settled(socket);
      let part = 0;
      let mine = 0;
      socket.cork();
      for (let i = first; i < this.log.length; i++) {
        const turn = this.log[i]!;
        for (; own !== undefined && mine < own.bytes.length && own.after[mine]! < turn.epoch; mine++) {
          socket.write(own.bytes[mine]!);
          sent += own.bytes[mine]!.length;
        }
        const bytes = connection.crlf && turn.crlf ? turn.crlf : turn.lf;
        while (parts && part < parts.length && parts[part]! < turn.epoch) part += PART_FIELDS;
        if (parts && part < parts.length && parts[part] === turn.epoch) {
          sent += writeParts(socket, bytes, parts[part + 1]!, parts[part + 2]!, parts[part + 3]!);
        } else {
          socket.write(bytes);
          sent += bytes.length;
        }
      }
      for (; own !== undefined && mine < own.bytes.length; mine++) {
        socket.write(own.bytes[mine]!);
        sent += own.bytes[mine]!.length;
      }
      socket.uncork();
    }
    if (sent > 0 && socket.writableLength > 0) {
      output.dispatched += sent;
      output.inflightFrom = output.backlogFrom;
      output.backlogFrom = this.epoch + 1;
      this.awaitFlushed(connection);
      return;
    }
    connection.output = null;
    this.busy.delete(connection);
    this.onBusyChange(connection, false);
    if (this.busy.size === 0) this.trim();
  }

  private backlogBytes(connection: Connection, output: Backlog): number {
    const first = this.indexOfEpoch(output.backlogFrom);
    if (first >= this.log.length) return 0;
    const turn = this.log[first]!;
    return connection.crlf && turn.crlf ? this.crlfTotal - turn.crlfBefore : this.lfTotal - turn.lfBefore;
  }

  // Index of the first logged turn at or after `epoch` (log.length if none).
  private indexOfEpoch(epoch: number): number {
    let low = this.logHead;
    let high = this.log.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.log[mid]!.epoch < epoch) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  // Drops the turns no busy connection needs any more.
  private trim(): void {
    this.floorStale = false;
    let floor = Infinity;
    for (const connection of this.busy) {
      const from = connection.output!.inflightFrom;
      if (from < floor) floor = from;
    }
    const log = this.log;
    let head = this.logHead;
    while (head < log.length && log[head]!.epoch < floor) {
      const turn = log[head]!;
      this.retained -= turn.lf.length + (turn.crlf ? turn.crlf.length : 0);
      head++;
    }
    if (head === log.length) {
      log.length = 0;
      head = 0;
      this.lfTotal = 0;
      this.crlfTotal = 0;
      this.retained = 0;
    } else if (head > 1024 && head > log.length / 2) {
      log.splice(0, head);
      head = 0;
    }
    this.logHead = head;
  }
}

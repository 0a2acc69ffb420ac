/**
 * ChatServer: the Tincan room. One Node event loop, any number of clients.
 *
 * Fan-out is the whole job, so it is built around one idea: everything said during an
 * event-loop turn is framed once into a single Buffer and, at the end of the turn, that same
 * Buffer (or a slice of it) is written to every client with one write each. Nothing is
 * copied per recipient.
 *
 * The turn's Buffer is laid out as [the `(connected)` notices announced this turn, in order of
 * arrival][everything else, in the order it happened]. A notice goes to the clients that were
 * there when the newcomer arrived, i.e. those that arrived before it: for a recipient, the
 * notices it must not get (its own and those of clients older than it) are a prefix of the
 * notice block, found by binary search, and a client that arrived during the turn starts
 * reading the rest at its arrival. So announcing late (see `admitDelayMs`) changes nothing
 * about who hears what.
 *
 * Robustness rules (see issue "Tincan foundation"):
 *  - lines are bounded (LineDecoder) and cleaned of anything a terminal would act on;
 *  - a client whose unsent output passes `maxClientOutputBytes` is cut as too slow;
 *  - when all queued output passes `outputBudgetBytes` the server stops reading until it
 *    drains (backpressure on the senders instead of unbounded buffering); if, while paused,
 *    a client makes no progress at all for `stallTimeoutMs`, it is cut so the room moves on;
 *  - HTTP and TLS openings are closed at once and never announced (opening-sniffer.ts);
 *  - accept errors (out of file descriptors) are counted and reported, never fatal.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { LineDecoder, DEFAULT_MAX_LINE_BYTES } from './line-decoder';
import { classifyOpening, MAX_OPENING_BYTES } from './opening-sniffer';
import { formatHost } from '../common/address';
import { CONNECTED_TEXT, DISCONNECTED_TEXT, formatPeer } from './protocol';
import { TurnBuffer } from './turn-buffer';
import type {
  ChatServerEvents,
  ChatServerOptions,
  ClientInfo,
  LeaveReason,
  ListeningAddress,
  ListenOptions,
  ServerStats,
} from './types';

export const DEFAULT_MAX_CLIENT_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_OUTPUT_BUDGET_BYTES = 64 * 1024 * 1024;
export const DEFAULT_ADMIT_DELAY_MS = 50;
const ADMIT_TICK_MS = 20;
const ADMIT_BACKOFF_FACTOR = 1.5;
const STALL_TIMEOUT_MS = 2000;
const CLOSE_GRACE_MS = 1000;
const LINGER_AFTER_END_MS = 10_000;
const CONNECTED_BYTES = Buffer.from(CONNECTED_TEXT);
const DISCONNECTED_BYTES = Buffer.from(DISCONNECTED_TEXT);
const NEWLINE = 0x0a;
const ROOM_FULL_BYTES = Buffer.from('Tincan: this room is full, try again later.\n');

const enum Phase {
  /** Connected and receiving, not yet announced (waiting to see it is not HTTP/TLS). */
  Pending,
  Announced,
  Closed,
}

/**
 * When descriptors run out, libuv accepts and closes the waiting connections itself (so the
 * loop neither spins nor crashes) and tells nobody. To tell the operator, we watch how close
 * the open descriptors are to the limit; Linux only (reads /proc), silent elsewhere.
 */
class DescriptorWatch {
  private warned = false;

  private constructor(
    readonly limit: number,
    private baseline: number,
  ) {}

  static forThisProcess(): DescriptorWatch | null {
    try {
      const limits = fs.readFileSync('/proc/self/limits', 'utf8');
      const match = /^Max open files\s+(\d+)/m.exec(limits);
      if (!match) return null;
      return new DescriptorWatch(Number(match[1]), DescriptorWatch.openNow());
    } catch {
      return null;
    }
  }

  private static openNow(): number {
    return fs.readdirSync('/proc/self/fd').length;
  }

  /** After an accept; true once per episode when the process has reached its limit. */
  taken(connections: number): boolean {
    if (this.warned || this.baseline + connections < this.limit - DESCRIPTOR_MARGIN) return false;
    const open = DescriptorWatch.openNow(); // exact count, only near the limit
    this.baseline = open - connections;
    // libuv keeps one descriptor in reserve for its accept-and-close trick.
    if (open < this.limit - 2) return false;
    this.warned = true;
    return true;
  }

  released(connections: number): void {
    if (this.warned && this.baseline + connections < this.limit - DESCRIPTOR_MARGIN) this.warned = false;
  }
}
const DESCRIPTOR_MARGIN = 32;

const CONNECTION = Symbol('tincan.connection');
type TaggedSocket = net.Socket & { [CONNECTION]?: Connection };

class Connection {
  index = -1;
  phase = Phase.Pending;
  /** Still looking at the first bytes; `openingHead` holds them while undecided. */
  sniffing = true;
  openingHead: Buffer | null = null;
  rejected = false;
  leaving = false;
  hadError = false;
  linesSent = 0;
  /** Bytes handed to the socket so far; progress = written - socket.writableLength. */
  written = 0;
  progressMark = 0;
  congested = false;
  /** Set while `markEpoch` equals the server's epoch: it arrived mid-turn at this offset. */
  markEpoch = -1;
  receiveFrom = 0;
  admitAt = 0;

  constructor(
    readonly owner: ChatServer,
    readonly id: number,
    readonly socket: TaggedSocket,
    readonly peer: string,
    readonly prefix: Buffer,
    readonly connectedAt: number,
  ) {}

  /** Made on the first byte received: a client that only listens costs no decoder. */
  decoder: LineDecoder | null = null;

  info(): ClientInfo {
    return { id: this.id, peer: this.peer, connectedAt: this.connectedAt, linesSent: this.linesSent };
  }
}

function positiveInteger(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min} (got ${value})`);
  return value;
}

/** Why listening failed, as a sentence a person can act on. */
export function describeListenError(error: NodeJS.ErrnoException, port: number, host: string | undefined): string {
  const where = host && host !== '::' && host !== '0.0.0.0' ? ` on ${formatHost(host)}` : '';
  switch (error.code) {
    case 'EADDRINUSE':
      return `Port ${port} is already in use${where}: another program (maybe another Tincan) is listening there. Stop it or choose another port.`;
    case 'EACCES':
    case 'EPERM':
      return `Not permitted to listen on port ${port}${where}: ports below 1024 need administrator rights. Choose a port from 1024 to 65535, such as 60003.`;
    case 'EADDRNOTAVAIL':
      return `This computer has no address ${host ?? ''}: choose one of its own addresses, or listen on all interfaces.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Unknown host ${host ?? ''}: cannot listen there.`;
    default:
      return `Could not listen on port ${port}${where}: ${error.message}`;
  }
}

export class ChatServer extends EventEmitter<ChatServerEvents> {
  private readonly maxLineBytes: number;
  private readonly maxClientOutputBytes: number;
  private readonly maxClients: number;
  private readonly outputBudgetBytes: number;
  private readonly admitDelayMs: number;

  private server: net.Server | null = null;
  private bound: ListeningAddress | null = null;
  private closing: Promise<void> | null = null;

  private readonly connections: Connection[] = [];
  private readonly turn = new TurnBuffer();
  private epoch = 0;
  private flushScheduled = false;
  private readonly leaving: Connection[] = [];
  /** Clients announced this turn (their `(connected)` notices), and the block laid out at flush. */
  private readonly noticesThisTurn: Connection[] = [];
  private noticesSorted = true;
  private readonly noticeIds: number[] = [];
  private readonly noticeEnds: number[] = [];
  private blockLength = 0;
  private readonly congested = new Set<Connection>();
  private readingPaused = false;
  private budgetCheckScheduled = false;
  private stallTimer: NodeJS.Timeout | null = null;

  private readonly admitQueue: Connection[] = [];
  private admitHead = 0;
  private admitTimer: NodeJS.Timeout | null = null;
  private admitNotBefore = 0;

  private nextId = 1;
  private descriptors: DescriptorWatch | null = null;
  private current: Connection | null = null;
  private readonly counters: ServerStats = {
    clientsNow: 0,
    totalJoined: 0,
    linesRelayed: 0,
    slowClientsCut: 0,
    connectionsRefused: 0,
    connectionsRejected: 0,
  };

  constructor(options: ChatServerOptions = {}) {
    super();
    this.maxLineBytes = positiveInteger('maxLineBytes', options.maxLineBytes, DEFAULT_MAX_LINE_BYTES, 16);
    this.maxClientOutputBytes = positiveInteger(
      'maxClientOutputBytes', options.maxClientOutputBytes, DEFAULT_MAX_CLIENT_OUTPUT_BYTES, 1024);
    this.maxClients = positiveInteger('maxClients', options.maxClients, 0, 0);
    this.outputBudgetBytes = positiveInteger(
      'outputBudgetBytes', options.outputBudgetBytes, DEFAULT_OUTPUT_BUDGET_BYTES, 1024);
    this.admitDelayMs = positiveInteger('admitDelayMs', options.admitDelayMs, DEFAULT_ADMIT_DELAY_MS, 0);
  }

  // ---- public surface ------------------------------------------------------------------

  /**
   * Starts listening. No host (or '0.0.0.0' / '::') means every interface, IPv4 and IPv6.
   * Rejects with an Error whose message says what went wrong and what to do.
   */
  async listen(options: ListenOptions): Promise<ListeningAddress> {
    if (this.server) throw new Error('This server is already listening.');
    if (this.closing) throw new Error('This server has been closed.');
    const { port } = options;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`Port must be a whole number from 0 to 65535 (got ${String(port)}).`);
    }
    const host = options.host === '' ? undefined : options.host;
    const everywhere = host === undefined || host === '0.0.0.0' || host === '::';
    try {
      this.bound = await this.listenOn(everywhere ? '::' : host, port);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (everywhere && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) {
        // No IPv6 on this machine: IPv4 alone is still every interface there is.
        try {
          this.bound = await this.listenOn('0.0.0.0', port);
        } catch (fallbackError) {
          throw new Error(describeListenError(fallbackError as NodeJS.ErrnoException, port, host), { cause: fallbackError });
        }
      } else {
        throw new Error(describeListenError(error as NodeJS.ErrnoException, port, host), { cause: error });
      }
    }
    return this.bound;
  }

  address(): ListeningAddress | null {
    return this.bound;
  }

  get stats(): ServerStats {
    return { ...this.counters };
  }

  /** Clients in the room (announced ones), oldest first. */
  clients(): ClientInfo[] {
    return this.connections
      .filter((connection) => connection.phase === Phase.Announced)
      .sort((a, b) => a.id - b.id)
      .map((connection) => connection.info());
  }

  /**
   * Stops listening, delivers what is already said, says goodbye to everyone (FIN), and
   * resolves once every socket is closed and the port is free.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = this.shutDown();
    return this.closing;
  }

  // ---- listening and accepting ----------------------------------------------------------

  private listenOn(host: string, port: number): Promise<ListeningAddress> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: 30_000 });
      const onError = (error: Error) => {
        server.close();
        reject(error);
      };
      server.once('error', onError);
      server.listen({ host, port, ipv6Only: false, backlog: 4096 }, () => {
        server.off('error', onError);
        server.on('error', (error) => this.onServerError(error));
        server.on('connection', (socket) => this.onConnection(socket));
        this.server = server;
        this.descriptors = DescriptorWatch.forThisProcess();
        const address = server.address() as net.AddressInfo;
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  private onServerError(error: NodeJS.ErrnoException): void {
    // Usually libuv answers EMFILE itself by accepting and closing the waiting connection
    // (its reserve-fd trick) and we never hear of it (DescriptorWatch covers that); should an
    // accept error reach us anyway, it is counted and reported, never fatal.
    if (error.code === 'EMFILE' || error.code === 'ENFILE') {
      this.counters.connectionsRefused++;
      this.report(new Error(`Out of file descriptors (${error.code}): refusing new connections until some close.`));
      return;
    }
    this.report(error);
  }

  private onConnection(raw: net.Socket): void {
    const socket = raw as TaggedSocket;
    if (this.closing) {
      socket.destroy();
      return;
    }
    const address = socket.remoteAddress;
    const port = socket.remotePort;
    if (address === undefined || port === undefined) {
      socket.destroy(); // gone before we saw it
      return;
    }
    if (this.maxClients > 0 && this.connections.length >= this.maxClients) {
      this.counters.connectionsRefused++;
      socket.on('error', ignore);
      socket.end(ROOM_FULL_BYTES);
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      return;
    }
    const peer = formatPeer(address, port);
    const connection = new Connection(
      this,
      this.nextId++,
      socket,
      peer,
      Buffer.from(`[${peer}] `),
      Date.now(),
    );
    socket[CONNECTION] = connection;
    connection.index = this.connections.length;
    this.connections.push(connection);
    if (this.descriptors?.taken(this.connections.length)) {
      this.report(new Error(
        `Out of file descriptors: ${this.connections.length} connections are open and this process may ` +
        `have ${this.descriptors.limit} files open; new connections are turned away until some close ` +
        `(raise the limit with ulimit -n).`,
      ));
    }
    // It hears everything said from now on, starting with the rest of this turn.
    connection.markEpoch = this.epoch;
    connection.receiveFrom = this.turn.length;

    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    if (this.readingPaused) socket.pause();

    if (this.admitDelayMs === 0) {
      this.announce(connection);
    } else {
      // Deadlines are rounded up to a common tick so that a crowd arriving together is
      // announced in a few turns: each turn with notices costs one write per client, and a
      // join storm is quadratic in notices.
      const now = performance.now();
      connection.admitAt = Math.ceil((now + this.admitDelayMs) / ADMIT_TICK_MS) * ADMIT_TICK_MS;
      this.admitQueue.push(connection);
      if (!this.admitTimer) this.armAdmitTimer(connection.admitAt - now);
    }
  }

  // ---- announcing ------------------------------------------------------------------------

  private armAdmitTimer(delay: number): void {
    this.admitTimer = setTimeout(this.admitDue, Math.max(0, delay));
    this.admitTimer.unref();
  }

  private readonly admitDue = (): void => {
    this.admitTimer = null;
    const now = performance.now();
    if (now < this.admitNotBefore) {
      this.armAdmitTimer(this.admitNotBefore - now);
      return;
    }
    const queue = this.admitQueue;
    while (this.admitHead < queue.length) {
      const connection = queue[this.admitHead]!;
      if (connection.phase === Phase.Pending) {
        if (connection.admitAt > now) break;
        this.announce(connection);
      }
      this.admitHead++;
    }
    if (this.admitHead === queue.length) {
      queue.length = 0;
      this.admitHead = 0;
    } else {
      if (this.admitHead > 1024) {
        queue.splice(0, this.admitHead);
        this.admitHead = 0;
      }
      this.armAdmitTimer(queue[this.admitHead]!.admitAt - now);
    }
  };

  private announce(connection: Connection): void {
    connection.phase = Phase.Announced;
    this.counters.totalJoined++;
    this.counters.clientsNow++;
    this.queueConnectedNotice(connection);
    this.emitSafely('join', connection.info());
  }

  // ---- reading -----------------------------------------------------------------------------

  /** @internal */
  handleData(connection: Connection, chunk: Buffer): void {
    if (connection.phase === Phase.Closed || connection.leaving) return;
    let bytes: Buffer | null = chunk;
    if (connection.sniffing) {
      bytes = this.sniff(connection, chunk);
      if (bytes === null) return;
    }
    if (connection.phase === Phase.Pending) this.announce(connection);
    this.decode(connection, bytes, false);
  }

  // Feeds the connection's decoder; its lines reach onDecodedLine, which needs `current`.
  private decode(connection: Connection, bytes: Buffer | null, end: boolean): void {
    if (bytes === null && connection.decoder === null) return; // never said anything
    this.current = connection;
    try {
      const decoder = (connection.decoder ??= new LineDecoder(this.maxLineBytes, this.onDecodedLine));
      if (bytes !== null) decoder.push(bytes);
      if (end) decoder.end();
    } finally {
      this.current = null;
    }
  }

  // Returns the bytes to decode once the opening is known to be chat; null while undecided or rejected.
  private sniff(connection: Connection, chunk: Buffer): Buffer | null {
    const head = connection.openingHead ? Buffer.concat([connection.openingHead, chunk]) : chunk;
    const opening = classifyOpening(head.subarray(0, MAX_OPENING_BYTES));
    if (opening === 'undecided') {
      connection.openingHead = Buffer.from(head);
      return null;
    }
    connection.sniffing = false;
    connection.openingHead = null;
    if (opening === 'chat') return head;
    connection.rejected = true;
    this.counters.connectionsRejected++;
    connection.socket.destroy();
    this.drop(connection, 'rejected');
    return null;
  }

  private readonly onDecodedLine = (line: Buffer): void => {
    const connection = this.current!;
    connection.linesSent++;
    this.counters.linesRelayed++;
    this.turn.appendFrame(connection.prefix, line);
    this.scheduleFlush();
    if (this.listenerCount('message') > 0) this.emitSafely('message', connection.info(), line.toString('utf8'));
  };

  /** @internal */
  handleEnd(connection: Connection): void {
    if (connection.phase === Phase.Closed || connection.leaving) return;
    // The peer is done sending; whatever it typed without a newline still counts. It may
    // still be reading, so it gets the rest of this turn (its own last line included).
    // An opening still undecided at the end (say "GE") was chat after all.
    const head = connection.sniffing ? connection.openingHead : null;
    connection.sniffing = false;
    connection.openingHead = null;
    if (head !== null && connection.phase === Phase.Pending) this.announce(connection);
    this.decode(connection, head, true);
    connection.leaving = true;
    this.leaving.push(connection);
    this.scheduleFlush();
  }

  /** @internal */
  handleError(connection: Connection): void {
    connection.hadError = true;
    connection.decoder?.reset();
  }

  /** @internal */
  handleClose(connection: Connection): void {
    this.drop(connection, connection.hadError ? 'reset' : 'left');
  }

  /** @internal */
  handleDrain(connection: Connection): void {
    if (!connection.congested) return;
    connection.congested = false;
    this.congested.delete(connection);
    if (this.readingPaused) this.scheduleBudgetCheck();
  }

  // ---- leaving -----------------------------------------------------------------------------

  private drop(connection: Connection, reason: LeaveReason): void {
    if (connection.phase === Phase.Closed) return;
    const wasPending = connection.phase === Phase.Pending;
    if (!wasPending) this.counters.clientsNow--;
    connection.phase = Phase.Closed;
    this.removeFromRoom(connection);
    this.descriptors?.released(this.connections.length);
    if (connection.rejected && wasPending) return; // never announced, never mentioned
    if (wasPending) {
      // It left before we announced it: announce both, so everyone sees a consistent pair.
      this.counters.totalJoined++;
      this.queueConnectedNotice(connection);
      this.emitSafely('join', connection.info());
    }
    this.turn.appendFrame(connection.prefix, DISCONNECTED_BYTES);
    this.scheduleFlush();
    this.emitSafely('leave', connection.info(), reason);
  }

  private removeFromRoom(connection: Connection): void {
    const list = this.connections;
    const index = connection.index;
    if (index >= 0 && list[index] === connection) {
      const last = list.pop()!;
      if (last !== connection) {
        list[index] = last;
        last.index = index;
      }
    }
    connection.index = -1;
    if (connection.congested) {
      connection.congested = false;
      this.congested.delete(connection);
    }
  }

  // ---- writing -----------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  private queueConnectedNotice(connection: Connection): void {
    const notices = this.noticesThisTurn;
    if (notices.length > 0 && notices[notices.length - 1]!.id > connection.id) this.noticesSorted = false;
    notices.push(connection);
    this.scheduleFlush();
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const epoch = this.epoch++;
    if (this.turn.length > 0 || this.noticesThisTurn.length > 0) {
      const started = performance.now();
      this.deliver(this.takeTurn(), epoch);
      const finished = performance.now();
      // Node accepts one connection per event-loop turn. If every turn also fanned notices
      // out to a large room, a join storm would starve the accepts (the listen queue then
      // overflows and clients wait for SYN retries). So the next batch of notices waits
      // until the loop has had time for other work: fan-out takes at most ~40% of the time.
      this.admitNotBefore = finished + (finished - started) * ADMIT_BACKOFF_FACTOR;
    }
    if (this.leaving.length > 0) this.finishLeaving();
  };

  // Lays the turn out as [connected notices by arrival][the rest]; fills noticeIds/noticeEnds.
  private takeTurn(): Buffer {
    const notices = this.noticesThisTurn;
    if (!this.noticesSorted) notices.sort((a, b) => a.id - b.id);
    let blockLength = 0;
    for (const notice of notices) blockLength += notice.prefix.length + CONNECTED_BYTES.length + 1;
    const data = this.turn.take(blockLength);
    let at = 0;
    this.noticeIds.length = notices.length;
    this.noticeEnds.length = notices.length;
    for (let k = 0; k < notices.length; k++) {
      const notice = notices[k]!;
      at += notice.prefix.copy(data, at);
      at += CONNECTED_BYTES.copy(data, at);
      data[at++] = NEWLINE;
      this.noticeIds[k] = notice.id;
      this.noticeEnds[k] = at;
    }
    notices.length = 0;
    this.noticesSorted = true;
    this.blockLength = blockLength;
    return data;
  }

  // Where a recipient starts reading the notice block: after every notice of a client that
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

  private deliver(data: Buffer, epoch: number): void {
    const list = this.connections;
    const cap = this.maxClientOutputBytes;
    const size = data.length;
    const blockLength = this.blockLength;
    const firstNoticeId = this.noticeIds.length > 0 ? this.noticeIds[0]! : Infinity;
    let tooSlow: Connection[] | null = null;
    for (let i = 0; i < list.length; i++) {
      const connection = list[i]!;
      const socket = connection.socket;
      const skip = connection.id < firstNoticeId ? 0 : this.noticeSkip(connection.id);
      const from = connection.markEpoch === epoch ? blockLength + connection.receiveFrom : blockLength;
      if (from === blockLength) {
        if (skip < size) {
          socket.write(skip === 0 ? data : data.subarray(skip));
          connection.written += size - skip;
        }
      } else {
        if (skip < blockLength) socket.write(data.subarray(skip, blockLength));
        if (from < size) socket.write(data.subarray(from));
        connection.written += blockLength - skip + size - from;
      }
      const queued = socket.writableLength;
      if (queued > 0) {
        if (queued > cap) (tooSlow ??= []).push(connection);
        else if (!connection.congested) {
          connection.congested = true;
          this.congested.add(connection);
          socket.once('drain', onSocketDrain);
        }
      }
    }
    if (tooSlow) for (const connection of tooSlow) this.cutSlow(connection);
    if (this.congested.size > 0) this.checkBudget();
  }

  private finishLeaving(): void {
    for (const connection of this.leaving.splice(0)) {
      if (connection.phase === Phase.Closed) continue;
      const socket = connection.socket;
      socket.end();
      // A peer that half-closed and then never reads would hold its descriptor for ever.
      setTimeout(() => socket.destroy(), LINGER_AFTER_END_MS).unref();
      this.drop(connection, 'left');
    }
  }

  private cutSlow(connection: Connection): void {
    if (connection.phase === Phase.Closed) return;
    this.counters.slowClientsCut++;
    connection.socket.destroy();
    this.drop(connection, 'slow');
  }

  // ---- backpressure ------------------------------------------------------------------------

  private queuedBytes(): number {
    let total = 0;
    for (const connection of this.congested) total += connection.socket.writableLength;
    return total;
  }

  private scheduleBudgetCheck(): void {
    if (this.budgetCheckScheduled) return;
    this.budgetCheckScheduled = true;
    setImmediate(() => {
      this.budgetCheckScheduled = false;
      this.checkBudget();
    });
  }

  private checkBudget(): void {
    const queued = this.queuedBytes();
    if (!this.readingPaused && queued > this.outputBudgetBytes) this.pauseReading();
    else if (this.readingPaused && queued <= this.outputBudgetBytes / 2) this.resumeReading();
  }

  private pauseReading(): void {
    this.readingPaused = true;
    for (const connection of this.connections) connection.socket.pause();
    for (const connection of this.congested) connection.progressMark = connection.written - connection.socket.writableLength;
    this.stallTimer = setInterval(this.cutStalled, STALL_TIMEOUT_MS);
    this.stallTimer.unref();
  }

  private resumeReading(): void {
    this.readingPaused = false;
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.stallTimer = null;
    for (const connection of this.connections) connection.socket.resume();
  }

  // While reading is paused, a client that took nothing at all for a whole period is stuck;
  // waiting for it would stall the room for ever.
  private readonly cutStalled = (): void => {
    for (const connection of [...this.congested]) {
      const progress = connection.written - connection.socket.writableLength;
      if (progress === connection.progressMark) this.cutSlow(connection);
      else connection.progressMark = progress;
    }
    this.checkBudget();
  };

  // ---- closing -----------------------------------------------------------------------------

  private async shutDown(): Promise<void> {
    if (this.admitTimer) clearTimeout(this.admitTimer);
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.admitTimer = null;
    this.stallTimer = null;
    // What was said before closing is still delivered.
    if (this.turn.length > 0 || this.noticesThisTurn.length > 0) this.deliver(this.takeTurn(), this.epoch++);
    const server = this.server;
    const stopped = server
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    const sockets = this.connections.map((connection) => connection.socket);
    for (const connection of [...this.connections]) {
      const announced = connection.phase === Phase.Announced;
      if (announced) this.counters.clientsNow--;
      connection.phase = Phase.Closed;
      this.removeFromRoom(connection);
      if (announced) this.emitSafely('leave', connection.info(), 'server-closed');
    }
    for (const socket of sockets) {
      if (socket.isPaused()) socket.resume();
      socket.end();
    }
    const force = setTimeout(() => {
      for (const socket of sockets) socket.destroy();
    }, CLOSE_GRACE_MS);
    force.unref();
    await stopped;
    clearTimeout(force);
    this.server = null;
  }

  // ---- events --------------------------------------------------------------------------------

  private report(error: Error): void {
    if (this.listenerCount('error') > 0) this.emitSafely('error', error);
  }

  // A listener that throws must not take the server (or the socket callback) down with it.
  private emitSafely<K extends keyof ChatServerEvents>(event: K, ...args: ChatServerEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: ChatServerEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      if (event !== 'error' && this.listenerCount('error') > 0) {
        try {
          this.emit('error', error instanceof Error ? error : new Error(String(error)));
        } catch {
          // nothing more we can do
        }
      }
    }
  }
}

// Socket handlers shared by every connection (no closures per client: idle clients cost less).
function ignore(): void {}

function onSocketData(this: TaggedSocket, chunk: Buffer): void {
  const connection = this[CONNECTION];
  connection?.owner.handleData(connection, chunk);
}
function onSocketEnd(this: TaggedSocket): void {
  const connection = this[CONNECTION];
  connection?.owner.handleEnd(connection);
}
function onSocketError(this: TaggedSocket): void {
  const connection = this[CONNECTION];
  connection?.owner.handleError(connection);
}
function onSocketClose(this: TaggedSocket): void {
  const connection = this[CONNECTION];
  connection?.owner.handleClose(connection);
}
function onSocketDrain(this: TaggedSocket): void {
  const connection = this[CONNECTION];
  connection?.owner.handleDrain(connection);
}

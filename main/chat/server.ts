/**
 * ChatServer: the Tincan room. One Node event loop, any number of clients.
 *
 * This file accepts, reads and says goodbye; the rest has a file of its own:
 *  - connection.ts: one client's state (handlers are bound once per server, not per client);
 *  - admission.ts: when a newcomer's `(connected)` notice goes out;
 *  - turn-delivery.ts: the per-turn fan-out (one Buffer per turn, the notice block);
 *  - output-budget.ts: slow clients and backpressure;
 *  - descriptor-watch.ts: telling the operator that descriptors ran out;
 *  - sequencer.ts: the hook that lets something else (a cluster) own the room's order.
 *
 * With a sequencer, what local clients do goes to it instead of into the turn, and the
 * room's events come back from it in the one order every node shows (`SequencedRoom`
 * below); a local client hears the room from right after its own join comes back.
 *
 * Robustness rules (see issue "Tincan foundation"):
 *  - lines are bounded (LineDecoder) and cleaned of anything a terminal would act on;
 *  - a client whose unsent output passes `maxClientOutputBytes` is cut as too slow;
 *  - when all queued output passes `outputBudgetBytes` the server stops reading until it
 *    drains (backpressure on the senders instead of unbounded buffering); see output-budget.ts;
 *  - HTTP and TLS openings are closed at once and never announced (opening-sniffer.ts);
 *  - accept errors (out of file descriptors) are counted and reported, never fatal.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { formatHost } from '../common/address';
import { AdmissionQueue } from './admission';
import { Connection, Phase, socketHandlers, type SocketHandlers } from './connection';
import { DescriptorWatch } from './descriptor-watch';
import { LineDecoder, DEFAULT_MAX_LINE_BYTES } from './line-decoder';
import { classifyOpening, MAX_OPENING_BYTES } from './opening-sniffer';
import { OutputBudget } from './output-budget';
import { CONNECTED_TEXT, DISCONNECTED_TEXT, formatPeer } from './protocol';
import type { RoomSequencer, SequencedRoom } from './sequencer';
import { TurnDelivery, type TurnSink } from './turn-delivery';
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
const CLOSE_GRACE_MS = 1000;
const LINGER_AFTER_END_MS = 10_000;
const LISTEN_BACKLOG = 4096;
const CONNECTED_BYTES = Buffer.from(CONNECTED_TEXT);
const DISCONNECTED_BYTES = Buffer.from(DISCONNECTED_TEXT);
const NO_PREFIX = Buffer.alloc(0);
const ROOM_FULL_BYTES = Buffer.from('Tincan: this room is full, try again later.\n');

/** An option that counts something: a whole number ≥ `min` (≥ 1: zero is not a count of it). */
function positiveInteger(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < Math.max(1, min)) {
    throw new RangeError(`${name} must be a whole number ≥ ${Math.max(1, min)} (got ${value})`);
  }
  return value;
}

/** An option where 0 means something (none, at once, unlimited): a whole number ≥ 0. */
function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0 (got ${value})`);
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

function ignore(): void {}

export class ChatServer extends EventEmitter<ChatServerEvents> {
  private readonly maxLineBytes: number;
  private readonly maxClients: number;

  private server: net.Server | null = null;
  private bound: ListeningAddress | null = null;
  private closing: Promise<void> | null = null;

  /** Everyone hearing the room (pending and announced), in no particular order. */
  private readonly connections: Connection[] = [];
  /**
   * With a sequencer: connected here, not hearing the room yet (their join has not come back
   * from the sequencer), by id. Always empty without one.
   */
  private readonly waiting = new Map<number, Connection>();
  /** With a sequencer: half-closed, hearing the room until their own departure comes back. */
  private readonly departing = new Map<number, Connection>();
  private readonly sequencer: RoomSequencer | null;
  /** Cleans lines that come from the sequencer with the same rules as a client's. */
  private sequencedLines: LineDecoder | null = null;
  private sequencedPrefix: Buffer = NO_PREFIX;
  /** Something other than departing clients' own notices was said since the last turn. */
  private saidSinceTurn = false;
  /** Reading from clients is held by the output budget, and/or by the sequencer. */
  private budgetHoldsReading = false;
  private sequencerHoldsReading = false;
  private readingStopped = false;
  private readonly outputFlowing: Array<() => void> = [];
  private readonly leaving: Connection[] = [];
  private readonly delivery = new TurnDelivery();
  private readonly admission: AdmissionQueue<Connection>;
  private readonly budget: OutputBudget;
  private readonly handlers: SocketHandlers;
  private readonly sink: TurnSink<Connection>;
  private tooSlow: Connection[] = [];
  private flushScheduled = false;
  private nextId = 1;
  private descriptors: DescriptorWatch | null = null;
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
    const maxClientOutputBytes = positiveInteger(
      'maxClientOutputBytes', options.maxClientOutputBytes, DEFAULT_MAX_CLIENT_OUTPUT_BYTES, 1024);
    this.maxClients = nonNegativeInteger('maxClients', options.maxClients, 0);
    const outputBudgetBytes = positiveInteger(
      'outputBudgetBytes', options.outputBudgetBytes, DEFAULT_OUTPUT_BUDGET_BYTES, 1024);
    const admitDelayMs = nonNegativeInteger('admitDelayMs', options.admitDelayMs, DEFAULT_ADMIT_DELAY_MS);

    this.admission = new AdmissionQueue(admitDelayMs, (connection) => this.announce(connection));
    this.budget = new OutputBudget(maxClientOutputBytes, outputBudgetBytes, {
      setReading: (reading) => {
        this.budgetHoldsReading = !reading;
        this.updateReading();
      },
      cutSlow: (connection) => this.cutSlow(connection),
      watchDrain: (connection) => connection.watchDrain(this.handlers),
    });
    this.sink = {
      write: (connection, bytes, start, end) => {
        connection.socket.write(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
        connection.written += end - start;
      },
      delivered: (connection) => {
        if (!this.budget.afterWrite(connection)) this.tooSlow.push(connection);
      },
    };
    this.handlers = socketHandlers({
      data: (connection, chunk) => this.onData(connection, chunk),
      end: (connection) => this.onEnd(connection),
      error: (connection) => this.onError(connection),
      close: (connection) => this.drop(connection, connection.hadError ? 'reset' : 'left'),
      drain: (connection) => this.budget.drained(connection),
    });
    this.sequencer = options.sequencer ?? null;
    this.sequencer?.attach(this.sequencedRoom());
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
      server.listen({ host, port, ipv6Only: false, backlog: LISTEN_BACKLOG }, () => {
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

  private onConnection(socket: net.Socket): void {
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
    if (this.maxClients > 0 && this.connections.length + this.waiting.size >= this.maxClients) {
      this.counters.connectionsRefused++;
      socket.on('error', ignore);
      socket.end(ROOM_FULL_BYTES);
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      return;
    }
    const peer = formatPeer(address, port);
    const connection = new Connection(this.nextId++, socket, peer, Buffer.from(`[${peer}] `), Date.now());
    if (this.sequencer) {
      this.waiting.set(connection.id, connection); // hears the room once its join comes back
    } else {
      connection.index = this.connections.length;
      this.connections.push(connection);
      this.delivery.arrive(connection);
    }
    if (this.descriptors?.taken(this.connections.length + this.waiting.size)) {
      this.report(new Error(
        `Out of file descriptors: ${this.connections.length} connections are open and this process may ` +
        `have ${this.descriptors.limit} files open; new connections are turned away until some close ` +
        `(raise the limit with ulimit -n).`,
      ));
    }

    connection.attach(this.handlers);
    if (this.readingStopped) socket.pause();
    this.admission.add(connection);
  }

  private announce(connection: Connection): void {
    connection.phase = Phase.Announced;
    this.counters.totalJoined++;
    this.counters.clientsNow++;
    if (this.sequencer) {
      this.sequencer.join(connection.id, connection.peer);
    } else {
      this.delivery.announce(connection);
      this.scheduleFlush();
    }
    this.emitSafely('join', connection.info());
  }

  // ---- reading -----------------------------------------------------------------------------

  private onData(connection: Connection, chunk: Buffer): void {
    if (connection.phase === Phase.Closed || connection.leaving) return;
    let bytes: Buffer | null = chunk;
    if (connection.sniffing) {
      bytes = this.sniff(connection, chunk);
      if (bytes === null) return;
    }
    if (connection.phase === Phase.Pending) this.announce(connection);
    this.decode(connection, bytes, false);
  }

  private decode(connection: Connection, bytes: Buffer | null, end: boolean): void {
    if (bytes === null && connection.decoder === null) return; // never said anything
    const decoder = (connection.decoder ??= new LineDecoder(this.maxLineBytes, (line) => this.relay(connection, line)));
    if (bytes !== null) decoder.push(bytes);
    if (end) decoder.end();
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

  private relay(connection: Connection, line: Buffer): void {
    connection.linesSent++;
    this.counters.linesRelayed++;
    if (this.sequencer) {
      this.sequencer.line(connection.id, line);
    } else {
      this.delivery.say(connection.prefix, line);
      this.scheduleFlush();
    }
    if (this.listenerCount('message') > 0) this.emitSafely('message', connection.info(), line.toString('utf8'));
  }

  private onEnd(connection: Connection): void {
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
    if (this.sequencer) {
      // It hears the room until its departure comes back in order (deliverLeave ends it).
      if (connection.phase === Phase.Pending) this.announce(connection);
      this.departing.set(connection.id, connection);
      this.sequencer.leave(connection.id);
      return;
    }
    this.leaving.push(connection);
    this.scheduleFlush();
  }

  private onError(connection: Connection): void {
    connection.hadError = true;
    connection.decoder?.reset();
  }

  // ---- leaving -----------------------------------------------------------------------------

  private drop(connection: Connection, reason: LeaveReason): void {
    if (connection.phase === Phase.Closed) return;
    const wasPending = connection.phase === Phase.Pending;
    if (!wasPending) this.counters.clientsNow--;
    connection.phase = Phase.Closed;
    this.removeFromRoom(connection);
    this.descriptors?.released(this.connections.length + this.waiting.size);
    if (connection.rejected && wasPending) return; // never announced, never mentioned
    if (wasPending) {
      // It left before we announced it: announce both, so everyone sees a consistent pair.
      this.counters.totalJoined++;
      if (this.sequencer) this.sequencer.join(connection.id, connection.peer);
      else this.delivery.announce(connection);
      this.emitSafely('join', connection.info());
    }
    if (this.sequencer) {
      if (!connection.leaving) this.sequencer.leave(connection.id); // a half-closed one already did
    } else {
      this.delivery.say(connection.prefix, DISCONNECTED_BYTES);
      this.scheduleFlush();
    }
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
    } else if (this.waiting.size > 0) {
      this.waiting.delete(connection.id);
    }
    if (this.departing.size > 0) this.departing.delete(connection.id);
    connection.index = -1;
    this.budget.removed(connection);
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

  // ---- writing -----------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const started = performance.now();
    if (this.deliverTurn()) this.admission.backOff(started, performance.now());
    if (this.leaving.length > 0) this.finishLeaving();
  };

  // Ends the turn: writes it to everyone, cuts those too slow for it. False if it said nothing.
  private deliverTurn(): boolean {
    this.saidSinceTurn = false;
    if (!this.delivery.endTurn(this.connections, this.sink)) return false;
    if (this.tooSlow.length > 0) {
      const tooSlow = this.tooSlow;
      this.tooSlow = [];
      for (const connection of tooSlow) this.cutSlow(connection);
    }
    this.budget.afterTurn();
    return true;
  }

  // ---- reading from clients ------------------------------------------------------------------

  private updateReading(): void {
    const stop = this.budgetHoldsReading || this.sequencerHoldsReading;
    if (stop === this.readingStopped) return;
    this.readingStopped = stop;
    for (const connection of this.connections) {
      if (stop) connection.socket.pause();
      else connection.socket.resume();
    }
    for (const connection of this.waiting.values()) {
      if (stop) connection.socket.pause();
      else connection.socket.resume();
    }
    if (!this.budgetHoldsReading) for (const listener of this.outputFlowing) listener();
  }

  // ---- the room's order from a sequencer ---------------------------------------------------

  private sequencedRoom(): SequencedRoom {
    return {
      deliverJoin: (prefix, localClient) => this.deliverJoin(prefix, localClient),
      deliverLine: (prefix, text) => this.deliverLine(prefix, text),
      deliverLeave: (prefix, localClient) => this.deliverLeave(prefix, localClient),
      deliverNotice: (text) => this.sayToRoom(NO_PREFIX, Buffer.from(text, 'utf8')),
      flush: () => {
        if (this.flushScheduled && !this.closing) this.flush();
      },
      pauseIntake: (paused) => {
        this.sequencerHoldsReading = paused;
        this.updateReading();
      },
      outputBlocked: () => this.budgetHoldsReading,
      onOutputFlowing: (listener) => {
        this.outputFlowing.push(listener);
      },
      evictAll: (notice) => this.evictAll(notice),
    };
  }

  private sayToRoom(prefix: Buffer, body: Buffer): void {
    if (this.closing) return;
    this.delivery.say(prefix, body);
    this.saidSinceTurn = true;
    this.scheduleFlush();
  }

  private deliverJoin(prefix: Buffer, localClient: number): void {
    this.sayToRoom(prefix, CONNECTED_BYTES);
    const connection = localClient >= 0 ? this.waiting.get(localClient) : undefined;
    if (connection === undefined) return;
    // In the room from right after its own notice: it hears everything that comes next.
    this.waiting.delete(localClient);
    connection.index = this.connections.length;
    this.connections.push(connection);
    this.delivery.arrive(connection);
  }

  private deliverLine(prefix: Buffer, text: Buffer): void {
    // The sequencer's text is cleaned and bounded again, with a client's rules: whatever
    // wrote it (another node, anything with access to the sequencer) is not trusted.
    this.sequencedPrefix = prefix;
    const decoder = (this.sequencedLines ??= new LineDecoder(this.maxLineBytes, (line) => this.sayToRoom(this.sequencedPrefix, line)));
    decoder.push(text);
    decoder.end();
  }

  private deliverLeave(prefix: Buffer, localClient: number): void {
    const connection = localClient >= 0 ? this.departing.get(localClient) : undefined;
    if (connection !== undefined) {
      // Its last turn ends here: what was said before its departure, not its own notice
      // (nor those of others departing right with it, as without a sequencer).
      if (this.saidSinceTurn) this.deliverTurn();
      this.departing.delete(localClient);
      const socket = connection.socket;
      socket.end();
      setTimeout(() => socket.destroy(), LINGER_AFTER_END_MS).unref();
      this.drop(connection, 'left');
      this.delivery.say(prefix, DISCONNECTED_BYTES);
      this.scheduleFlush();
      return;
    }
    this.sayToRoom(prefix, DISCONNECTED_BYTES);
  }

  // The sequencer gave up on this server's place in the room: everyone here is told and closed.
  private evictAll(notice: string): void {
    this.sayToRoom(NO_PREFIX, Buffer.from(notice, 'utf8'));
    this.deliverTurn();
    const everyone = [...this.connections, ...this.waiting.values()];
    for (const connection of everyone) {
      const announced = connection.phase === Phase.Announced;
      const heard = connection.index >= 0; // the others were not in the room yet
      if (announced) this.counters.clientsNow--;
      connection.phase = Phase.Closed;
      this.removeFromRoom(connection);
      const socket = connection.socket;
      if (!heard) socket.write(`${notice}\n`);
      socket.end();
      setTimeout(() => socket.destroy(), LINGER_AFTER_END_MS).unref();
      if (announced) this.emitSafely('leave', connection.info(), 'server-closed');
    }
  }

  // ---- closing -----------------------------------------------------------------------------

  private async shutDown(): Promise<void> {
    this.admission.close();
    this.budget.close();
    // What was said before closing is still delivered.
    this.deliverTurn();
    const server = this.server;
    const stopped = server
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    const everyone = [...this.connections, ...this.waiting.values()];
    const sockets = everyone.map((connection) => connection.socket);
    for (const connection of everyone) {
      const announced = connection.phase === Phase.Announced;
      if (announced) this.counters.clientsNow--;
      connection.phase = Phase.Closed;
      this.removeFromRoom(connection);
      if (announced && !connection.leaving) this.sequencer?.leave(connection.id);
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

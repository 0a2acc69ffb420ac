/**
 * ChatServer: the Tincan room. One Node event loop, any number of clients.
 *
 * This file accepts, reads and says goodbye; the rest has a file of its own:
 *  - connection.ts: one client's state (handlers are bound once per server, not per client);
 *  - admission.ts: when a newcomer's `(connected)` notice goes out;
 *  - turn-delivery.ts: the per-turn fan-out (one Buffer per turn, the notice block);
 *  - output-queue.ts and output-budget.ts: clients that cannot take their output at once,
 *    and fair backpressure (a client that does not read never slows anyone else);
 *  - address-limits.ts, peer-scope.ts, common/token-bucket.ts: who may join, how many per address,
 *    how fast one may talk;
 *  - descriptor-watch.ts: telling the operator that descriptors ran out;
 *  - sequencer.ts: the hook that lets something else (a cluster) own the room's order;
 *  - room-gate.ts: the room's password and the host's bans (a newcomer in a room with a
 *    password is *locked*: not in the room, hearing nothing but its own `Tincan:` lines, until
 *    its first line is the password; it is then let in as if it had just arrived);
 *  - room-commands.ts, names.ts, replay.ts, server-lines.ts: commands, names, the topic and
 *    catch-up (the `Tincan: ` lines a newcomer and a command's sender get for themselves go
 *    through the output queue like everything else, after the turn they were asked in).
 *
 * With a sequencer, what local clients do goes to it instead of into the turn, and the
 * room's events come back from it in the one order every node shows (`SequencedRoom`
 * below); a local client hears the room from right after its own join comes back. Every
 * rule below holds for what comes back too: lines are cleaned, bounded and quoted again,
 * and go out in the same per-turn writes, with the same CR LF variant and slow-reader rules.
 *
 * Robustness rules (see issues "Tincan foundation" and "the hostile room"):
 *  - lines are bounded (LineDecoder) and cleaned of anything a terminal would act on or
 *    could not show (sanitize.ts); a message that reads as a notice is quoted (protocol.ts);
 *  - a client's unsent output is bounded and judged by what its kernel takes; output
 *    memory is counted once per shared turn and bounded (output-budget.ts);
 *  - a sender over its line rate is not read until it may talk again: TCP pushes back on it,
 *    and nothing it said is dropped;
 *  - HTTP openings are closed at once and never announced (opening-sniffer.ts); so are TLS
 *    openings when the server has no certificate. With one (`tls`), a connection whose first
 *    byte is a TLS handshake record is wrapped in TLS (tls-transport.ts, behind the transport
 *    seam of transport.ts) and is a member like any other once its handshake is done; until
 *    a connection's first byte says which it speaks, its output is held, not written;
 *  - connections over a limit are told why in one line and closed, never announced (with a
 *    certificate, a TLS opening is told inside TLS, or just closed when no handshake fits);
 *  - accept errors (out of file descriptors) are counted and reported, never fatal.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type tls from 'node:tls';
import { formatHost } from '../common/address';
import { AddressLimits, isLoopbackSource, sourceKey } from './address-limits';
import { AdmissionQueue } from './admission';
import { Connection, Phase, socketHandlers, type SocketHandlers, type Talker } from './connection';
import { DescriptorWatch } from './descriptor-watch';
import { LineDecoder, DEFAULT_MAX_LINE_BYTES } from './line-decoder';
import { TokenBucket } from '../common/token-bucket';
import { classifyOpening, MAX_OPENING_BYTES } from './opening-sniffer';
import { OutputBudget } from './output-budget';
import { OutputQueue } from './output-queue';
import { AttachedNetworks, peerAllowed, type PeerScope } from './peer-scope';
import { CONNECTED_BYTES, DISCONNECTED_BYTES, formatPeer, prefixFor, quoteNoticeLookalike } from './protocol';
import type { RoomSequencer, SequencedRoom } from './sequencer';
import { TlsAcceptor, TlsTransport, tlsRequiredNotice } from './tls-transport';
import { TCP_TRANSPORT, TLS_HANDSHAKE_BYTE } from './transport';
import { TurnDelivery } from './turn-delivery';
import { cleanTopic } from '../common/person-name';
import { RoomCommands, commandOf } from './room-commands';
import { DEFAULT_REPLAY_MAX_BYTES, MAX_REPLAY_LINES, ReplayLog } from './replay';
import {
  BANNED_LINE,
  BANS_FULL_LINE,
  HOST_ONLY_LINE,
  PASSWORD_ACCEPTED_LINE,
  PASSWORD_PROMPT_LINE,
  PASSWORD_WAITING_FULL_LINE,
  PASSWORD_WRONG_LINE,
  REMOVE_HOST_LINE,
  REMOVE_UNAVAILABLE_LINE,
  REMOVE_USAGE_LINE,
  TOPIC_CLEARED_LINE,
  YOU_WERE_BANNED_LINE,
  YOU_WERE_REMOVED_LINE,
  passwordAttemptsLine,
  passwordTimeoutLine,
  removeNotFoundLine,
  removedLine,
  topicLine,
} from './server-lines';
import {
  DEFAULT_MAX_BANS,
  DEFAULT_MAX_PASSWORD_WAITING,
  DEFAULT_MAX_PASSWORD_WAITING_PER_ADDRESS,
  DEFAULT_PASSWORD_ATTEMPTS_PER_MINUTE,
  DEFAULT_PASSWORD_WAIT_MS,
  RoomGate,
  type GateRefusal,
} from './room-gate';
import type {
  ChatServerEvents,
  ChatServerOptions,
  ClientInfo,
  FlowReason,
  LeaveReason,
  ListeningAddress,
  ListenOptions,
  RefusalReason,
  RemoveResult,
  ServerStats,
} from './types';

export const DEFAULT_MAX_CLIENT_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_OUTPUT_BUDGET_BYTES = 64 * 1024 * 1024;
export const DEFAULT_ADMIT_DELAY_MS = 50;
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 16;
export const DEFAULT_JOINS_PER_ADDRESS_PER_MINUTE = 60;
export const DEFAULT_MAX_LINES_PER_SECOND = 20;
export const DEFAULT_LINE_BURST = 200;
const CLOSE_GRACE_MS = 1000;
const LINGER_AFTER_END_MS = 10_000;
const LISTEN_BACKLOG = 4096;
/** At most this many peers are remembered as trusted before they connect. */
const MAX_TRUSTED_PEERS = 8;
const NO_PREFIX = Buffer.alloc(0);
/** Commands a newcomer may send before its password, kept until it is in. */
const MAX_DEFERRED_COMMANDS = 4;
const SLASH = 0x2f;
/**
 * Turns a second the room may end early to keep a command's answer before its asker's next
 * line: each costs a write to everyone, so many askers must not multiply the room's writes.
 * Past it, an answer goes out at the end of the turn (after the asker's next lines).
 */
export const EARLY_TURNS_PER_SECOND = 50;

const REFUSALS: Record<RefusalReason, Buffer> = {
  full: Buffer.from('Tincan: this room is full, try again later.\n'),
  'address-limit': Buffer.from('Tincan: too many connections from your address; close one and try again.\n'),
  'join-rate': Buffer.from('Tincan: your address joined too often just now; try again in a minute.\n'),
  'out-of-scope': Buffer.from('Tincan: this room only takes people on the host\'s local networks.\n'),
  banned: Buffer.from(`${BANNED_LINE}\n`),
  'password-attempts': Buffer.from(`${passwordAttemptsLine(60)}\n`), // written with its real wait (gateRefusal)
  'password-waiting': Buffer.from(`${PASSWORD_WAITING_FULL_LINE}\n`),
};

/** The refusal a gate's answer is, and the line that says so. */
function gateRefusal(refusal: GateRefusal): { reason: RefusalReason; line: Buffer } {
  if (refusal.kind === 'password-attempts') {
    return { reason: refusal.kind, line: Buffer.from(`${passwordAttemptsLine(refusal.retryInSeconds)}\n`) };
  }
  return { reason: refusal.kind, line: REFUSALS[refusal.kind] };
}

/** A locked connection (see room-gate.ts): when it must have given the password, and whether its address counts it. */
interface Lock {
  readonly timer: NodeJS.Timeout;
  /** Read at accept: a closed socket may no longer know its address. */
  readonly source: string;
  /** Commands it sent before its password (the app sends `/name` on connecting): run once it is in. */
  readonly deferred: Buffer[];
  readonly counted: boolean;
}

const PAUSE_BITS: Record<FlowReason, number> = { 'line-rate': 1, backpressure: 2, budget: 4 };
/** Not a FlowReason (no event): a sender that used its share of this turn waits for the next. */
const TURN_SHARE_BIT = 8;
/**
 * Not a FlowReason (no event; the sequencer logs why): the sequencer holds every client's
 * reading (a cluster node out of contact with Redis, or its outbound queue over its bound).
 */
const SEQUENCER_BIT = 16;
/**
 * What one sender may put into a turn. libuv reads up to 32 × 64 KiB from a socket per
 * loop iteration; a flood would make each turn megabytes, copied to every client's kernel
 * buffer in one go while everyone else waits. Read no more until the turn is out: floods
 * are interleaved with everyone else, as a server reading once per epoll round would.
 */
const TURN_SHARE_BYTES = 64 * 1024;

/** An option that counts something: a whole number ≥ `min` (≥ 1: zero is not a count of it). */
function positiveInteger(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < Math.max(1, min)) {
    throw new RangeError(`${name} must be a whole number ≥ ${Math.max(1, min)} (got ${value})`);
  }
  return value;
}

/** Ends our side; a peer that half-closed and then never reads would hold its descriptor for ever. */
function endLingering(socket: net.Socket): void {
  socket.end();
  setTimeout(() => socket.destroy(), LINGER_AFTER_END_MS).unref();
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

/** Writes `line` and closes; a peer that does not read it is cut after CLOSE_GRACE_MS. */
function tellAndClose(socket: net.Socket, line: Buffer): void {
  socket.end(line);
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

export class ChatServer extends EventEmitter<ChatServerEvents> {
  private readonly maxLineBytes: number;
  private readonly maxClients: number;
  private readonly maxLinesPerSecond: number;
  private readonly lineBurst: number;
  private readonly allowPeers: PeerScope;
  private readonly attachedNetworks: AttachedNetworks | null;

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
  /** The sequencer holds every client's reading (SEQUENCER_BIT). */
  private sequencerHoldsIntake = false;
  private readonly outputFlowing: Array<() => void> = [];
  private readonly leaving: Connection[] = [];
  private readonly delivery = new TurnDelivery();
  private readonly admission: AdmissionQueue<Connection>;
  private readonly queue: OutputQueue;
  private readonly budget: OutputBudget;
  private readonly limits: AddressLimits;
  private readonly limitLoopback: boolean;
  private readonly handlers: SocketHandlers;
  /** With a certificate: TLS handshakes on the chat port. */
  private readonly tls: TlsAcceptor | null;
  /** How long a silent newcomer waits to be announced (and a refused one to be told, with TLS). */
  private readonly admitDelayMs: number;
  /** Peers named by trustPeer, until they connect (and while they are connected). */
  private readonly trustedPeers = new Set<string>();
  /** Connections that sent something this turn (their turnBytes is reset at its end). */
  private turnSenders: Connection[] = [];
  /** Senders over their line rate, waiting for their bucket. */
  private readonly ratePaused = new Set<Connection>();
  private rateTimer: NodeJS.Timeout | null = null;
  /** Clients that read `\r\n` line ends: the turn's CR LF Buffer is built only while there are some. */
  private crlfReaders = 0;
  private flushScheduled = false;
  private nextId = 1;
  private descriptors: DescriptorWatch | null = null;
  /** Null with `commands: false`: every line is chat. */
  private readonly commands: RoomCommands<Connection> | null;
  /** Null without `replayLines`. */
  private readonly replay: ReplayLog | null;
  private readonly gate: RoomGate;
  private readonly passwordWaitMs: number;
  /** Connections asked for the password, not in the room yet (never with a sequencer). */
  private readonly locked = new Map<Connection, Lock>();
  private topicText = '';
  /** Lines for one connection alone, written after the turn they were asked in. */
  private ownLines: Array<{ connection: Connection; lines: string[] }> = [];
  /** Those waiting for lines in ownLines. */
  private readonly answerPending = new Set<Connection>();
  /** Turns ended early so an answer goes before its asker's next line (answerFirst). */
  private readonly earlyTurns = new TokenBucket(EARLY_TURNS_PER_SECOND, EARLY_TURNS_PER_SECOND, performance.now());
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
    const maxPerAddress = nonNegativeInteger(
      'maxConnectionsPerAddress', options.maxConnectionsPerAddress, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
    const joinsPerMinute = nonNegativeInteger(
      'joinsPerAddressPerMinute', options.joinsPerAddressPerMinute, DEFAULT_JOINS_PER_ADDRESS_PER_MINUTE);
    this.maxLinesPerSecond = nonNegativeInteger('maxLinesPerSecond', options.maxLinesPerSecond, DEFAULT_MAX_LINES_PER_SECOND);
    this.lineBurst = positiveInteger('lineBurst', options.lineBurst, DEFAULT_LINE_BURST);
    const allowPeers: string = options.allowPeers ?? 'local-networks';
    if (allowPeers !== 'any' && allowPeers !== 'local-networks') {
      throw new RangeError(`allowPeers must be 'any' or 'local-networks' (got ${allowPeers})`);
    }
    this.allowPeers = allowPeers;
    this.attachedNetworks = allowPeers === 'local-networks' ? new AttachedNetworks(options.interfaces) : null;

    if (options.tls && admitDelayMs === 0) {
      // The silence before a first byte is what tells a quiet plain client from a TLS one.
      throw new RangeError('admitDelayMs must be ≥ 1 with tls (got 0)');
    }
    this.tls = options.tls ? new TlsAcceptor(options.tls) : null;
    this.admitDelayMs = admitDelayMs;
    this.admission = new AdmissionQueue(admitDelayMs, (connection) => this.admitSilent(connection));
    this.limits = new AddressLimits(maxPerAddress, joinsPerMinute);
    this.limitLoopback = options.limitLoopback ?? true;
    this.queue = new OutputQueue((connection, busy) => {
      this.budget.busyChanged(busy);
      if (!busy && connection.wantsCrlf) this.readsCrlf(connection);
    });
    this.budget = new OutputBudget(maxClientOutputBytes, outputBudgetBytes, this.queue, {
      cutSlow: (connection) => this.cutSlow(connection),
      pause: (connection, reason) => this.pause(connection, reason),
      resume: (connection, reason) => this.resume(connection, reason),
      flowing: () => {
        for (const listener of this.outputFlowing) listener();
      },
    });
    this.handlers = socketHandlers({
      data: (connection, chunk) => this.onData(connection, chunk),
      end: (connection) => this.onEnd(connection),
      error: (connection) => this.onError(connection),
      close: (connection) => this.drop(connection, connection.hadError ? 'reset' : 'left'),
    });
    this.sequencer = options.sequencer ?? null;
    this.commands = options.commands === false ? null : new RoomCommands<Connection>({
      people: (limit) => {
        const everyone = this.everyone().filter((connection) => connection.phase === Phase.Announced);
        everyone.sort((a, b) => a.id - b.id);
        return { listed: everyone.slice(0, limit), total: everyone.length };
      },
      reply: (connection, lines) => this.tellOne(connection, lines),
      tellRoom: (from, line) => {
        this.answerFirst(from);
        this.sayToRoom(NO_PREFIX, Buffer.from(line, 'utf8'));
      },
      renamed: (connection, name) => this.emitSafely('name', connection.info(), name),
      mayRemove: (connection) => connection.trusted && this.sequencer === null,
      remove: (from, target, ban) => {
        if (!from.trusted) {
          this.tellOne(from, [HOST_ONLY_LINE]);
          return;
        }
        const result = this.remove(target, { ban });
        // Done: the room's notice, which the host hears too, is the answer.
        if (!result.ok) this.tellOne(from, [result.line]);
      },
    }, this.sequencer === null, this.sequencer?.names ?? null); // a cluster node keeps names room-wide only through its sequencer
    const replayLines = nonNegativeInteger('replayLines', options.replayLines, 0);
    if (replayLines > MAX_REPLAY_LINES) throw new RangeError(`replayLines must be at most ${MAX_REPLAY_LINES} (got ${replayLines})`);
    const replayMaxBytes = positiveInteger('replayMaxBytes', options.replayMaxBytes, DEFAULT_REPLAY_MAX_BYTES, 1024);
    this.replay = replayLines > 0 ? new ReplayLog(replayLines, replayMaxBytes) : null;
    if (options.topic !== undefined) this.topicText = ChatServer.checkedTopic(options.topic);
    if (options.password !== undefined && this.sequencer !== null) {
      throw new RangeError('A room password is not available with a sequencer (a cluster) yet.');
    }
    this.passwordWaitMs = positiveInteger('passwordWaitMs', options.passwordWaitMs, DEFAULT_PASSWORD_WAIT_MS);
    this.gate = new RoomGate({
      password: options.password ?? null,
      maxWaiting: positiveInteger('maxPasswordWaiting', options.maxPasswordWaiting, DEFAULT_MAX_PASSWORD_WAITING),
      maxWaitingPerAddress: positiveInteger(
        'maxPasswordWaitingPerAddress', options.maxPasswordWaitingPerAddress, DEFAULT_MAX_PASSWORD_WAITING_PER_ADDRESS),
      attemptsPerMinute: positiveInteger(
        'passwordAttemptsPerMinute', options.passwordAttemptsPerMinute, DEFAULT_PASSWORD_ATTEMPTS_PER_MINUTE),
      maxBans: positiveInteger('maxBans', options.maxBans, DEFAULT_MAX_BANS),
    });
    this.sequencer?.attach(this.sequencedRoom());
  }

  private static checkedTopic(raw: string): string {
    const topic = cleanTopic(raw);
    if (!topic.ok) throw new RangeError(`Topic refused: ${topic.reason}.`);
    return topic.text;
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
    return this.everyone()
      .filter((connection) => connection.phase === Phase.Announced)
      .sort((a, b) => a.id - b.id)
      .map((connection) => connection.info());
  }

  /**
   * The host's own client, by the label the server will see (`ChatClient.localPeer`): it is
   * never cut as a slow reader of its own room, never rate-limited and not counted against
   * its address, and let in plain text when TLS is required. May be called before or after
   * it connects (before its first byte, or the silence that announces it, to count for TLS).
   */
  trustPeer(peer: string): void {
    for (const connection of this.everyone()) {
      if (connection.peer === peer) {
        this.trust(connection);
        return;
      }
    }
    if (this.trustedPeers.size >= MAX_TRUSTED_PEERS) this.trustedPeers.delete(this.trustedPeers.values().next().value!);
    this.trustedPeers.add(peer);
  }

  /** The room's topic, cleaned ('' for none). */
  get topic(): string {
    return this.topicText;
  }

  /**
   * Sets the room's topic (cleaned like a name; '' clears it). Everyone in the room is told
   * when it changes, and newcomers get it when they arrive. Throws a RangeError saying why
   * when it is too long.
   */
  setTopic(raw: string): void {
    const topic = ChatServer.checkedTopic(raw);
    if (topic === this.topicText) return;
    this.topicText = topic;
    this.sayToRoom(NO_PREFIX, Buffer.from(topic === '' ? TOPIC_CLEARED_LINE : topicLine(topic), 'utf8'));
  }

  /** Whether newcomers are asked for a password. */
  get hasPassword(): boolean {
    return this.gate.hasPassword;
  }

  /**
   * The host removes someone in the room, found by `target`: its `IP:port` (`[IP:port]` too)
   * or its name (or a look-alike of it). It is told in a `Tincan:` line and closed, and
   * everyone else is told who went. With `ban`, its address (an IPv6 /64) is refused until the
   * room closes, and everyone else in the room from it goes too. The host's own client
   * cannot be removed. Not with a sequencer (a cluster node) yet.
   */
  remove(target: string, options: { ban: boolean }): RemoveResult {
    if (this.sequencer !== null || this.closing) return { ok: false, line: REMOVE_UNAVAILABLE_LINE };
    const wanted = target.trim();
    if (wanted === '') return { ok: false, line: REMOVE_USAGE_LINE };
    const person = this.findPerson(wanted);
    if (person === null) return { ok: false, line: removeNotFoundLine(wanted) };
    if (person.trusted) return { ok: false, line: REMOVE_HOST_LINE };
    const name = this.nameOf(person.id);
    if (!options.ban) {
      this.evict(person, false);
      return { ok: true, peer: person.peer, name, banned: false };
    }
    const source = person.source;
    if (!this.gate.ban(source)) return { ok: false, line: BANS_FULL_LINE };
    this.evict(person, true);
    for (const other of this.everyone()) {
      if (other.phase !== Phase.Closed && !other.trusted && other.source === source) this.evict(other, true);
    }
    return { ok: true, peer: person.peer, name, banned: true };
  }

  /** The name a client took with `/name`, or null. */
  nameOf(clientId: number): string | null {
    return this.commands?.nameOf(clientId) ?? null;
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
    const peer = formatPeer(address, port);
    if (!peerAllowed(this.allowPeers, address, this.attachedNetworks)) {
      this.refuse(socket, peer, 'out-of-scope');
      return;
    }
    if (this.maxClients > 0 && this.connectionCount() >= this.maxClients) {
      this.refuse(socket, peer, 'full');
      return;
    }
    const source = sourceKey(address);
    const trusted = this.trustedPeers.has(peer);
    const limited = !trusted && (this.limitLoopback || !isLoopbackSource(source));
    if (!trusted) {
      const refusal = this.gate.admit(source, limited, performance.now());
      if (refusal !== null) {
        const { reason, line } = gateRefusal(refusal);
        this.refuse(socket, peer, reason, line);
        return;
      }
    }
    if (limited) {
      const refusal = this.limits.admit(source, performance.now());
      if (refusal !== null) {
        this.refuse(socket, peer, refusal);
        return;
      }
    }
    const connection = new Connection(this.nextId++, socket, peer, prefixFor(peer), Date.now());
    connection.limited = limited;
    if (this.gate.hasPassword && !trusted) {
      // Not in the room: its prompt is written once its opening is known (announce), its own way.
      connection.locked = true;
      const timer = setTimeout(() => this.turnAway(connection, passwordTimeoutLine(Math.round(this.passwordWaitMs / 1000))),
        this.passwordWaitMs);
      timer.unref();
      this.locked.set(connection, { timer, source, counted: limited, deferred: [] });
      this.gate.startWaiting(source, limited);
    } else if (this.tls) {
      // Nothing is written to it, not even its greeting, before its first byte says whether it speaks TLS.
      this.queue.hold(connection);
    }
    if (trusted) this.trust(connection);
    if (connection.locked) {
      // hears nothing of the room until it gives the password (unlock)
    } else if (this.sequencer) {
      this.waiting.set(connection.id, connection); // hears the room once its join comes back
    } else {
      connection.index = this.connections.length;
      this.connections.push(connection);
      this.delivery.arrive(connection);
      this.greet(connection);
    }
    const open = this.connectionCount();
    if (this.descriptors?.taken(open)) {
      this.report(new Error(
        `Out of file descriptors: ${open} connections are open and this process may ` +
        `have ${this.descriptors.limit} files open; new connections are turned away until some close ` +
        `(raise the limit with ulimit -n).`,
      ));
    }
    connection.attach(this.handlers);
    if (this.sequencerHoldsIntake) this.hold(connection);
    this.admission.add(connection);
  }

  // A newcomer starts hearing the room: before anything live, the topic and the catch-up.
  private greet(connection: Connection): void {
    const topic = this.topicText === '' ? null : Buffer.from(`${topicLine(this.topicText)}\n`, 'utf8');
    const catchUp = this.replay?.catchUpBytes() ?? null;
    if (topic !== null) this.queue.writeOwn(connection, topic);
    if (catchUp !== null) this.queue.writeOwn(connection, catchUp);
  }

  // Lines for `connection` alone, after the turn they were asked in (so after its own lines before them).
  private tellOne(connection: Connection, lines: string[]): void {
    this.ownLines.push({ connection, lines });
    this.answerPending.add(connection);
    this.scheduleFlush();
  }

  // `connection` is about to say something while an answer to it is pending: the answer must
  // reach it first, so the turn ends here (rate-bound room-wide: see EARLY_TURNS_PER_SECOND).
  private answerFirst(connection: Connection): void {
    if (!this.answerPending.has(connection) || !this.earlyTurns.take(performance.now())) return;
    this.deliverTurn();
    this.writeOwnLines();
  }

  private writeOwnLines(): void {
    const pending = this.ownLines;
    this.ownLines = [];
    this.answerPending.clear();
    for (const { connection, lines } of pending) {
      if (connection.phase === Phase.Closed) continue;
      const end = connection.crlf ? '\r\n' : '\n';
      this.queue.writeOwn(connection, Buffer.from(lines.join(end) + end, 'utf8'));
    }
  }

  /**
   * Connections open here: those hearing the room, those waiting for their join to come back
   * and those waiting to give the password.
   */
  private connectionCount(): number {
    return this.connections.length + this.waiting.size + this.locked.size;
  }

  private everyone(): Connection[] {
    const all = this.waiting.size === 0 ? [...this.connections] : [...this.connections, ...this.waiting.values()];
    if (this.locked.size > 0) all.push(...this.locked.keys());
    return all;
  }

  // Told why in one line, then closed; never in the room, never announced.
  private refuse(socket: net.Socket, peer: string, reason: RefusalReason, line: Buffer = REFUSALS[reason]): void {
    this.counters.connectionsRefused++;
    socket.on('error', ignore);
    if (this.tls) this.refuseInItsLanguage(socket, line);
    else tellAndClose(socket, line);
    this.emitSafely('refused', peer, reason);
  }

  // With a certificate, a refusal written at once would reach a TLS client as garbage in place
  // of its handshake. So the refused connection's first byte (or the usual silence) decides:
  // plain text or silence is told in clear, as without TLS; a TLS opening is told inside TLS,
  // its handshake counted within the acceptor's bounds (time, total, per address), or just
  // closed when none fits: a flood of refused ClientHellos costs no more than a flood of others.
  private refuseInItsLanguage(socket: net.Socket, line: Buffer): void {
    const acceptor = this.tls!;
    let decided = false;
    const decide = (chunk: Buffer | null): void => {
      if (decided) return;
      decided = true;
      clearTimeout(timer);
      socket.off('data', decide);
      socket.off('close', gone);
      if (chunk === null || chunk[0] !== TLS_HANDSHAKE_BYTE) {
        tellAndClose(socket, line);
        return;
      }
      const source = sourceKey(socket.remoteAddress ?? '');
      const started = acceptor.accept(socket, chunk, source, (secure) => {
        if (secure !== null && !this.closing) {
          secure.on('error', ignore);
          tellAndClose(secure, line);
        } else {
          secure?.destroy();
        }
      });
      if (!started) socket.destroy();
    };
    const gone = (): void => {
      decided = true;
      clearTimeout(timer);
      socket.off('data', decide);
    };
    const timer = setTimeout(() => decide(null), this.admitDelayMs);
    timer.unref();
    socket.on('data', decide);
    socket.once('close', gone);
  }

  private trust(connection: Connection): void {
    if (connection.locked) this.unlock(connection);
    connection.trusted = true;
    if (connection.talker) connection.talker.lines = null;
    this.trustedPeers.add(connection.peer);
    if (connection.limited) {
      connection.limited = false;
      this.limits.release(connection.source);
    }
    if (connection.pausedFor & PAUSE_BITS['line-rate']) this.rateReady(connection);
  }

  private announce(connection: Connection): void {
    if (connection.locked) {
      this.prompt(connection);
      return;
    }
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

  // ---- the password and the host's removals ----------------------------------------------

  // Asked once, when its opening is known to be chat (plain, or TLS with its handshake done).
  private prompt(connection: Connection): void {
    if (connection.prompted) return;
    connection.prompted = true;
    this.queue.writeOwn(connection, Buffer.from(`${PASSWORD_PROMPT_LINE}\n`));
  }

  // Its first line: in with the password (what follows is chat), otherwise told and closed.
  private tryPassword(connection: Connection, line: Buffer): boolean {
    const lock = this.locked.get(connection);
    if (this.commands !== null && commandOf(line) !== null) {
      // Not a password (passwordProblem refuses those): kept, a few, for when it is in.
      if (lock !== undefined && lock.deferred.length < MAX_DEFERRED_COMMANDS) lock.deferred.push(Buffer.from(line));
      return this.spendLine(connection);
    }
    if (this.gate.matches(line)) {
      const deferred = lock?.deferred ?? [];
      this.unlock(connection);
      for (const command of deferred) this.commands?.handle(connection, command, performance.now(), Date.now());
      return this.spendLine(connection);
    }
    if (lock !== undefined) this.gate.wrongAttempt(lock.source, lock.counted, performance.now());
    this.turnAway(connection, PASSWORD_WRONG_LINE);
    return false;
  }

  // No longer waiting for its password (let in, or gone): its timer and place in the counts are free.
  private releaseLock(connection: Connection): void {
    const lock = this.locked.get(connection);
    connection.locked = false;
    if (lock === undefined) return;
    this.locked.delete(connection);
    clearTimeout(lock.timer);
    this.gate.stopWaiting(lock.source, lock.counted);
  }

  // Let in: it arrives in the room now, with a new id (notices go by arrival, turn-delivery.ts).
  private unlock(connection: Connection): void {
    const prompted = connection.prompted;
    this.releaseLock(connection);
    // Let in before its opening said which transport it speaks (the host's own client): held as any newcomer is.
    if (this.tls && this.transportUndecided(connection)) this.queue.hold(connection);
    connection.id = this.nextId++;
    connection.index = this.connections.length;
    this.connections.push(connection);
    this.delivery.arrive(connection);
    if (prompted) this.queue.writeOwn(connection, Buffer.from(`${PASSWORD_ACCEPTED_LINE}\n`));
    this.greet(connection);
    // Not prompted yet: its opening has not been looked at, and admission announces it as any newcomer.
    if (prompted) this.announce(connection);
  }

  // A locked connection told why (a wrong password, too late) and closed, never announced.
  private turnAway(connection: Connection, line: string): void {
    if (connection.phase === Phase.Closed) return;
    const socket = connection.socket;
    const crlf = connection.crlf || connection.talker?.decoder.speaksTelnet === true;
    this.reject(connection);
    socket.on('error', ignore);
    socket.end(`${line}${crlf ? '\r\n' : '\n'}`);
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  // Someone in the room by `IP:port`, `[IP:port]` or name.
  private findPerson(target: string): Connection | null {
    const labelled = target.startsWith('[') && target.endsWith(']') ? target.slice(1, -1) : null;
    const id = this.commands?.names.holderOf(target) ?? null;
    let named: Connection | null = null;
    for (const connection of this.connections) {
      if (connection.phase !== Phase.Announced) continue;
      if (connection.peer === target || connection.peer === labelled) return connection;
      if (connection.id === id) named = connection;
    }
    return named;
  }

  // The host removes it: told why, closed, and everyone else told who went (then its `(disconnected)`).
  private evict(connection: Connection, banned: boolean): void {
    if (connection.phase === Phase.Closed) return;
    const socket = connection.socket;
    if (connection.phase === Phase.Announced) {
      this.sayToRoom(NO_PREFIX, Buffer.from(removedLine(connection.peer, this.nameOf(connection.id), banned), 'utf8'));
    }
    this.drop(connection, 'removed');
    socket.on('error', ignore);
    if (socket.isPaused()) socket.resume();
    const line = banned ? YOU_WERE_BANNED_LINE : YOU_WERE_REMOVED_LINE;
    socket.end(`${line}${connection.crlf ? '\r\n' : '\n'}`);
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  // ---- reading -----------------------------------------------------------------------------

  private onData(connection: Connection, chunk: Buffer): void {
    if (connection.phase === Phase.Closed || connection.leaving) return;
    if (this.tls && this.transportUndecided(connection)) {
      // Its first byte: a TLS handshake record, or plain text.
      if (chunk[0] === TLS_HANDSHAKE_BYTE) {
        this.startTls(connection, chunk);
        return;
      }
      if (!this.choosePlain(connection)) return;
    }
    const talker = (connection.talker ??= this.newTalker(connection));
    this.budget.received(connection, chunk.length);
    if (talker.turnBytes === 0) this.turnSenders.push(connection);
    talker.turnBytes += chunk.length;
    if (talker.turnBytes >= TURN_SHARE_BYTES && this.stopReading(connection, TURN_SHARE_BIT)) {
      this.scheduleFlush(); // which gives the share back, even if no line ended yet
    }
    let bytes: Buffer | null = chunk;
    if (connection.sniffing) {
      bytes = this.sniff(connection, chunk);
      if (bytes === null) return;
    }
    if (connection.phase === Phase.Pending) this.announce(connection);
    this.decode(connection, bytes);
  }

  // Feeds the decoder; what it did not take (the sender is over its rate) waits in pendingInput.
  private decode(connection: Connection, bytes: Buffer): void {
    const talker = connection.talker!;
    const input = talker.pendingInput ? Buffer.concat([talker.pendingInput, bytes]) : bytes;
    talker.pendingInput = null;
    const used = talker.decoder.push(input);
    if (used < input.length) talker.pendingInput = input.subarray(used);
    if (talker.decoder.speaksTelnet && !connection.crlf && !connection.wantsCrlf) this.readsCrlf(connection);
  }

  // It showed it speaks telnet: from the next turn it is not behind on, it reads CR LF line
  // ends (a busy client's queued turns keep the line ends they were queued with).
  private readsCrlf(connection: Connection): void {
    if (connection.busy) {
      connection.wantsCrlf = true;
      return;
    }
    connection.wantsCrlf = false;
    connection.crlf = true;
    this.crlfReaders++;
  }

  private newTalker(connection: Connection): Talker {
    const lines = this.maxLinesPerSecond > 0 && !connection.trusted
      ? new TokenBucket(this.maxLinesPerSecond, this.lineBurst, performance.now())
      : null;
    const decoder = new LineDecoder(this.maxLineBytes, (line) => this.relay(connection, line));
    return { decoder, lines, pendingInput: null, endPending: false, turnBytes: 0, recentBytes: 0 };
  }

  // No byte and no silence has said yet whether it speaks TLS or plain text.
  private transportUndecided(connection: Connection): boolean {
    return connection.phase === Phase.Pending && connection.sniffing && connection.openingHead === null &&
      connection.transport === TCP_TRANSPORT;
  }

  // It speaks plain text: what was held for it goes out. False when the room takes TLS only
  // (a trusted peer, such as the app host's own loopback client, is let in all the same).
  private choosePlain(connection: Connection): boolean {
    if (this.tls?.required && !connection.trusted) {
      this.refusePlain(connection);
      return false;
    }
    this.queue.release(connection);
    return true;
  }

  // Announced after a silence: a plain connection that never spoke (or a TLS one whose
  // handshake is done) is a chat client after all.
  private admitSilent(connection: Connection): void {
    if (this.tls && this.transportUndecided(connection) && !this.choosePlain(connection)) return;
    this.announce(connection);
  }

  // Told how to connect with TLS, closed, never announced.
  private refusePlain(connection: Connection): void {
    const socket = connection.socket;
    this.reject(connection);
    socket.on('error', ignore);
    tellAndClose(socket, tlsRequiredNotice());
  }

  // Closed before it was a member: never announced, never mentioned.
  private reject(connection: Connection): void {
    connection.rejected = true;
    this.counters.connectionsRejected++;
    this.drop(connection, 'rejected');
  }

  // It opened with a TLS handshake: not a member (nor announced) until the handshake is done.
  private startTls(connection: Connection, head: Buffer): void {
    const raw = connection.socket;
    connection.detach(this.handlers);
    connection.handshaking = true;
    if (!this.tls!.accept(raw, head, connection.source, (secure) => this.tlsReady(connection, raw, secure))) {
      connection.handshaking = false;
      raw.destroy();
      this.reject(connection);
    }
  }

  private tlsReady(connection: Connection, raw: net.Socket, secure: tls.TLSSocket | null): void {
    connection.handshaking = false;
    if (connection.phase === Phase.Closed) {
      secure?.destroy();
      return;
    }
    if (secure === null) {
      raw.destroy();
      this.reject(connection);
      return;
    }
    connection.switchTo(secure, new TlsTransport(raw));
    connection.attach(this.handlers);
    if (connection.pausedFor !== 0) secure.pause();
    this.queue.release(connection);
    // Its plaintext opening is looked at as a plain one's is (HTTPS is not a chat client either).
    this.admission.add(connection);
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
    connection.socket.destroy();
    this.reject(connection);
    return null;
  }

  // One line from a client; false asks its decoder to stop (it is over its line rate).
  private relay(connection: Connection, line: Buffer): boolean {
    // A turn ended early (answerFirst) may have cut it as too slow while its input was decoded.
    if (connection.phase === Phase.Closed) return false;
    if (connection.locked) return this.tryPassword(connection, line);
    // Only a line starting with `/` may be a command: chat does not even read the clocks.
    if (line[0] === SLASH && this.commands?.handle(connection, line, performance.now(), Date.now())) {
      return this.spendLine(connection);
    }
    connection.linesSent++;
    this.counters.linesRelayed++;
    const text = quoteNoticeLookalike(line) ?? line;
    if (this.sequencer) {
      this.sequencer.line(connection.id, text);
    } else {
      if (this.answerPending.size > 0) this.answerFirst(connection);
      this.delivery.say(connection.prefix, text);
      this.replay?.record(connection.prefix, text, Date.now());
      this.scheduleFlush();
    }
    if (this.listenerCount('message') > 0) this.emitSafely('message', connection.info(), text.toString('utf8'));
    return this.spendLine(connection);
  }

  // A line (chat or command) counts against its sender's line rate; false: stop reading it for now.
  private spendLine(connection: Connection): boolean {
    const bucket = connection.talker!.lines;
    if (bucket === null || bucket.spend(performance.now())) return true;
    this.pause(connection, 'line-rate');
    this.ratePaused.add(connection);
    if (!this.rateTimer) {
      this.rateTimer = setInterval(this.rateTick, Math.max(10, Math.ceil(1000 / this.maxLinesPerSecond)));
      this.rateTimer.unref();
    }
    return false;
  }

  private readonly rateTick = (): void => {
    const now = performance.now();
    for (const connection of [...this.ratePaused]) {
      if (connection.phase === Phase.Closed) this.ratePaused.delete(connection);
      else if (!connection.talker?.lines || connection.talker.lines.ready(now)) this.rateReady(connection);
    }
    if (this.ratePaused.size === 0 && this.rateTimer) {
      clearInterval(this.rateTimer);
      this.rateTimer = null;
    }
  };

  // Its bucket has a line again: decode what it had sent, and read it again if that all went.
  private rateReady(connection: Connection): void {
    this.ratePaused.delete(connection);
    const talker = connection.talker;
    if (!talker) return;
    const pending = talker.pendingInput;
    talker.pendingInput = null;
    if (pending) {
      const used = talker.decoder.push(pending);
      if (used < pending.length) {
        talker.pendingInput = pending.subarray(used);
        return; // relay paused it again
      }
    }
    if (this.ratePaused.has(connection)) return;
    this.resume(connection, 'line-rate');
    if (talker.endPending) {
      talker.endPending = false;
      this.finishInput(connection);
    }
  }

  private onEnd(connection: Connection): void {
    if (connection.phase === Phase.Closed || connection.leaving) return;
    // The peer is done sending; whatever it typed without a newline still counts. It may
    // still be reading, so it gets the rest of this turn (its own last line included).
    // An opening still undecided at the end (say "GE") was chat after all.
    if (this.tls && this.transportUndecided(connection) && !this.choosePlain(connection)) return;
    const head = connection.sniffing ? connection.openingHead : null;
    connection.sniffing = false;
    connection.openingHead = null;
    if (head !== null) {
      if (connection.phase === Phase.Pending) this.announce(connection);
      this.decode(connection, head);
    }
    // Input held back by the line rate is still relayed, at the rate, before it leaves.
    if (connection.talker?.pendingInput) connection.talker.endPending = true;
    else this.finishInput(connection);
  }

  private finishInput(connection: Connection): void {
    connection.talker?.decoder.end();
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
    if (connection.talker) {
      connection.talker.decoder.reset();
      connection.talker.pendingInput = null;
    }
  }

  // ---- reading paused ----------------------------------------------------------------------

  // One reason more not to read `connection`; false when it was already paused for it.
  private stopReading(connection: Connection, bit: number): boolean {
    if (connection.pausedFor & bit) return false;
    if (connection.pausedFor === 0) connection.socket.pause();
    connection.pausedFor |= bit;
    return true;
  }

  // One reason less; it is read again once none is left. False when it was not paused for it.
  private startReading(connection: Connection, bit: number): boolean {
    if (!(connection.pausedFor & bit)) return false;
    connection.pausedFor &= ~bit;
    if (connection.pausedFor === 0 && connection.phase !== Phase.Closed) connection.socket.resume();
    return true;
  }

  private pause(connection: Connection, reason: FlowReason): void {
    if (connection.phase === Phase.Closed || !this.stopReading(connection, PAUSE_BITS[reason])) return;
    this.emitSafely('flow', connection.info(), 'paused', reason);
  }

  private resume(connection: Connection, reason: FlowReason): void {
    if (!this.startReading(connection, PAUSE_BITS[reason]) || connection.phase === Phase.Closed) return;
    this.emitSafely('flow', connection.info(), 'resumed', reason);
  }

  // Held by the sequencer: not read until it lets go (TCP pushes back meanwhile).
  private hold(connection: Connection): void {
    this.stopReading(connection, SEQUENCER_BIT);
  }

  private release(connection: Connection): void {
    this.startReading(connection, SEQUENCER_BIT);
  }

  // ---- leaving -----------------------------------------------------------------------------

  private drop(connection: Connection, reason: LeaveReason): void {
    if (connection.phase === Phase.Closed) return;
    const wasPending = connection.phase === Phase.Pending;
    const wasLocked = connection.locked;
    if (!wasPending) this.counters.clientsNow--;
    connection.phase = Phase.Closed;
    this.removeFromRoom(connection);
    this.descriptors?.released(this.connectionCount());
    this.forget(connection);
    this.commands?.left(connection.id);
    if ((connection.rejected || wasLocked) && wasPending) return; // never announced, never mentioned
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
    if (connection.locked) this.releaseLock(connection);
    if (this.departing.size > 0) this.departing.delete(connection.id);
    connection.index = -1;
    this.queue.remove(connection);
    this.budget.removed(connection);
    this.ratePaused.delete(connection);
    if (connection.talker) connection.talker.pendingInput = null;
    if (connection.crlf) {
      connection.crlf = false;
      this.crlfReaders--;
    }
  }

  // Its place in the per-address limits and the trusted list are free again.
  private forget(connection: Connection): void {
    if (connection.limited) {
      connection.limited = false;
      this.limits.release(connection.source);
    }
    if (connection.trusted) this.trustedPeers.delete(connection.peer);
  }

  // It left (its end arrived and was delivered): close our side and forget it.
  private leaveNow(connection: Connection): void {
    endLingering(connection.socket);
    this.drop(connection, 'left');
  }

  private finishLeaving(): void {
    for (const connection of this.leaving.splice(0)) {
      if (connection.phase === Phase.Closed) continue;
      this.leaveNow(connection);
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
    if (this.ownLines.length > 0) this.writeOwnLines();
    if (this.leaving.length > 0) this.finishLeaving();
    if (this.turnSenders.length > 0) this.newTurnShares();
  };

  // Every sender may send its share again; those that used it up are read again.
  private newTurnShares(): void {
    const senders = this.turnSenders;
    this.turnSenders = [];
    for (const connection of senders) {
      connection.talker!.turnBytes = 0;
      this.startReading(connection, TURN_SHARE_BIT);
    }
  }

  // Ends the turn: writes it to everyone. False if it said nothing.
  private deliverTurn(): boolean {
    this.saidSinceTurn = false;
    const bytes = this.delivery.endTurn(this.connections, this.queue, this.crlfReaders > 0);
    if (bytes === 0) return false;
    this.budget.afterTurn(bytes);
    return true;
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
      pauseIntake: (paused) => this.holdIntake(paused),
      outputBlocked: () => this.budget.overBudget,
      onOutputFlowing: (listener) => {
        this.outputFlowing.push(listener);
      },
      evictAll: (notice) => this.evictAll(notice),
      tell: (localClient, lines) => {
        // It may not hear the room yet (its join is still on its way) or be leaving.
        const connection = this.waiting.get(localClient) ?? this.departing.get(localClient) ??
          this.connections.find((candidate) => candidate.id === localClient);
        if (connection !== undefined && connection.phase !== Phase.Closed) this.tellOne(connection, lines);
      },
      renamed: (localClient, name) => {
        const connection = this.connections.find((candidate) => candidate.id === localClient);
        if (connection !== undefined) this.emitSafely('name', connection.info(), name);
      },
      replayLimits: this.replay === null ? null : { lines: this.replay.maxLines, bytes: this.replay.maxBytes },
      deliverHistory: (prefix, text, at) => this.deliverHistory(prefix, text, at),
    };
  }

  private holdIntake(paused: boolean): void {
    if (paused === this.sequencerHoldsIntake || this.closing) return;
    this.sequencerHoldsIntake = paused;
    for (const connection of this.everyone()) {
      if (connection.phase === Phase.Closed) continue;
      if (paused) this.hold(connection);
      else this.release(connection);
    }
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
    if (connection === undefined || this.closing) return;
    // In the room from right after its own notice: it hears everything that comes next.
    this.waiting.delete(localClient);
    connection.index = this.connections.length;
    this.connections.push(connection);
    this.delivery.arrive(connection);
    this.greet(connection);
  }

  private deliverLine(prefix: Buffer, text: Buffer): void {
    // The sequencer's text is cleaned, bounded and quoted again, with a client's rules:
    // whatever wrote it (another node, anything with access to the sequencer) is not trusted.
    this.sequencedPrefix = prefix;
    const decoder = (this.sequencedLines ??= new LineDecoder(this.maxLineBytes, (line) => {
      const text = quoteNoticeLookalike(line) ?? line;
      this.sayToRoom(this.sequencedPrefix, text);
      this.replay?.record(this.sequencedPrefix, text, Date.now());
    }));
    decoder.push(text);
    decoder.end();
  }

  // Said before this server joined the room: cleaned like any line from the sequencer, kept for catch-up only.
  private deliverHistory(prefix: Buffer, text: Buffer, at: number): void {
    const replay = this.replay;
    if (replay === null) return;
    const decoder = new LineDecoder(this.maxLineBytes, (line) => {
      replay.record(prefix, quoteNoticeLookalike(line) ?? line, at);
    });
    decoder.push(text);
    decoder.end();
  }

  private deliverLeave(prefix: Buffer, localClient: number): void {
    const connection = localClient >= 0 ? this.departing.get(localClient) : undefined;
    if (connection === undefined || this.closing) {
      this.sayToRoom(prefix, DISCONNECTED_BYTES);
      return;
    }
    // Its last turn ends here: what was said before its departure, not its own notice
    // (nor those of others departing right with it, as without a sequencer).
    if (this.saidSinceTurn) this.deliverTurn();
    this.departing.delete(localClient);
    this.leaveNow(connection);
    this.delivery.say(prefix, DISCONNECTED_BYTES);
    this.scheduleFlush();
  }

  // The sequencer gave up on this server's place in the room: everyone here is told and closed.
  private evictAll(notice: string): void {
    if (this.closing) return;
    this.sayToRoom(NO_PREFIX, Buffer.from(notice, 'utf8'));
    this.deliverTurn();
    for (const connection of this.everyone()) {
      const announced = connection.phase === Phase.Announced;
      const heard = connection.index >= 0; // the others were not in the room yet
      if (announced) this.counters.clientsNow--;
      connection.phase = Phase.Closed;
      this.removeFromRoom(connection);
      this.forget(connection);
      const socket = connection.socket;
      if (!heard) socket.write(connection.crlf ? `${notice}\r\n` : `${notice}\n`);
      endLingering(socket);
      if (announced) this.emitSafely('leave', connection.info(), 'server-closed');
    }
    this.commands?.clear();
    this.descriptors?.released(this.connectionCount());
  }

  // ---- closing -----------------------------------------------------------------------------

  private async shutDown(): Promise<void> {
    this.tls?.close();
    this.admission.close();
    this.budget.close();
    if (this.rateTimer) clearInterval(this.rateTimer);
    this.rateTimer = null;
    // What was said before closing is still delivered.
    this.deliverTurn();
    const server = this.server;
    const stopped = server
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    const everyone = this.everyone();
    const sockets = everyone.map((connection) => connection.socket);
    for (const connection of everyone) {
      const announced = connection.phase === Phase.Announced;
      if (announced) this.counters.clientsNow--;
      connection.phase = Phase.Closed;
      this.removeFromRoom(connection);
      this.forget(connection);
      if (announced && !connection.leaving) this.sequencer?.leave(connection.id);
      if (announced) this.emitSafely('leave', connection.info(), 'server-closed');
    }
    this.queue.close();
    this.commands?.clear();
    this.ownLines = [];
    this.answerPending.clear();
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

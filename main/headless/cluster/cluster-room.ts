/**
 * ClusterRoom: one room shared by several headless servers ("nodes") through Redis. It is
 * the ChatServer's sequencer (main/chat/sequencer.ts): the room's order is the order of one
 * Redis stream.
 *
 *  - Out: a local client's join, lines and departure are queued and appended in batches, one
 *    batch in flight at a time (whatever is said meanwhile waits for the next), by a Lua
 *    script that skips events already appended (a batch resent after a lost reply), updates
 *    membership in the same step, and caps the stream (`MAXLEN ~ backlog`).
 *  - In: a dedicated connection reads the stream from the last id it delivered, by a script
 *    that bounds each read in entries and bytes, leaves behind the bytes of entries no real
 *    node writes, and adds what Redis records about the nodes named (their sequence records
 *    and tombstones); when nothing is new, a blocking XREAD waits for the next entry. Every
 *    event, this node's own included, is delivered to the server only then, so every client
 *    on every node sees one order, and delivery stops between two entries as soon as the
 *    server's output is over its budget (the rest is read again once it drains). Each entry
 *    carries its ordinal (Redis's entries-added count), so a gap — the node was away for
 *    longer than the stream keeps — is seen exactly and told to the clients in one line.
 *  - Trust: an entry is taken only if its node could have written it: a sequence number up
 *    to the node's record in Redis, a line only from a client whose join was seen under the
 *    same label, a reaper's departure only when the dead node's tombstone names that reaper.
 *  - Liveness: a heartbeat renews this node's lease (PX) and lists nodes whose lease lapsed;
 *    a survivor that has been in contact for a whole lease announces their clients' departures
 *    through a script whose tombstone (SET NX) makes that happen once.
 *  - People: names are room-wide. A claim goes out in order with the node's other events, and
 *    APPEND grants it only if no other client anywhere holds a name that looks the same (the
 *    `names` hash), so two nodes can never both grant one; a refusal comes back to the node
 *    alone. A granted or dropped name is an entry like any other, and every node tells its
 *    clients from it, so everyone everywhere gets the same line at the same point of the room.
 *    A name is taken only from a client whose join was seen under that label, and a name that
 *    someone else holds here only when Redis says this client holds it now. Each node keeps
 *    the whole room's roster (label, name, since when), so `/who` lists everyone.
 *  - Catch-up: a node that joins hands its server the room's last lines (HISTORY), before
 *    anything live; from then on every line it delivers is kept as on a single server.
 *  - Faults: ioredis reconnects with backoff. While either connection is down the room is
 *    paused here: the server stops reading its clients (TCP pushes back), nothing is shown
 *    out of order, and after a few seconds clients are told so in one line. On reconnect the
 *    unacknowledged batch is sent again (the script skips what was applied) and reading
 *    resumes from the last id: nothing lost, nothing twice.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis, type RedisOptions } from 'ioredis';
import { DEFAULT_MAX_LINE_BYTES } from '../../chat/line-decoder';
import { prefixFor } from '../../chat/protocol';
import type { RoomPerson, RoomSequencer, SequencedRoom, SharedNames } from '../../chat/sequencer';
import { nameChangedLine, nameDroppedLine, nameInvalidLine, nameTakenByLine, nameTakenLine, NAMES_FULL_LINE } from '../../chat/server-lines';
import { DEFAULT_BACKLOG, DEFAULT_LEASE_MS, describeTarget, type RedisTarget } from './options';
import { APPEND, DEREGISTER, HEARTBEAT, HISTORY, READ, REAP, SNAPSHOT, roomKeys, runScript, type RoomKeys } from './redis-room';
import { canonicalPeer, compareIds, entryId, isGrantableName, MAX_NAME_KEY_BYTES, NODE_ID, parseStreamEntry, type StreamEvent } from './stream-events';


/** Entries and bytes per read, events per append batch and bytes per batch: each round trip is bounded. */
const READ_COUNT = 1000;
export const READ_BYTES = 1024 * 1024;
/** Bytes one read may look through in Redis, entries it leaves behind included (Redis waits meanwhile). */
const READ_SCAN_BYTES = 4 * READ_BYTES;
/**
 * Text handed to the server per turn: it then writes the turn and checks its output budget,
 * so delivery stops in the middle of a read once the clients fall behind.
 */
export const TURN_BYTES = 64 * 1024;
const BATCH_EVENTS = 1000;
const BATCH_BYTES = 1024 * 1024;
/** Queued-but-unacknowledged bytes past which the server stops reading its clients. */
export const OUTBOUND_BUDGET_BYTES = 8 * 1024 * 1024;
/** A blocking read returns at least this often, so a dead connection is noticed (socketTimeout). */
const BLOCK_MS = 2000;
const SOCKET_TIMEOUT_MS = 6000;
const CONNECT_TIMEOUT_MS = 5000;
/** Reconnect backoff: 50 ms doubling to 2 s, plus jitter so nodes do not reconnect in step. */
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 2000;
const RETRY_JITTER_MS = 100;
/** After a refused write (say Redis is out of memory), try again after this long. */
const WRITE_RETRY_MS = 500;
/** Tell clients the room is paused only when it lasts; a Redis restart usually takes less. */
export const DEFAULT_PAUSE_NOTICE_MS = 3000;
/** A dead node's tombstone outlives any survivor's memory of it. */
const TOMBSTONE_S = 24 * 60 * 60;
/** Bounds on what this node remembers about the others (a compromised node could spray ids). */
export const MAX_TRACKED_NODES = 1024;
export const MAX_TRACKED_MEMBERS = 200_000;
/** Names one node's clients may hold at once (Redis refuses more): a compromised node cannot squat on every name. */
export const MAX_NAMES_PER_NODE = 10_000;
const CLOSE_FLUSH_MS = 2000;
const ERROR_LOG_EVERY_MS = 5000;

export const PAUSED_NOTICE = 'Tincan: this server lost contact with the rest of the room; the room is paused here until it is back.';
export const RESUMED_NOTICE = 'Tincan: this server is back in contact with the room.';
export const EVICTED_NOTICE = 'Tincan: this server was cut off from the room for too long and has left it; please reconnect.';
export function missedNotice(count: number | null): string {
  return count === null
    ? 'Tincan: some lines of the room may be missing here: its history was lost while this server was cut off.'
    : `Tincan: ${count} ${count === 1 ? 'line' : 'lines'} of the room went by while this server was cut off and could not be shown.`;
}

export interface ClusterRoomOptions {
  target: RedisTarget;
  room: string;
  /** Entries the stream keeps (MAXLEN ~). */
  backlog?: number;
  leaseMs?: number;
  /** How long a pause lasts before clients are told. */
  pauseNoticeMs?: number;
  /** The nodes' --max-line: a longer text in the stream was not written by a node, and is dropped. */
  maxLineBytes?: number;
  /** Names this node's clients may hold at once (default MAX_NAMES_PER_NODE). */
  maxNamesPerNode?: number;
  /** One line of log, no newline. */
  log: (text: string) => void;
}

export interface ClusterStats {
  node: string;
  /** Events appended by this node, reads of the stream that brought entries, events delivered from it. */
  appended: number;
  reads: number;
  delivered: number;
  /** Entries that failed validation, or that their node could not have written, and were skipped. */
  invalid: number;
  /** Events skipped as already delivered (seen again after a lost reply or lost history). */
  duplicates: number;
  /** Entries that went by unseen (a gap longer than the stream keeps). */
  missed: number;
  gaps: number;
  /** Departures this node announced for dead nodes. */
  reaped: number;
  pendingEvents: number;
  pendingBytes: number;
  /** What this node remembers of the room (bounded). */
  trackedNodes: number;
  trackedMembers: number;
  intakePaused: boolean;
}

type OpKind = 'j' | 'l' | 'q' | 'm' | 'n';

interface Op {
  seq: number;
  kind: OpKind;
  client: string;
  peer: string;
  text: Buffer | null;
}

interface Member {
  node: string;
  client: number;
  peer: string;
  prefix: Buffer;
  /** When its join was added to the stream (epoch ms). */
  since: number;
  name: string | null;
  /** The name's look-alike key. */
  key: string | null;
}

/** What Redis recorded about a node when a read was made. */
interface NodeRecord {
  /** The last sequence number appended for it; null when it has none (gone, or never registered). */
  seq: number | null;
  /** The node that declared it dead (its tombstone); null while it is alive. */
  reaper: string | null;
  /** Its clients that said a line in the read, as its member hash has them: client id -> label. */
  members: Map<number, string>;
  /** Its entries in the read: entry id -> the id APPEND recorded for that entry's sequence number ('' if none). */
  ids: Map<string, string>;
}

/** TLS failures that no retry will fix: the certificate does not prove who the server is. */
const CERTIFICATE_ERRORS = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Errors that mean the settings are wrong, not that Redis is away for a moment. */
function isConfigurationError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && CERTIFICATE_ERRORS.has(code)) return true;
  return /^(WRONGPASS|NOAUTH|NOPERM|ERR AUTH|ERR invalid password|ERR unknown command|ERR DB index)/i.test(error.message);
}

function newNodeId(): string {
  return randomBytes(6).toString('hex');
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

export class ClusterRoom implements RoomSequencer {
  private readonly keys: RoomKeys;
  private readonly backlog: number;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly pauseNoticeMs: number;
  private readonly maxLineBytes: number;
  /** The longest field value a real node writes: a line, or a label. */
  private readonly maxValueBytes: number;
  private readonly maxNamesPerNode: number;
  private readonly log: (text: string) => void;
  /** The room's last lines were handed to the server (once: a node declared dead keeps what it had). */
  private historyLoaded = false;
  private room: SequencedRoom | null = null;

  private nodeId = newNodeId();
  private readonly writer: Redis;
  private readonly reader: Redis;
  /** Bumped whenever a connection is lost or replaced: replies from before are ignored. */
  private writerGeneration = 0;
  private readerGeneration = 0;
  private writerUp = false;
  private readerUp = false;
  private writerUpSince = 0;
  private joined = false;
  private closing = false;
  private startWaiter: { resolve: () => void; reject: (error: Error) => void } | null = null;

  // ---- outbound: this node's events, in order, until Redis acknowledged them ----
  private nextSeq = 1;
  private readonly queue: Op[] = [];
  private queueHead = 0;
  private inFlight = 0;
  private pendingBytes = 0;
  private pumpScheduled = false;
  private writeRetry: NodeJS.Timeout | null = null;
  /** Called once nothing is left to send, or sending became impossible (close() waits on it). */
  private readonly drainWaiters: Array<() => void> = [];
  /** This node's clients in the room: announced (join queued) and not yet left. */
  private readonly localMembers = new Map<number, string>();

  // ---- inbound: the room's order ----
  private epoch = '';
  private lastId = '0-0';
  /** Ordinal of the last entry read; null when unknown (after the history was lost). */
  private ordinal: number | null = 0;
  private readonly lastSeq = new Map<string, number>();
  private readonly members = new Map<string, Map<number, Member>>();
  private trackedMembers = 0;
  /** The same members, by `NODE CLIENT`, in the order they joined (`/who` lists the first ones). */
  private readonly roster = new Map<string, Member>();
  /** Named members by their name's look-alike key. */
  private readonly byKey = new Map<string, Member>();

  // ---- pause ----
  private intakePaused = false;
  private pausedForContact = false;
  private pauseNoticeTimer: NodeJS.Timeout | null = null;
  private pauseNoticeShown = false;
  private lostContactAt = 0;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatRunning = false;
  private lastErrorLog = 0;

  private readonly counters = { appended: 0, reads: 0, delivered: 0, invalid: 0, duplicates: 0, missed: 0, gaps: 0, reaped: 0 };

  constructor(private readonly options: ClusterRoomOptions) {
    this.keys = roomKeys(options.room);
    this.backlog = options.backlog ?? DEFAULT_BACKLOG;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.heartbeatMs = Math.max(100, Math.floor(this.leaseMs / 5));
    this.pauseNoticeMs = options.pauseNoticeMs ?? DEFAULT_PAUSE_NOTICE_MS;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.maxValueBytes = Math.max(this.maxLineBytes, MAX_NAME_KEY_BYTES);
    this.maxNamesPerNode = options.maxNamesPerNode ?? MAX_NAMES_PER_NODE;
    this.log = options.log;
    this.writer = new Redis(this.connectionOptions('writer'));
    this.reader = new Redis(this.connectionOptions('reader'));
    this.writer.on('ready', () => this.onWriterReady());
    this.writer.on('close', () => this.onWriterClosed());
    this.writer.on('error', (error) => this.onConnectionError(error));
    this.reader.on('ready', () => this.onReaderReady());
    this.reader.on('close', () => this.onReaderClosed());
    this.reader.on('error', (error) => this.onConnectionError(error));
  }

  get stats(): ClusterStats {
    return {
      node: this.nodeId,
      ...this.counters,
      pendingEvents: this.queue.length - this.queueHead,
      pendingBytes: this.pendingBytes,
      trackedNodes: Math.max(this.members.size, this.lastSeq.size),
      trackedMembers: this.trackedMembers,
      intakePaused: this.intakePaused,
    };
  }

  /** Where the room is, for logs (no password). */
  get where(): string {
    return `${describeTarget(this.options.target)} room "${this.options.room}"`;
  }

  private connectionOptions(role: 'writer' | 'reader'): RedisOptions {
    const { target } = this.options;
    return {
      host: target.host,
      port: target.port,
      username: target.username,
      password: target.password,
      db: target.db,
      ...(target.tls ? { tls: { servername: /^[\d.]+$|:/.test(target.host) ? undefined : target.host } } : {}),
      // RESP2: the reply shapes of XREAD and of scripts do not depend on the server's version.
      protocol: 2,
      lazyConnect: true,
      // This class keeps its own queue and resends its own batch; ioredis must neither queue
      // commands while disconnected nor resend them on its own (that could reorder them).
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: null,
      connectTimeout: CONNECT_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
      keepAlive: 5000,
      noDelay: true,
      connectionName: `tincan:${this.options.room}:${role}`,
      disableClientInfo: true,
      retryStrategy: (times) =>
        Math.min(RETRY_FIRST_MS * 2 ** Math.min(times - 1, 16), RETRY_MAX_MS) + Math.floor(Math.random() * RETRY_JITTER_MS),
    };
  }

  // ---- life cycle ------------------------------------------------------------------------

  attach(room: SequencedRoom): void {
    if (this.room) throw new Error('This cluster room is already attached to a server.');
    this.room = room;
    room.onOutputFlowing(() => {
      if (this.readerUp) this.readLoop(this.readerGeneration);
    });
  }

  /**
   * Connects and joins the room. Resolves once joined; while Redis cannot be reached it keeps
   * trying (and logs why). Rejects at once for settings that cannot work (wrong password, no
   * permission), so the command line can say so and exit.
   */
  start(): Promise<void> {
    if (!this.room) throw new Error('Attach the cluster room to a server before starting it.');
    const joined = new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
    });
    this.pauseForContact(); // nothing is read from clients until the node has joined
    this.writer.connect().catch(() => {}); // failures arrive as 'error' events and retries
    return joined;
  }

  /**
   * Sends what is queued (the server's last departures included), says goodbye to Redis and
   * disconnects. Gives up after a couple of seconds if Redis is away: the others will then
   * announce this node's clients' departures when its lease lapses.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopHeartbeat();
    if (this.writeRetry) clearTimeout(this.writeRetry);
    if (this.pauseNoticeTimer) clearTimeout(this.pauseNoticeTimer);
    this.startWaiter?.reject(new Error('The node was closed before it joined the cluster.'));
    this.startWaiter = null;
    this.readerGeneration++;
    this.reader.disconnect();
    if (this.joined) {
      this.pump();
      await this.drained(CLOSE_FLUSH_MS);
      if (this.queue.length === this.queueHead && this.writerUp) {
        try {
          await withTimeout(
            runScript(this.writer, DEREGISTER, [this.keys.lease(this.nodeId), this.keys.nodes, this.keys.seq], [this.nodeId, this.keys.prefix]),
            CLOSE_FLUSH_MS,
          );
          this.log(`left the cluster (${this.where})`);
        } catch (error) {
          this.log(`could not say goodbye to the cluster (${errorText(error)}); the others will notice within ${this.leaseMs / 1000} s`);
        }
      } else {
        this.log(`left the cluster without sending ${this.queue.length - this.queueHead} last events; the others will notice within ${this.leaseMs / 1000} s`);
      }
    }
    this.writerGeneration++;
    this.writer.disconnect();
  }

  // ---- the server's side: local events go out --------------------------------------------

  join(client: number, peer: string): void {
    this.localMembers.set(client, peer);
    this.enqueue('j', client, peer, null);
  }

  line(client: number, text: Buffer): void {
    const peer = this.localMembers.get(client);
    if (peer === undefined) return; // not in the room (any more): nothing to say
    this.enqueue('l', client, peer, Buffer.from(text));
  }

  readonly names: SharedNames = {
    nameOf: (client) => this.members.get(this.nodeId)?.get(client)?.name ?? null,
    holderOf: (key) => {
      const member = this.byKey.get(key);
      return member === undefined ? null : this.person(member);
    },
    claim: (client, name, key) => {
      const peer = this.localMembers.get(client);
      if (peer === undefined) return;
      if (key !== null && Buffer.byteLength(key) > MAX_NAME_KEY_BYTES) {
        this.room?.tell(client, [nameInvalidLine('that name is too long to share across the room')]);
        return;
      }
      this.enqueue('n', client, peer, name === null || key === null ? null : Buffer.from(`${key}\n${name}`, 'utf8'));
    },
    people: (limit) => {
      const listed: RoomPerson[] = [];
      for (const member of this.roster.values()) {
        if (listed.length >= limit) break;
        listed.push(this.person(member));
      }
      return { listed, total: this.roster.size };
    },
  };

  private person(member: Member): RoomPerson {
    return {
      peer: member.peer,
      name: member.name,
      connectedAt: member.since,
      localClient: member.node === this.nodeId ? member.client : -1,
    };
  }

  leave(client: number): void {
    const peer = this.localMembers.get(client);
    if (peer === undefined) return;
    this.localMembers.delete(client);
    this.enqueue('q', client, peer, null);
  }

  private enqueue(kind: OpKind, client: number, peer: string, text: Buffer | null): void {
    this.queue.push({ seq: this.nextSeq++, kind, client: String(client), peer, text });
    this.pendingBytes += opBytes(text, peer);
    if (this.pendingBytes > OUTBOUND_BUDGET_BYTES) this.updateIntake();
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      setImmediate(() => {
        this.pumpScheduled = false;
        this.pump();
      });
    }
  }

  // One batch in flight at a time: order is kept even across a reconnect or a NOSCRIPT reload.
  private pump(): void {
    if (!this.joined || !this.writerUp || this.inFlight > 0 || this.writeRetry) return;
    const pending = this.queue.length - this.queueHead;
    if (pending === 0) return;
    const args: Array<string | Buffer | number> = [this.nodeId, this.queue[this.queueHead]!.seq, this.backlog, this.keys.prefix, this.maxNamesPerNode];
    let bytes = 0;
    let count = 0;
    while (count < pending && count < BATCH_EVENTS && bytes < BATCH_BYTES) {
      const op = this.queue[this.queueHead + count]!;
      args.push(op.kind, op.client, op.peer, op.text ?? '');
      bytes += opBytes(op.text, op.peer);
      count++;
    }
    this.inFlight = count;
    const generation = this.writerGeneration;
    const node = this.nodeId;
    const keys = [
      this.keys.stream, this.keys.seq, this.keys.dead(node), this.keys.members(node),
      this.keys.names, this.keys.named(node), this.keys.joined(node), this.keys.said,
    ];
    runScript(this.writer, APPEND, keys, args).then(
      (reply) => {
        if (generation !== this.writerGeneration) return;
        this.inFlight = 0;
        const values = Array.isArray(reply) ? (reply as unknown[]) : [];
        if (Number(values[0]) === -1) {
          this.declaredDead();
          return;
        }
        this.refused(values.slice(1));
        this.acknowledge(Number(values[0]));
        this.pump();
      },
      (error: unknown) => {
        if (generation !== this.writerGeneration) return;
        this.inFlight = 0;
        // A lost connection resends from onWriterReady; a refusal (OOM, a script error) is
        // retried after a pause, with the room paused meanwhile if the queue grows.
        if (this.writer.status !== 'ready') return;
        this.logError(`Redis refused this node's events: ${errorText(error)}`);
        this.writeRetry = setTimeout(() => {
          this.writeRetry = null;
          this.pump();
        }, WRITE_RETRY_MS);
        this.writeRetry.unref();
      },
    );
  }

  /** Name claims APPEND refused (`seq, holder's name, holder's label` each): the claimant alone is told. */
  private refused(values: unknown[]): void {
    for (let i = 0; i + 2 < values.length; i += 3) {
      const seq = Number(latin1(values[i]));
      const op = this.queue.find((queued, at) => at >= this.queueHead && queued.seq === seq);
      if (op === undefined || op.kind !== 'n' || op.text === null) continue;
      const text = op.text.toString('utf8');
      const name = text.slice(text.indexOf('\n') + 1);
      const holder = Buffer.isBuffer(values[i + 1]) ? (values[i + 1] as Buffer).toString('utf8') : '';
      const holderPeer = latin1(values[i + 2]);
      this.room?.tell(Number(op.client), [holder === '' ? NAMES_FULL_LINE : nameTakenByLine(name, holder, holderPeer)]);
    }
  }

  private acknowledge(lastSeq: number): void {
    let head = this.queueHead;
    while (head < this.queue.length && this.queue[head]!.seq <= lastSeq) {
      const op = this.queue[head]!;
      this.pendingBytes -= opBytes(op.text, op.peer);
      if (op.kind !== 'm') this.counters.appended++;
      head++;
    }
    if (head === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (head > 1024 && head * 2 > this.queue.length) {
      this.queue.splice(0, head);
      this.queueHead = 0;
    } else {
      this.queueHead = head;
    }
    if (this.intakePaused) this.updateIntake();
    if (this.queueHead === this.queue.length) this.settleDrainWaiters();
  }

  /** Resolves once everything queued is acknowledged, the writer is down, or after `ms`. */
  private drained(ms: number): Promise<void> {
    if (this.queueHead === this.queue.length || !this.writerUp) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private settleDrainWaiters(): void {
    for (const waiter of this.drainWaiters.splice(0)) waiter();
  }

  // ---- connections -----------------------------------------------------------------------

  private onConnectionError(error: Error): void {
    if (!this.joined && this.startWaiter && isConfigurationError(error)) {
      const waiter = this.startWaiter;
      this.startWaiter = null;
      const code = (error as NodeJS.ErrnoException).code;
      const why = code !== undefined && CERTIFICATE_ERRORS.has(code)
        ? `its TLS certificate cannot be trusted (${errorText(error)}); for a private CA, set NODE_EXTRA_CA_CERTS to its certificate file`
        : `it refused this node: ${errorText(error)}`;
      waiter.reject(new Error(`Cannot join the cluster at ${describeTarget(this.options.target)}: ${why}`));
      return;
    }
    this.logError(`Redis at ${describeTarget(this.options.target)}: ${errorText(error)}`);
  }

  private logError(text: string): void {
    const now = Date.now();
    if (now - this.lastErrorLog < ERROR_LOG_EVERY_MS) return;
    this.lastErrorLog = now;
    this.log(text);
  }

  private onWriterReady(): void {
    const generation = ++this.writerGeneration;
    void (async () => {
      try {
        if (!this.joined) await this.joinRoom(generation);
        else await this.heartbeat(generation);
      } catch (error) {
        if (generation !== this.writerGeneration || this.closing) return;
        if (this.writer.status === 'ready') {
          if (!this.joined && this.startWaiter && error instanceof Error && isConfigurationError(error)) {
            this.onConnectionError(error);
            return;
          }
          this.logError(`Redis refused to let this node join: ${errorText(error)}; trying again`);
          // Start over on a fresh connection rather than spin on a refusing one.
          setTimeout(() => this.writer.disconnect(true), WRITE_RETRY_MS).unref();
        }
        return;
      }
      if (generation !== this.writerGeneration || this.closing || !this.joined) return;
      this.writerUp = true;
      this.writerUpSince = performance.now();
      this.startHeartbeat();
      this.updateContact();
      this.pump();
    })();
  }

  private onWriterClosed(): void {
    this.writerGeneration++;
    this.inFlight = 0; // the batch in flight is sent again after the reconnect
    this.stopHeartbeat();
    this.settleDrainWaiters();
    if (!this.writerUp) return;
    this.writerUp = false;
    this.updateContact();
  }

  private onReaderReady(): void {
    const generation = ++this.readerGeneration;
    if (!this.joined || this.closing) return;
    this.readerUp = true;
    this.updateContact();
    this.readLoop(generation);
  }

  private onReaderClosed(): void {
    this.readerGeneration++;
    this.reading = false;
    if (!this.readerUp) return;
    this.readerUp = false;
    this.updateContact();
  }

  /** First contact: read where the room is and who is in it, then register. */
  private async joinRoom(generation: number): Promise<void> {
    const snapshotKeys = [this.keys.stream, this.keys.nodes, this.keys.seq, this.keys.epoch, this.keys.names];
    const reply = (await runScript(this.writer, SNAPSHOT, snapshotKeys, [this.keys.prefix, newNodeId()])) as unknown[];
    if (generation !== this.writerGeneration) return;
    const [epoch, lastId, added, nodes, names] = reply as [Buffer, Buffer, unknown, unknown[], Buffer[]];
    this.epoch = epoch.toString('latin1');
    this.lastId = lastId.toString('latin1');
    this.ordinal = Number(added);
    this.members.clear();
    this.roster.clear();
    this.byKey.clear();
    this.lastSeq.clear();
    this.trackedMembers = 0;
    let clients = 0;
    const present: Array<{ node: string; client: number; peer: string; since: number }> = [];
    for (const entry of nodes) {
      const [rawNode, seq, hash, joined] = entry as [Buffer, Buffer, Buffer[], Buffer[]];
      const node = rawNode.toString('latin1');
      if (!NODE_ID.test(node) || this.lastSeq.size >= MAX_TRACKED_NODES) continue;
      this.lastSeq.set(node, Number(seq.toString('latin1')) || 0);
      const since = new Map<string, number>();
      for (let i = 0; i + 1 < joined.length; i += 2) since.set(joined[i]!.toString('latin1'), Number(joined[i + 1]!.toString('latin1')) || 0);
      for (let i = 0; i + 1 < hash.length; i += 2) {
        const client = Number(hash[i]!.toString('latin1'));
        const peer = canonicalPeer(hash[i + 1]!.toString('latin1'));
        if (Number.isSafeInteger(client) && peer !== null) present.push({ node, client, peer, since: since.get(hash[i]!.toString('latin1')) ?? Date.now() });
        clients++;
      }
    }
    // The roster in the order they joined.
    present.sort((a, b) => a.since - b.since);
    for (const { node, client, peer, since } of present) this.remember(node, client, peer, since);
    for (let i = 0; i + 1 < names.length; i += 2) this.snapshotName(names[i]!.toString('utf8'), names[i + 1]!.toString('utf8'));
    if (!this.historyLoaded && this.room!.replayLimits !== null) {
      await this.loadHistory(this.room!.replayLimits, this.lastId);
      if (generation !== this.writerGeneration) return;
    }
    const others = [...this.lastSeq.keys()].filter((node) => node !== this.nodeId).length;
    await this.heartbeat(generation);
    if (generation !== this.writerGeneration || this.closing) return;
    this.joined = true;
    this.log(`joined the cluster at ${this.where} as node ${this.nodeId} (${others} other ${others === 1 ? 'node' : 'nodes'}, ${clients} ${clients === 1 ? 'client' : 'clients'} in the room)`);
    this.startWaiter?.resolve();
    this.startWaiter = null;
    this.reader.connect().catch(() => {});
    if (this.reader.status === 'ready') this.onReaderReady();
  }

  // ---- heartbeat and reaping -------------------------------------------------------------

  private startHeartbeat(): void {
    if (this.heartbeatTimer) return;
    this.heartbeatTimer = setInterval(() => {
      if (!this.writerUp || this.heartbeatRunning) return;
      this.heartbeatRunning = true;
      const generation = this.writerGeneration;
      this.heartbeat(generation)
        .catch((error: unknown) => {
          if (generation === this.writerGeneration) this.logError(`heartbeat failed: ${errorText(error)}`);
        })
        .finally(() => {
          this.heartbeatRunning = false;
        });
    }, this.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeat(generation: number): Promise<void> {
    const known = [...this.members.keys()].filter((node) => node !== this.nodeId);
    // What had been read before the script runs: the stream cannot end before it unless Redis
    // went back to an older copy. (The reader goes on meanwhile on its own connection.)
    const readBefore = this.lastId;
    const readerGeneration = this.readerGeneration;
    const reply = (await runScript(
      this.writer,
      HEARTBEAT,
      [this.keys.lease(this.nodeId), this.keys.dead(this.nodeId), this.keys.nodes, this.keys.epoch, this.keys.stream],
      [this.nodeId, this.leaseMs, newNodeId(), this.keys.prefix, ...known],
    )) as Buffer[];
    if (generation !== this.writerGeneration || this.closing) return;
    if (reply[0]!.toString('latin1') === 'dead') {
      if (this.joined) this.declaredDead();
      else throw new Error('this node id was declared dead');
      return;
    }
    const epoch = reply[1]!.toString('latin1');
    const streamLast = reply[2]!.toString('latin1');
    const dead = reply.slice(3).map((node) => node.toString('latin1')).filter((node) => NODE_ID.test(node));
    if (this.joined) this.checkHistory(epoch, streamLast, readerGeneration === this.readerGeneration ? readBefore : null);
    // Only a node that has itself been in touch for a whole lease may declare others dead:
    // after Redis comes back, every live node gets a lease's time to renew its own.
    if (dead.length > 0 && this.joined && this.writerUp && performance.now() - this.writerUpSince >= this.leaseMs) {
      await this.reap(dead, generation);
    }
  }

  /**
   * Redis lost the room (a new epoch) or went back to an older copy (its stream ends before
   * `readBefore`, what this node had read before asking; null when the reader started over since).
   */
  private checkHistory(epoch: string, streamLast: string, readBefore: string | null): void {
    const epochChanged = epoch !== this.epoch;
    if (epochChanged) {
      this.epoch = epoch;
      this.log('Redis lost the room\'s data (it restarted without saving it?): registering this node\'s clients again');
      // Membership as this node knows it; a departure queued before these is applied first.
      for (const [client, peer] of this.localMembers) {
        this.queue.push({ seq: this.nextSeq++, kind: 'm', client: String(client), peer, text: null });
        this.pendingBytes += opBytes(null, peer);
      }
      this.pump();
    }
    if (readBefore !== null && compareIds(streamLast, readBefore) < 0) {
      // Everything after streamLast that this node read is gone from Redis; entries added
      // since have ids after streamLast (or, in a new stream, anywhere): read on from there.
      this.lastId = epochChanged ? '0-0' : streamLast;
      this.ordinal = null;
      this.counters.gaps++;
      this.room?.deliverNotice(missedNotice(null));
      this.restartReader();
    }
  }

  private async reap(dead: string[], generation: number): Promise<void> {
    const args: Array<string | number> = [this.keys.prefix, this.backlog, this.nodeId, TOMBSTONE_S];
    for (const node of dead) {
      const known = this.members.get(node);
      args.push(node, known?.size ?? 0);
      if (known) for (const [client, member] of known) args.push(String(client), member.peer);
    }
    const reply = (await runScript(this.writer, REAP, [this.keys.stream, this.keys.nodes, this.keys.seq], args)) as Array<number | Buffer>;
    if (generation !== this.writerGeneration) return;
    const announced = Number(reply[0]);
    const nodes = reply.slice(1).map((node) => node.toString());
    this.counters.reaped += announced;
    // Whoever announced them (this node or another survivor), their departures are in the
    // stream now; what comes back from it is delivered whether remembered or not.
    for (const node of dead) this.forgetNode(node);
    for (const node of nodes) this.log(`node ${node} stopped answering for ${this.leaseMs / 1000} s: announced its clients' departures`);
    if (announced > 0 || nodes.length > 0) this.log(`${announced} ${announced === 1 ? 'departure' : 'departures'} announced for ${nodes.length} dead ${nodes.length === 1 ? 'node' : 'nodes'}`);
  }

  /** The others declared this node dead (it was away longer than its lease): start afresh. */
  private declaredDead(): void {
    this.log(`the cluster declared node ${this.nodeId} dead (no heartbeat for over ${this.leaseMs / 1000} s): closing its clients and joining again as a new node`);
    this.queue.length = 0;
    this.queueHead = 0;
    this.pendingBytes = 0;
    this.inFlight = 0;
    this.localMembers.clear();
    this.joined = false;
    this.nodeId = newNodeId();
    this.nextSeq = 1;
    this.room?.evictAll(EVICTED_NOTICE);
    this.writerUp = false;
    this.stopHeartbeat();
    this.restartReader();
    this.updateContact();
    this.writer.disconnect(true); // onWriterReady joins afresh
  }

  // ---- reading the room ------------------------------------------------------------------

  private reading = false;

  private restartReader(): void {
    this.readerGeneration++;
    this.reading = false;
    this.readerUp = false;
    this.reader.disconnect(true);
  }

  private readLoop(generation: number): void {
    if (this.reading || generation !== this.readerGeneration || !this.readerUp || this.closing) return;
    if (this.room!.outputBlocked()) return; // onOutputFlowing starts it again
    this.reading = true;
    runScript(this.reader, READ, [this.keys.stream, this.keys.seq], [this.keys.prefix, this.lastId, READ_COUNT, READ_BYTES, this.maxValueBytes, READ_SCAN_BYTES]).then(
      (reply) => {
        if (generation !== this.readerGeneration) return;
        this.reading = false;
        const { entries, records, holders } = readReply(reply);
        if (entries.length === 0) {
          this.waitForEntries(generation);
          return;
        }
        this.counters.reads++;
        this.deliverEntries(entries, records, holders, generation);
        this.room!.flush();
        // Only now the next read: what was appended while this node wrote to its clients
        // comes back as one reply (up to READ_BYTES, in turns of TURN_BYTES). The busier the
        // room, the bigger the turns.
        this.readLoop(generation);
      },
      (error: unknown) => this.readFailed(error, generation),
    );
  }

  /** Nothing new: block until an entry is added after the last id, then read (the entry itself is read by the script). */
  private waitForEntries(generation: number): void {
    this.reading = true;
    this.reader.callBuffer('XREAD', 'COUNT', 1, 'BLOCK', BLOCK_MS, 'STREAMS', this.keys.stream, this.lastId).then(
      (reply) => {
        if (generation !== this.readerGeneration) return;
        this.reading = false;
        if (reply === null) this.waitForEntries(generation);
        else this.readLoop(generation);
      },
      (error: unknown) => this.readFailed(error, generation),
    );
  }

  private readFailed(error: unknown, generation: number): void {
    if (generation !== this.readerGeneration) return;
    this.reading = false;
    this.logError(`reading the room failed: ${errorText(error)}`);
    // The connection is likely gone (onReaderReady restarts); if not, read again shortly.
    setTimeout(() => this.readLoop(generation), WRITE_RETRY_MS).unref();
  }

  private deliverEntries(entries: unknown[], records: Map<string, NodeRecord>, holders: Map<string, string>, generation: number): void {
    let turnBytes = 0;
    for (const entry of entries) {
      if (generation !== this.readerGeneration) return; // declared dead: what follows is not ours
      if (turnBytes >= TURN_BYTES) {
        this.room!.flush();
        turnBytes = 0;
      }
      // Over the output budget: stop here; what is left is read again from lastId once it drains.
      if (this.room!.outputBlocked()) return;
      const id = entryId(entry);
      if (id === null || compareIds(id, this.lastId) <= 0) continue; // not from a real read
      this.lastId = id;
      const event = parseStreamEntry(entry, this.maxLineBytes, id);
      if (event === null) {
        this.counters.invalid++;
        if (this.ordinal !== null) this.ordinal++; // it took its place in the count all the same
        continue;
      }
      this.checkOrdinal(event.ordinal);
      this.apply(event, records.get(event.node), holders);
      turnBytes += event.peer.length + (event.text?.length ?? 0);
    }
  }

  private checkOrdinal(ordinal: number): void {
    const expected = this.ordinal === null ? ordinal : this.ordinal + 1;
    this.ordinal = ordinal;
    if (ordinal === expected) return;
    this.counters.gaps++;
    if (ordinal > expected) {
      this.counters.missed += ordinal - expected;
      this.room!.deliverNotice(missedNotice(ordinal - expected));
    } else {
      // Counting started again: Redis lost the room's data and a new stream began.
      this.room!.deliverNotice(missedNotice(null));
    }
  }

  private apply(event: StreamEvent, record: NodeRecord | undefined, holders: Map<string, string>): void {
    const room = this.room!;
    if (event.seq === null) {
      // A reaper's departure: true only if the dead node's tombstone names that reaper.
      if (record?.reaper !== event.reaper) {
        this.counters.invalid++;
        return;
      }
      if (event.node === this.nodeId) {
        // A survivor announced this node's clients' departures: the room has given it up.
        this.declaredDead();
        return;
      }
    } else {
      const last = this.lastSeq.get(event.node) ?? 0;
      if (event.seq <= last) {
        this.counters.duplicates++;
        return;
      }
      if (!this.couldHaveWritten(event, last, record)) {
        this.counters.invalid++;
        return;
      }
      if (this.lastSeq.size < MAX_TRACKED_NODES || this.lastSeq.has(event.node)) this.lastSeq.set(event.node, event.seq);
    }
    this.counters.delivered++;
    const local = event.node === this.nodeId ? event.client : -1;
    switch (event.kind) {
      case 'join':
        room.deliverJoin(this.remember(event.node, event.client, event.peer, idTime(event.id)), local);
        break;
      case 'name':
        this.rename(event, holders);
        break;
      case 'line':
        room.deliverLine(this.members.get(event.node)!.get(event.client)!.prefix, event.text!);
        break;
      case 'leave':
        room.deliverLeave(this.forget(event.node, event.client, event.peer), local);
        break;
    }
  }

  /**
   * Whether the entry's node could have written it. Its sequence number must be no higher
   * than the node's record in Redis (APPEND writes both in one step, and the record was read
   * after the entry), and the entry must be the one APPEND recorded for that number: an entry
   * XADDed with the node's next number, read after the node's real one went in, passes the
   * first test but not this one. A node without a record (gone since) only continues what was
   * seen of it, by at most one batch. A line must come from a client whose join was seen with this label,
   * in the stream or (when it went by unseen) in the node's member hash.
   */
  private couldHaveWritten(event: StreamEvent, last: number, record: NodeRecord | undefined): boolean {
    const seq = event.seq!;
    const recorded = record?.seq ?? null;
    if (recorded !== null ? seq > recorded || record!.ids.get(event.id) !== event.id : !this.lastSeq.has(event.node) || seq > last + BATCH_EVENTS) return false;
    if ((event.kind !== 'line' && event.kind !== 'name') || this.members.get(event.node)?.get(event.client)?.peer === event.peer) return true;
    // A join this node did not see (it went by while this node was cut off) is in the member hash.
    if (record?.members.get(event.client) !== event.peer) return false;
    this.remember(event.node, event.client, event.peer);
    return this.members.get(event.node)?.get(event.client)?.peer === event.peer;
  }

  private remember(node: string, client: number, peer: string, since = Date.now()): Buffer {
    let clients = this.members.get(node);
    const existing = clients?.get(client);
    if (existing && existing.peer === peer) return existing.prefix;
    const prefix = prefixFor(peer);
    if (this.trackedMembers >= MAX_TRACKED_MEMBERS) return prefix;
    if (!clients) {
      if (this.members.size >= MAX_TRACKED_NODES) return prefix;
      clients = new Map();
      this.members.set(node, clients);
    }
    if (existing) this.dropFromRoster(existing);
    else this.trackedMembers++;
    const member: Member = { node, client, peer, prefix, since, name: null, key: null };
    clients.set(client, member);
    this.roster.set(`${node} ${client}`, member);
    return prefix;
  }

  private dropFromRoster(member: Member): void {
    this.roster.delete(`${member.node} ${member.client}`);
    this.releaseName(member);
  }

  private releaseName(member: Member): void {
    if (member.key !== null && this.byKey.get(member.key) === member) this.byKey.delete(member.key);
    member.name = null;
    member.key = null;
  }

  private forgetNode(node: string): void {
    const clients = this.members.get(node);
    if (!clients) return;
    for (const member of clients.values()) this.dropFromRoster(member);
    this.trackedMembers -= clients.size;
    this.members.delete(node);
  }

  private forget(node: string, client: number, peer: string): Buffer {
    const clients = this.members.get(node);
    const member = clients?.get(client);
    if (member === undefined) return prefixFor(peer);
    clients!.delete(client);
    this.dropFromRoster(member);
    this.trackedMembers--;
    if (clients!.size === 0 && node !== this.nodeId) this.members.delete(node);
    return member.peer === peer ? member.prefix : prefixFor(peer);
  }

  /** A name Redis records (`NODE CLIENT IP:port NAME` under its key) for a member this node knows. */
  private snapshotName(key: string, holder: string): void {
    const match = /^([0-9a-f]{12}) (\d{1,15}) (\S{1,80}) (.+)$/s.exec(holder);
    if (match === null) return;
    const [, node, client, peer, name] = match as unknown as [string, string, string, string, string];
    const member = this.members.get(node)?.get(Number(client));
    if (member === undefined || member.peer !== peer || !isGrantableName(name, key) || this.byKey.has(key)) return;
    member.name = name;
    member.key = key;
    this.byKey.set(key, member);
  }

  /**
   * A name entry from a member whose join was seen: shown to everyone here. A name someone
   * else holds here is taken only if Redis says this client holds it now (its release went by
   * unseen); anything else under it was not granted by APPEND.
   */
  private rename(event: StreamEvent, holders: Map<string, string>): void {
    const member = this.members.get(event.node)?.get(event.client);
    if (member === undefined || member.peer !== event.peer) {
      this.counters.invalid++;
      return;
    }
    if (event.key !== null) {
      const other = this.byKey.get(event.key);
      if (other !== undefined && other !== member) {
        if (!(holders.get(event.key) ?? '').startsWith(`${event.node} ${event.client} `)) {
          this.counters.invalid++;
          return;
        }
        this.releaseName(other);
      }
    }
    const old = member.name;
    if (old === event.name) return;
    this.releaseName(member);
    if (event.name !== null && event.key !== null) {
      member.name = event.name;
      member.key = event.key;
      this.byKey.set(event.key, member);
    }
    const line = event.name === null ? nameDroppedLine(member.peer, old!) : old === null ? nameTakenLine(member.peer, event.name) : nameChangedLine(member.peer, old, event.name);
    this.room!.deliverNotice(line);
    if (event.node === this.nodeId) this.room!.renamed(event.client, event.name);
  }

  /** The room's last lines before `upto`, for catch-up only (before anything live). */
  private async loadHistory(limits: { lines: number; bytes: number }, upto: string): Promise<void> {
    const reply = await runScript(this.writer, HISTORY, [this.keys.said, this.keys.stream], [upto, limits.lines, limits.bytes, this.maxValueBytes]);
    this.historyLoaded = true;
    if (!Array.isArray(reply)) return;
    for (const entry of reply as unknown[]) {
      const event = parseStreamEntry(entry, this.maxLineBytes);
      if (event === null || event.kind !== 'line') continue;
      this.room!.deliverHistory(prefixFor(event.peer), event.text!, idTime(event.id));
    }
  }

  // ---- pausing the room while Redis is away ----------------------------------------------

  private updateContact(): void {
    if (this.closing) return;
    const inContact = this.joined && this.writerUp && this.readerUp;
    if (!inContact && !this.pausedForContact) {
      this.pauseForContact();
      if (this.joined) this.log(`lost contact with Redis at ${describeTarget(this.options.target)}: the room is paused here`);
    } else if (inContact && this.pausedForContact) {
      this.pausedForContact = false;
      if (this.pauseNoticeTimer) clearTimeout(this.pauseNoticeTimer);
      this.pauseNoticeTimer = null;
      if (this.lostContactAt > 0) this.log(`back in contact with Redis after ${((performance.now() - this.lostContactAt) / 1000).toFixed(1)} s`);
      this.lostContactAt = 0;
      if (this.pauseNoticeShown) {
        this.pauseNoticeShown = false;
        this.room!.deliverNotice(RESUMED_NOTICE);
      }
      this.updateIntake();
    }
  }

  private pauseForContact(): void {
    this.pausedForContact = true;
    if (this.joined) {
      this.lostContactAt = performance.now();
      this.pauseNoticeTimer ??= setTimeout(() => {
        this.pauseNoticeTimer = null;
        if (!this.pausedForContact || this.closing) return;
        this.pauseNoticeShown = true;
        this.room!.deliverNotice(PAUSED_NOTICE);
      }, this.pauseNoticeMs);
      this.pauseNoticeTimer.unref();
    }
    this.updateIntake();
  }

  private updateIntake(): void {
    const paused = this.pausedForContact || this.pendingBytes > (this.intakePaused ? OUTBOUND_BUDGET_BYTES / 2 : OUTBOUND_BUDGET_BYTES);
    if (paused === this.intakePaused) return;
    this.intakePaused = paused;
    this.room!.pauseIntake(paused);
  }
}

/** The READ script's reply: entries, per node named what Redis records about it, and the holders of the names named. */
function readReply(reply: unknown): { entries: unknown[]; records: Map<string, NodeRecord>; holders: Map<string, string> } {
  const records = new Map<string, NodeRecord>();
  const holders = new Map<string, string>();
  if (!Array.isArray(reply) || !Array.isArray(reply[0]) || !Array.isArray(reply[1])) return { entries: [], records, holders };
  const facts = reply[1] as unknown[];
  for (let i = 0; i + 2 < facts.length; i += 3) {
    const [node, seq, reaper] = facts.slice(i, i + 3).map(latin1);
    const digits = /^\d{1,15}$/.test(seq!) ? Number(seq) : null;
    records.set(node!, { seq: digits, reaper: reaper === '' ? null : reaper!, members: new Map(), ids: new Map() });
  }
  const members: unknown = reply[2];
  if (Array.isArray(members)) {
    for (let i = 0; i + 2 < members.length; i += 3) {
      const [node, client, label] = members.slice(i, i + 3).map(latin1);
      if (/^\d{1,15}$/.test(client!)) records.get(node!)?.members.set(Number(client), label!);
    }
  }
  const recorded: unknown = reply[4];
  if (Array.isArray(recorded)) {
    for (let i = 0; i + 2 < recorded.length; i += 3) {
      const [node, id, recordedId] = recorded.slice(i, i + 3).map(latin1);
      records.get(node!)?.ids.set(id!, recordedId!);
    }
  }
  const named: unknown = reply[3];
  if (Array.isArray(named)) {
    for (let i = 0; i + 1 < named.length; i += 2) {
      if (Buffer.isBuffer(named[i]) && Buffer.isBuffer(named[i + 1])) holders.set((named[i] as Buffer).toString('utf8'), (named[i + 1] as Buffer).toString('utf8'));
    }
  }
  return { entries: reply[0] as unknown[], records, holders };
}

/** When an entry was added: the milliseconds of its id. */
function idTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

function latin1(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('latin1') : '';
}

function opBytes(text: Buffer | null, peer: string): number {
  return (text?.length ?? 0) + peer.length + 48;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

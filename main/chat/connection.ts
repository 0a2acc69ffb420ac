/**
 * One client's state in the room. The socket handlers are bound once per server and find the
 * Connection through a symbol on the socket, so an idle client costs this object, its socket
 * and nothing else: no closures, no decoder until it says something.
 */
import type net from 'node:net';
import { sourceKey } from './address-limits';
import type { LineDecoder } from './line-decoder';
import type { TokenBucket } from '../common/token-bucket';
import { TCP_TRANSPORT, type Transport } from './transport';
import type { Admittee } from './admission';
import type { TurnRecipient } from './turn-delivery';
import type { ClientInfo } from './types';

export const enum Phase {
  /** Connected and hearing the room, not yet announced (waiting to see what its opening is). */
  Pending,
  Announced,
  Closed,
}

const CONNECTION = Symbol('tincan.connection');
type TaggedSocket = net.Socket & { [CONNECTION]?: Connection };

/** What the server does when a connection's socket reports something. */
export interface ConnectionEvents {
  data(connection: Connection, chunk: Buffer): void;
  end(connection: Connection): void;
  error(connection: Connection): void;
  close(connection: Connection): void;
}

/** Socket listeners shared by all connections of one server; `this` is the socket. */
export interface SocketHandlers {
  readonly data: (this: net.Socket, chunk: Buffer) => void;
  readonly end: (this: net.Socket) => void;
  readonly error: (this: net.Socket) => void;
  readonly close: (this: net.Socket) => void;
}

/** Made once per server: each handler finds its Connection on the socket it is called for. */
export function socketHandlers(events: ConnectionEvents): SocketHandlers {
  return {
    data(chunk) {
      const connection = Connection.of(this);
      if (connection) events.data(connection, chunk);
    },
    end() {
      const connection = Connection.of(this);
      if (connection) events.end(connection);
    },
    error() {
      const connection = Connection.of(this);
      if (connection) events.error(connection);
    },
    close() {
      const connection = Connection.of(this);
      if (connection) events.close(connection);
    },
  };
}

/** What a client that has said something needs (made on its first byte: listeners cost nothing of it). */
export interface Talker {
  readonly decoder: LineDecoder;
  /** With a line-rate limit (and not trusted): its bucket. */
  lines: TokenBucket | null;
  /** What it sent that is not decoded yet because it is over its line rate (≤ one read). */
  pendingInput: Buffer | null;
  /** Its FIN arrived while input was still pending: it leaves once that is relayed. */
  endPending: boolean;
  /** Bytes it sent during the current turn (server.ts: TURN_SHARE_BYTES). */
  turnBytes: number;
  /** Bytes it sent since the output budget's last check (heavy senders, output-budget.ts). */
  recentBytes: number;
}

/** What a busy client needs (output-queue.ts): made when its socket cannot take a turn at once. */
export interface Backlog {
  /** Bytes handed to its socket since it became busy, the write that made it busy included. */
  dispatched: number;
  /** The oldest turn its socket's write in flight holds, and the first turn not handed to it yet. */
  inflightFrom: number;
  backlogFrom: number;
  /** Turns it gets only part of: [epoch, noticesFrom, noticesEnd, restFrom] each. */
  parts: number[] | null;
}

// One bit per flag: an idle client in a 20,000-client room should cost little.
const SNIFFING = 1;
const REJECTED = 2;
const LEAVING = 4;
const HAD_ERROR = 8;
const TRUSTED = 16;
const LIMITED = 32;
const CRLF = 64;
const WANTS_CRLF = 128;
const HANDSHAKING = 256;
const LOCKED = 512;
const PROMPTED = 1024;

export class Connection implements TurnRecipient, Admittee {
  /** Position in the server's list of connections (swap-remove), -1 once removed. */
  index = -1;
  phase = Phase.Pending;
  private flags = SNIFFING;
  /** The first bytes while it is not yet clear whether it opens with HTTP/TLS. */
  openingHead: Buffer | null = null;
  linesSent = 0;
  talker: Talker | null = null;
  /** Why its socket is not being read (one bit per FlowReason, one for its turn share); 0 when it is. */
  pausedFor = 0;
  /** Non-null exactly while it is busy: its socket has bytes queued (output-queue.ts). */
  output: Backlog | null = null;
  // Turn delivery and admission.
  arrivalEpoch = -1;
  arrivalOffset = 0;
  arrivalLine = 0;
  admitAt = 0;

  /** What its bytes travel over (transport.ts); plain TCP until it opens with a TLS handshake. */
  transport: Transport = TCP_TRANSPORT;

  constructor(
    /** Grows with arrival in the room (turn-delivery.ts): a connection let in by its password gets a new one then. */
    public id: number,
    /** Its byte stream: the accepted socket, or the TLS socket wrapping it. */
    public socket: net.Socket,
    /** `IP:port` as the protocol prints it. */
    readonly peer: string,
    /** `[IP:port] `, the label in front of everything it says. */
    readonly prefix: Buffer,
    readonly connectedAt: number,
  ) {
    (socket as TaggedSocket)[CONNECTION] = this;
  }

  private flag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }

  /** Still looking at its first bytes (opening-sniffer.ts). */
  get sniffing(): boolean {
    return (this.flags & SNIFFING) !== 0;
  }
  set sniffing(on: boolean) {
    this.flag(SNIFFING, on);
  }
  /** Closed before it was a member (HTTP, a failed handshake, plain text in a TLS-only room): never announced, never mentioned. */
  get rejected(): boolean {
    return (this.flags & REJECTED) !== 0;
  }
  set rejected(on: boolean) {
    this.flag(REJECTED, on);
  }
  /** Sent its FIN: gets the rest of this turn, then is ended. */
  get leaving(): boolean {
    return (this.flags & LEAVING) !== 0;
  }
  set leaving(on: boolean) {
    this.flag(LEAVING, on);
  }
  /** Its TLS handshake is in progress: not announced until it is done. */
  get handshaking(): boolean {
    return (this.flags & HANDSHAKING) !== 0;
  }
  set handshaking(on: boolean) {
    this.flag(HANDSHAKING, on);
  }
  /** The room has a password and it has not given it yet: not in the room, never announced until it does. */
  get locked(): boolean {
    return (this.flags & LOCKED) !== 0;
  }
  set locked(on: boolean) {
    this.flag(LOCKED, on);
  }
  /** Was asked for the password (once). */
  get prompted(): boolean {
    return (this.flags & PROMPTED) !== 0;
  }
  set prompted(on: boolean) {
    this.flag(PROMPTED, on);
  }
  get hadError(): boolean {
    return (this.flags & HAD_ERROR) !== 0;
  }
  set hadError(on: boolean) {
    this.flag(HAD_ERROR, on);
  }
  /** The host's own client (ChatServer.trustPeer): no per-address, rate or slow-reader limits. */
  get trusted(): boolean {
    return (this.flags & TRUSTED) !== 0;
  }
  set trusted(on: boolean) {
    this.flag(TRUSTED, on);
  }
  /** Counted in the per-address limits (released when it goes). */
  get limited(): boolean {
    return (this.flags & LIMITED) !== 0;
  }
  set limited(on: boolean) {
    this.flag(LIMITED, on);
  }
  /** Reads `\r\n` line ends (it speaks telnet). */
  get crlf(): boolean {
    return (this.flags & CRLF) !== 0;
  }
  set crlf(on: boolean) {
    this.flag(CRLF, on);
  }
  /** Showed it speaks telnet while busy with `\n` turns: reads `\r\n` once it has caught up. */
  get wantsCrlf(): boolean {
    return (this.flags & WANTS_CRLF) !== 0;
  }
  set wantsCrlf(on: boolean) {
    this.flag(WANTS_CRLF, on);
  }

  /** Its socket has bytes queued. */
  get busy(): boolean {
    return this.output !== null;
  }

  /** Its source address as the per-address limits group it (address-limits.ts). */
  get source(): string {
    return sourceKey(this.socket.remoteAddress ?? '');
  }

  /** The Connection a socket handler was called for. */
  static of(socket: net.Socket): Connection | undefined {
    return (socket as TaggedSocket)[CONNECTION];
  }

  /** Listens to its socket with the server's shared handlers. */
  attach(handlers: SocketHandlers): void {
    const socket = this.socket;
    socket.on('data', handlers.data);
    socket.on('end', handlers.end);
    socket.on('error', handlers.error);
    socket.on('close', handlers.close);
  }

  /** Stops listening to its socket (it is handed to another transport). */
  detach(handlers: SocketHandlers): void {
    const socket = this.socket;
    socket.off('data', handlers.data);
    socket.off('end', handlers.end);
    socket.off('error', handlers.error);
    socket.off('close', handlers.close);
    delete (socket as TaggedSocket)[CONNECTION];
  }

  /** From now on its bytes travel over `socket` (which wraps the old one). */
  switchTo(socket: net.Socket, transport: Transport): void {
    this.socket = socket;
    this.transport = transport;
    (socket as TaggedSocket)[CONNECTION] = this;
  }

  get awaitingAdmission(): boolean {
    return this.phase === Phase.Pending && !this.handshaking;
  }

  info(): ClientInfo {
    return {
      id: this.id,
      peer: this.peer,
      connectedAt: this.connectedAt,
      linesSent: this.linesSent,
      encrypted: this.transport.encrypted,
    };
  }
}

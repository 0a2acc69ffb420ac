/**
 * One client's state in the room. The socket handlers are bound once per server and find the
 * Connection through a symbol on the socket, so an idle client costs this object, its socket
 * and nothing else: no closures, no decoder until it says something.
 */
import type net from 'node:net';
import type { LineDecoder } from './line-decoder';
import type { Admittee } from './admission';
import type { TurnRecipient } from './turn-delivery';
import type { ClientInfo } from './types';

export const enum Phase {
  /** Connected and hearing the room, not yet announced (waiting to see it is not HTTP/TLS). */
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
  drain(connection: Connection): void;
}

/** Socket listeners shared by all connections of one server; `this` is the socket. */
export interface SocketHandlers {
  readonly data: (this: net.Socket, chunk: Buffer) => void;
  readonly end: (this: net.Socket) => void;
  readonly error: (this: net.Socket) => void;
  readonly close: (this: net.Socket) => void;
  readonly drain: (this: net.Socket) => void;
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
    drain() {
      const connection = Connection.of(this);
      if (connection) events.drain(connection);
    },
  };
}

export class Connection implements TurnRecipient, Admittee {
  /** Position in the server's list of connections (swap-remove), -1 once removed. */
  index = -1;
  phase = Phase.Pending;
  /** Still looking at the first bytes; `openingHead` holds them while undecided. */
  sniffing = true;
  openingHead: Buffer | null = null;
  /** Closed as HTTP/TLS: never announced, never mentioned. */
  rejected = false;
  /** Sent its FIN: gets the rest of this turn, then is ended. */
  leaving = false;
  hadError = false;
  linesSent = 0;
  /** Made on the first byte received: a client that only listens costs no decoder. */
  decoder: LineDecoder | null = null;
  /** Bytes handed to the socket so far; progress = written - socket.writableLength. */
  written = 0;
  progressMark = 0;
  /** In the output budget's set of connections with output queued. */
  congested = false;
  arrivalEpoch = -1;
  arrivalOffset = 0;
  admitAt = 0;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    /** `IP:port` as the protocol prints it. */
    readonly peer: string,
    /** `[IP:port] `, the label in front of everything it says. */
    readonly prefix: Buffer,
    readonly connectedAt: number,
  ) {
    (socket as TaggedSocket)[CONNECTION] = this;
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

  /** Until its queued output has drained: then `handlers.drain`, once. */
  watchDrain(handlers: SocketHandlers): void {
    this.socket.once('drain', handlers.drain);
  }

  get awaitingAdmission(): boolean {
    return this.phase === Phase.Pending;
  }

  info(): ClientInfo {
    return { id: this.id, peer: this.peer, connectedAt: this.connectedAt, linesSent: this.linesSent };
  }
}

/** Shapes shared by the chat server, the chat client and their users (session, CLI, tests). */
import type { RoomSequencer } from './sequencer';

export interface ChatServerOptions {
  /** Longest line, in bytes of UTF-8, before it is cut into consecutive messages. Default 8 KiB. */
  maxLineBytes?: number;
  /** Unsent output a client may have queued before it is cut for being too slow. Default 1 MiB. */
  maxClientOutputBytes?: number;
  /** 0 or undefined: unlimited. Connections past the limit are refused (closed at once). */
  maxClients?: number;
  /** Total queued output across clients past which the server stops reading until it drains. */
  outputBudgetBytes?: number;
  /** How long a silent new connection waits before its `(connected)` notice (lets us spot HTTP/TLS first). */
  admitDelayMs?: number;
  /**
   * Something else owns the room's order (the headless server's Redis cluster); see
   * sequencer.ts. Without one the server orders the room itself.
   */
  sequencer?: RoomSequencer;
}

export interface ListenOptions {
  port: number;
  /** '0.0.0.0' or '::' or undefined: every interface, IPv4 and IPv6. '127.0.0.1' / '::1': this computer only. */
  host?: string;
}

export interface ListeningAddress {
  /** What the server is bound to, e.g. '::' or '127.0.0.1'. */
  host: string;
  port: number;
}

export interface ClientInfo {
  /** Unique for the server's lifetime. */
  id: number;
  /** `IP:port` as the protocol prints it. */
  peer: string;
  /** Epoch milliseconds. */
  connectedAt: number;
  linesSent: number;
}

export type LeaveReason = 'left' | 'reset' | 'slow' | 'server-closed' | 'rejected';

export interface ServerStats {
  clientsNow: number;
  totalJoined: number;
  linesRelayed: number;
  slowClientsCut: number;
  /**
   * Connections the server turned away before they joined: those over `maxClients` (told
   * the room is full, then closed), plus accept errors that reached it (EMFILE/ENFILE). Not
   * counted: connections libuv itself accepts and closes when descriptors run out, which the
   * server never sees; that is reported once per episode as an 'error' event instead.
   */
  connectionsRefused: number;
  /** Connections that turned out to be HTTP or TLS and were closed unannounced. */
  connectionsRejected: number;
}

/** Typed events of ChatServer (Node EventEmitter map). */
export interface ChatServerEvents {
  join: [client: ClientInfo];
  leave: [client: ClientInfo, reason: LeaveReason];
  message: [client: ClientInfo, text: string];
  /** Non-fatal trouble (accept failed, descriptors exhausted…); the server keeps running. */
  error: [error: Error];
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** Default 5000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type ChatClientErrorCode =
  | 'refused'
  | 'unreachable'
  | 'timeout'
  | 'unknown-host'
  | 'aborted'
  | 'reset'
  | 'other';

export interface ChatClientEvents {
  /** One line from the server, decoded and sanitised, without its newline. */
  line: [line: string];
  /** The connection ended; `error` set when it did not end cleanly. Emitted once. */
  close: [error: Error | null];
}

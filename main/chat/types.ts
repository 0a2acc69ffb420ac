/** Shapes shared by the chat server, the chat client and their users (session, CLI, tests). */
import type { ClientInfo } from '../common/roster';
import type { InterfaceTable, PeerScope } from './peer-scope';
import type { RoomSequencer } from './sequencer';
import type { TlsServerOptions } from './tls-transport';

export type { PeerScope };

export interface ChatServerOptions {
  /** Longest line, in bytes of UTF-8, before it is cut into consecutive messages. Default 8 KiB. */
  maxLineBytes?: number;
  /**
   * Unsent output past which a client lags: floods pause for it, and it is cut as too slow
   * unless the kernel keeps taking its bytes (see output-budget.ts). Default 1 MiB.
   */
  maxClientOutputBytes?: number;
  /** 0 or undefined: unlimited. Connections past the limit are refused (closed at once). */
  maxClients?: number;
  /**
   * The room's real output memory (every shared turn counted once) past which the clients
   * holding the most, by source address, stop being read. Default 64 MiB.
   */
  outputBudgetBytes?: number;
  /** How long a silent new connection waits before its `(connected)` notice (lets us spot HTTP/TLS first). */
  admitDelayMs?: number;
  /** Connections one source address (an IPv6 /64) may have open at once; 0: unlimited. Default 16. */
  maxConnectionsPerAddress?: number;
  /** Joins one source address may make per minute (all of them at once, then evenly); 0: unlimited. Default 60. */
  joinsPerAddressPerMinute?: number;
  /**
   * Whether the two limits above count peers on loopback (127/8, ::1). Default true. Off for
   * a server whose loopback carries many people (an SSH tunnel, a TLS proxy, bots on the host
   * all arrive as 127.0.0.1), and which no one reaches there without being on the host.
   */
  limitLoopback?: boolean;
  /** Lines a second one connection may send before its reading is paused; 0: unlimited. Default 20. */
  maxLinesPerSecond?: number;
  /** Lines a connection may send at once before the rate applies. Default 200. */
  lineBurst?: number;
  /**
   * 'local-networks' (default): peers from loopback, private, CGNAT, link-local and unique
   * local addresses, and from any subnet one of this machine's interfaces is on (a room for
   * "everyone on my network"). 'any': every address.
   */
  allowPeers?: PeerScope;
  /** The interface list the attached subnets are read from (tests); default os.networkInterfaces. */
  interfaces?: InterfaceTable;
  /**
   * Something else owns the room's order (the headless server's Redis cluster); see
   * sequencer.ts. Without one the server orders the room itself.
   */
  sequencer?: RoomSequencer;
  /**
   * Whether `/name`, `/who` and `/help` are answered by the server (default true); false
   * relays every line, commands included, as chat. With a sequencer, names are the
   * sequencer's (room-wide, see SharedNames); one without them makes `/name` refused.
   */
  commands?: boolean;
  /** The room's topic, told to every newcomer (at most 200 characters, cleaned like a name). */
  topic?: string;
  /** Chat lines a newcomer is shown before anything live (0, the default: none; at most 1000). */
  replayLines?: number;
  /** At most this many bytes of those lines (the oldest go first). Default 64 KiB. */
  replayMaxBytes?: number;
  /**
   * The host's certificate: connections that open with a TLS handshake speak TLS on the same
   * port (tls-transport.ts). Without it a TLS opening is closed as not a chat client.
   */
  tls?: TlsServerOptions;
  /**
   * The room's password (room-gate.ts: at most 256 bytes, printable). A newcomer is asked for
   * it and is not in the room, nor announced, until its first line is it; a wrong one closes
   * the connection. The host's own client (`trustPeer`) is never asked. Not with a sequencer.
   */
  password?: string;
  /** How long a newcomer may take to give the password before it is closed. Default 60 s. */
  passwordWaitMs?: number;
  /** Connections that may wait for their password at once, in total (default 64) and per address (default 4). */
  maxPasswordWaiting?: number;
  maxPasswordWaitingPerAddress?: number;
  /** Wrong passwords an address may give at once, then a minute (default 5). */
  passwordAttemptsPerMinute?: number;
  /** Addresses the host may ban (default 1024). */
  maxBans?: number;
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

// One shape with the IPC contract's roster: defined in main/common, where the renderer can see it.
export type { ClientInfo };

/** `removed`: the host kicked or banned it. */
export type LeaveReason = 'left' | 'reset' | 'slow' | 'server-closed' | 'rejected' | 'removed';

/**
 * Why a connection was turned away before it joined: the room is full (`maxClients`), its
 * address has too many open (`maxConnectionsPerAddress`) or joined too often
 * (`joinsPerAddressPerMinute`), or it is not on a local network (`allowPeers`), and the
 * password gate's refusals (room-gate.ts).
 */
export type RefusalReason =
  | 'full'
  | 'address-limit'
  | 'join-rate'
  | 'out-of-scope'
  /** The host banned its address. */
  | 'banned'
  /** Its address gave too many wrong passwords just now. */
  | 'password-attempts'
  /** Too many connections (from it, or in all) are waiting to give the password. */
  | 'password-waiting';

/** What the host's removal (`ChatServer.remove`) did: who went, or why no one did (a `Tincan:` line). */
export type RemoveResult =
  | { ok: true; peer: string; name: string | null; banned: boolean }
  | { ok: false; line: string };

/**
 * Why a client is not being read: it is over its line rate, it is a heavy sender paused
 * while someone lags (backpressure), or it holds much of the room's output (budget).
 */
export type FlowReason = 'line-rate' | 'backpressure' | 'budget';

export interface ServerStats {
  clientsNow: number;
  totalJoined: number;
  linesRelayed: number;
  slowClientsCut: number;
  /**
   * Connections the server turned away before they joined, for any RefusalReason (each told
   * why in one line, then closed), plus accept errors that reached it (EMFILE/ENFILE). Not
   * counted: connections libuv itself accepts and closes when descriptors run out, which the
   * server never sees; that is reported once per episode as an 'error' event instead.
   */
  connectionsRefused: number;
  /**
   * Connections closed unannounced before they were members: HTTP, TLS without a certificate,
   * a TLS handshake that failed, stalled or was over a bound, plain text when TLS is required.
   */
  connectionsRejected: number;
}

/** Typed events of ChatServer (Node EventEmitter map). */
export interface ChatServerEvents {
  join: [client: ClientInfo];
  leave: [client: ClientInfo, reason: LeaveReason];
  message: [client: ClientInfo, text: string];
  /** A client took, changed (`name`) or dropped (null) its name with `/name`. */
  name: [client: ClientInfo, name: string | null];
  /** A connection was turned away (`peer` as the protocol prints it); it was never in the room. */
  refused: [peer: string, reason: RefusalReason];
  /** A client's reading was paused or resumed. */
  flow: [client: ClientInfo, state: 'paused' | 'resumed', reason: FlowReason];
  /** Non-fatal trouble (accept failed, descriptors exhausted…); the server keeps running. */
  error: [error: Error];
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** Default 5000. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Speak TLS. The host's certificate is checked by its SHA-256 fingerprint, not by any
   * authority: `fingerprint` is the one it must have (`AB:CD:…`), or null to take whichever it
   * shows (a first join: the caller pins what `ChatClient.fingerprint` then says).
   */
  tls?: { fingerprint: string | null };
}

export type ChatClientErrorCode =
  | 'refused'
  | 'unreachable'
  | 'timeout'
  | 'unknown-host'
  | 'aborted'
  | 'reset'
  /** send() refused: too much is still waiting to go out. */
  | 'busy'
  /** The host's certificate is not the one expected: the connection was closed before a line went out. */
  | 'wrong-key'
  /** The TLS handshake failed (the host does not speak TLS, or broke it off). */
  | 'tls'
  | 'other';

export interface ChatClientEvents {
  /** One line from the server, decoded and sanitised, without its newline. */
  line: [line: string];
  /** The connection ended; `error` set when it did not end cleanly. Emitted once. */
  close: [error: Error | null];
}

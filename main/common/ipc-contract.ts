/**
 * The one contract of the bridge between main and the renderer: channel names, request and
 * response shapes, and the event union. Pure: main, the preload and the renderer all use it.
 *
 * Renderer -> main: `ipcRenderer.invoke(channel, request)` resolving to a Result; main never
 * throws across IPC. Main -> renderer: one channel, `EVENTS_CHANNEL`, carrying an EventBatch
 * so a burst of lines costs a few IPC messages, not thousands. The preload acknowledges each
 * batch on `EVENTS_ACK_CHANNEL` once the page has taken it: main sends only a few batches
 * ahead, so a renderer that falls behind slows the socket down instead of piling up memory.
 */

import { MAX_LINK_CHARS } from './links';
import type { ClientInfo, RosterChanges } from './roster';

export type { ClientInfo, LineCount, RosterChanges } from './roster';

export const CHANNELS = {
  getSnapshot: 'app:get-snapshot',
  host: 'chat:host',
  join: 'chat:join',
  cancelJoin: 'chat:cancel-join',
  send: 'chat:send',
  leave: 'chat:leave',
  copyText: 'app:copy-text',
  openLink: 'app:open-link',
  forgetRecentHost: 'app:forget-recent-host',
} as const;

export const EVENTS_CHANNEL = 'chat:events';
/** Renderer -> main, fire and forget (`ipcRenderer.send`): the id of the batch the page took. */
export const EVENTS_ACK_CHANNEL = 'chat:events-ack';

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(error: string): Result<T> => ({ ok: false, error });

/**
 * The answer of a call that changes the session (host, join, cancelJoin, leave): its Result,
 * plus main's status right after the call, so the renderer never has to guess it. Absent when
 * the call was refused before it reached the session (a bad argument): nothing changed then.
 */
export type SessionResult<T> = Result<T> & { after?: StatusReport };

// ---- limits main enforces on every argument -------------------------------------------

export const LIMITS = {
  /** One send from the input box (may hold several lines when pasted). */
  maxSendChars: 64 * 1024,
  maxAddressChars: 300,
  maxCopyChars: 4096,
  maxUrlChars: MAX_LINK_CHARS,
} as const;

// ---- requests and responses -----------------------------------------------------------

/** 'lan': every interface (others on the network can join); 'local': loopback only. */
export type HostScope = 'lan' | 'local';
export type Mode = 'host' | 'join';

export interface HostRequest {
  port: number;
  scope: HostScope;
}

export interface HostInfo {
  port: number;
  scope: HostScope;
  /** Addresses others should type, each `IP:port` (IPv6 in brackets), LAN addresses first. */
  shareAddresses: string[];
}

export interface JoinRequest {
  /** What the user typed: `10.0.0.5:60003`, `10.0.0.5`, `[fe80::1]:60003`, `host.lan`. */
  address: string;
}

export interface JoinInfo {
  host: string;
  port: number;
}

export interface SendRequest {
  text: string;
}

export interface SendResponse {
  /** Lines actually sent (empty lines are skipped). */
  lines: number;
}

export interface Preferences {
  lastMode: Mode;
  lastPort: number;
  lastScope: HostScope;
  /** Most recent first, `host:port` as typed (normalised), at most 8. */
  recentHosts: string[];
}

export interface Snapshot {
  status: SessionStatus;
  /** The revision of `status` (see StatusReport). */
  statusRevision: number;
  preferences: Preferences;
  /** The room's most recent lines (bounded), so a reloaded window shows the conversation again. */
  lines: ChatLine[];
  /** Host only: who is in the room now (empty otherwise). */
  roster: ClientInfo[];
}

// ---- session state ----------------------------------------------------------------------

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export type SessionStatus =
  | { mode: 'idle' }
  | {
      mode: 'hosting';
      host: HostInfo;
      connection: ConnectionState;
      /** This app's own `IP:port` as the server sees it (null until connected). */
      self: string | null;
    }
  | {
      mode: 'joined';
      target: JoinInfo;
      connection: ConnectionState;
      self: string | null;
    };

/**
 * A status as main wrote it. Main is the only author of the status; it numbers each one, so
 * whichever way a status reaches the renderer (an event, a call's answer, the snapshot) the
 * renderer keeps the newest and never lets an older one overwrite it.
 */
export interface StatusReport {
  /** Increases with every status change for the session's lifetime. */
  revision: number;
  status: SessionStatus;
}

// ---- events (main -> renderer) --------------------------------------------------------

/**
 * 'raw': a line not in protocol form (or a notice that cannot be true, such as one about
 * ourselves). 'skipped': main dropped lines because the window could not keep up; `text`
 * says how many ("1,204 lines skipped while catching up").
 */
export type LineKind = 'message' | 'connected' | 'disconnected' | 'raw' | 'skipped';

export interface ChatLine {
  /** Increases by one per line for the session's lifetime. */
  seq: number;
  kind: LineKind;
  /** `IP:port` of the client the line is about ('' for a 'raw' line that is not in protocol form). */
  peer: string;
  text: string;
  /** Epoch ms when it arrived. */
  at: number;
  /** True when this is a line we sent: our own label and a text we sent recently. */
  self: boolean;
}

/** What main sends on EVENTS_CHANNEL; the preload acknowledges `id` once the page took it. */
export interface EventBatch {
  /** Increases by one per batch. */
  id: number;
  events: BridgeEvent[];
}

export type BridgeEvent =
  | ({ type: 'status' } & StatusReport)
  | { type: 'lines'; lines: ChatLine[] }
  /** Host only: the whole roster, when hosting starts or stops. */
  | { type: 'roster'; clients: ClientInfo[] }
  /** Host only: arrivals and departures as they happen, line counts at most once a second. */
  | ({ type: 'roster-changes' } & RosterChanges)
  /** The connection dropped; the next try starts in `delayMs`. */
  | { type: 'reconnecting'; attempt: number; delayMs: number; reason: string }
  /** Something the user should read (a failed reconnect that gave up, a server error). */
  | { type: 'notice'; level: 'info' | 'error'; message: string };

// ---- the API the preload exposes on window.tincan -------------------------------------

export interface TincanBridge {
  getSnapshot(): Promise<Result<Snapshot>>;
  host(request: HostRequest): Promise<SessionResult<HostInfo>>;
  join(request: JoinRequest): Promise<SessionResult<JoinInfo>>;
  cancelJoin(): Promise<SessionResult<null>>;
  send(request: SendRequest): Promise<Result<SendResponse>>;
  leave(): Promise<SessionResult<null>>;
  copyText(text: string): Promise<Result<null>>;
  openLink(url: string): Promise<Result<null>>;
  forgetRecentHost(address: string): Promise<Result<Preferences>>;
  /** Calls back with each batch of events; returns the function that unsubscribes. */
  onEvents(listener: (events: BridgeEvent[]) => void): () => void;
}

export const BRIDGE_GLOBAL = 'tincan';

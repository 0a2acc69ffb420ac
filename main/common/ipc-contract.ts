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

import type { HistoryLine, HistoryPage, HistoryStatus, LineContext, Retention, RoomAddress, SearchResults } from './history';
import { MAX_LINK_CHARS } from './links';
import type { ClientInfo, RosterChanges } from './roster';
import type { ServerNotice } from './server-notice';
import type { Advice, DiscoveredRoom, NetworkHost, ShareAddress } from './rooms';

export type { ClientInfo, LineCount, RosterChanges } from './roster';
export type { Advice, DiscoveredRoom, NetworkHost, ShareAddress } from './rooms';
export type { ServerNotice } from './server-notice';
export type {
  HistoryLine,
  HistoryPage,
  HistoryRoom,
  HistoryStatus,
  LineContext,
  MatchRange,
  Retention,
  RoomAddress,
  SearchHit,
  SearchResults,
} from './history';

export const CHANNELS = {
  getSnapshot: 'app:get-snapshot',
  host: 'chat:host',
  join: 'chat:join',
  cancelJoin: 'chat:cancel-join',
  reconnectNow: 'chat:reconnect-now',
  send: 'chat:send',
  leave: 'chat:leave',
  copyText: 'app:copy-text',
  openLink: 'app:open-link',
  forgetRecentHost: 'app:forget-recent-host',
  findRooms: 'discovery:find-rooms',
  stopFindingRooms: 'discovery:stop-finding-rooms',
  historyView: 'history:view',
  historyPage: 'history:page',
  historyContext: 'history:context',
  searchHistory: 'history:search',
  saveTranscript: 'history:save-transcript',
  clearHistory: 'history:clear',
  updateSettings: 'app:update-settings',
  setViewState: 'app:set-view-state',
  findFreePort: 'app:find-free-port',
  setTopic: 'chat:set-topic',
  sendPassword: 'chat:send-password',
  removePerson: 'chat:remove-person',
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
  /** A room name as typed; main then cleans it and holds it to 63 bytes of UTF-8. */
  maxRoomNameChars: 200,
  /** A display name or a topic as typed; main then cleans it (person-name.ts) and holds it to its own limit. */
  maxTypedNameChars: 1000,
  /** A room's password: the server takes at most 256 bytes of UTF-8. */
  maxPasswordChars: 256,
} as const;

// ---- requests and responses -----------------------------------------------------------

/** 'lan': every interface (others on the network can join); 'local': loopback only. */
export type HostScope = 'lan' | 'local';
export type Mode = 'host' | 'join';

export interface HostRequest {
  port: number;
  scope: HostScope;
  /** The room's name in others' "Rooms on your network" list; absent: the default name. */
  name?: string;
  /** The room's topic, told to everyone who joins; absent or empty: none. */
  topic?: string;
  /** The room's password, which newcomers must give first; absent or empty: none. */
  password?: string;
  /**
   * "Encrypted only": plain connections (nc, telnet) are refused with one line saying how to
   * connect with TLS; the host's own loopback client still gets in. Absent: false.
   */
  encryptedOnly?: boolean;
}

/** The password a room asked for (see the 'password' event); `remember`: kept for this host once it is taken. */
export interface PasswordRequest {
  password: string;
  remember: boolean;
}

/** Host only: removes the person at `peer` (`IP:port`), and with `ban` refuses its address until the room closes. */
export interface RemovePersonRequest {
  peer: string;
  ban: boolean;
}

/** The host sets (or, with '', clears) the room's topic. */
export interface TopicRequest {
  topic: string;
}

export interface HostInfo {
  port: number;
  scope: HostScope;
  /**
   * Addresses others should type, each `IP:port` (IPv6 in brackets) with the interface it
   * is on; physical networks first, IPv4 before IPv6.
   */
  shareAddresses: ShareAddress[];
  /** The name the room is announced under; null when it is not announced (this computer only). */
  roomName: string | null;
  /** What the host should know: no network, only a self-assigned address, a firewall in the way. */
  advice: Advice[];
  /** Plain connections are refused (HostRequest.encryptedOnly): terminals need TLS. Absent: false. */
  encryptedOnly?: boolean;
}

/** After a busy port: a free one for hosting with `scope`, near `busyPort`. */
export interface FreePortRequest {
  busyPort: number;
  scope: HostScope;
}

export interface JoinRequest {
  /** What the user typed: `10.0.0.5:60003`, `10.0.0.5`, `[fe80::1]:60003`, `host.lan`. */
  address: string;
  /**
   * What the user accepted on purpose after a KeyWarning: the new key the host showed
   * (`AB:CD:…`), or 'plain' to join in plain text a host that was encrypted before.
   */
  trust?: string;
}

/** A host's key as this machine pinned it on the first join (trust on first use). */
export interface HostKey {
  /** `host:port` as joined (normalised). */
  address: string;
  /** SHA-256 of its certificate, `AB:CD:…`. */
  fingerprint: string;
}

/** Why a join stopped before connecting: the host is not the one this machine knew. */
export interface KeyWarning {
  /** `host:port`. */
  address: string;
  /** 'changed': another key; 'plain': the host was encrypted before and now offers plain text only. */
  kind: 'changed' | 'plain';
  /** The pinned key. */
  expected: string;
  /** The key the host showed now (kind 'changed'); null for 'plain'. */
  shown: string | null;
  /** What may be happening and what to do, in a few sentences. */
  message: string;
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
  /** Lines that wait in the outbox instead, to go out once the connection is back (absent: none). */
  waiting?: number;
}

/** What a desktop notification shows: nothing, who wrote, or who wrote what. */
export type NotificationPrivacy = 'off' | 'sender' | 'full';
export const NOTIFICATION_PRIVACY_LEVELS: readonly NotificationPrivacy[] = ['off', 'sender', 'full'];

export interface Preferences {
  lastMode: Mode;
  lastPort: number;
  lastScope: HostScope;
  /** Most recent first, `host:port` as typed (normalised), at most 8. */
  recentHosts: string[];
  /** Keys of hosts joined over TLS, most recent first, bounded (main/app/join.ts). */
  hostKeys: HostKey[];
  /** The room name last hosted under; '' for the default name. */
  roomName: string;
  /** The Host form's "Encrypted only", as last hosted. */
  lastEncryptedOnly: boolean;
  /** True once this machine has hosted for the network (Windows and macOS ask about the firewall the first time). */
  hostedBefore: boolean;
  /** Keep history forever, 30 days, or this session only (nothing written). */
  historyRetention: Retention;
  notificationPrivacy: NotificationPrivacy;
  /** Notify only messages that mention the user. */
  mentionsOnly: boolean;
  /** The user's own words (their name, say), highlighted and notified as mentions; at most 20. */
  mentionKeywords: string[];
  /** No notifications, no flashing; unread still counts. */
  doNotDisturb: boolean;
  /**
   * The name this app takes in rooms it knows speak Tincan (`/name`), cleaned like every name
   * (person-name.ts); '' for none. Defaults to the OS user's name.
   */
  displayName: string;
}

/** The settings a user changes from the Settings panel and the status bar; any subset at once. */
export type SettingsUpdate = Partial<
  Pick<Preferences, 'historyRetention' | 'notificationPrivacy' | 'mentionsOnly' | 'mentionKeywords' | 'doNotDisturb' | 'displayName'>
>;

export interface Snapshot {
  status: SessionStatus;
  /** The revision of `status` (see StatusReport). */
  statusRevision: number;
  preferences: Preferences;
  /** "<user>'s room on <hostname>": the name a room gets unless the host types one. */
  defaultRoomName: string;
  /** This machine's addresses on its networks when the snapshot was taken, physical first: the Host form's preview. */
  networkHosts: NetworkHost[];
  history: HistoryStatus;
  unread: UnreadInfo;
  /** Notices from starting up (a damaged history file set aside), in the first snapshot only. */
  startupNotices: string[];
  /** Why desktop notifications do not show (an unsigned macOS build, say); null when none failed. */
  notificationProblem: string | null;
  /**
   * The room's most recent lines (bounded), so a reloaded window shows the conversation again
   * when history cannot (history off or unavailable); the renderer dedups by seq.
   */
  lines: ChatLine[];
  /** Who is in the room now, as the host's server or a joiner's roster knows it (empty when idle). */
  roster: ClientInfo[];
  /** The roster is only the people seen since the user joined. */
  rosterPartial: boolean;
}

// ---- history, search, attention -----------------------------------------------------------

/** The current room's history, newest first page or older pages. */
export interface HistoryViewRequest {
  /** Lines older than this id; null: the newest lines. */
  beforeId: number | null;
}

export interface HistoryViewLine extends HistoryLine {
  /** The live line's seq when the line arrived in this visit to the room, else null. */
  seq: number | null;
}

export interface HistoryView {
  /** The room the session is in; null when idle (then there are no lines). */
  room: RoomAddress | null;
  /** Oldest first, at most 200. */
  lines: HistoryViewLine[];
  /** Older lines exist. */
  hasMore: boolean;
  /** Lines with an id up to this one are from before this visit: the "earlier" history. */
  visitStartId: number;
  /** Live lines up to this seq are in the history already (a newest page includes them). */
  liveSeq: number;
}

/** Lines of any room with history, around a search hit: older than `beforeId` or newer than `afterId`. */
export interface HistoryPageRequest {
  room: RoomAddress;
  beforeId?: number;
  afterId?: number;
}

export interface HistoryContextRequest {
  lineId: number;
}

export type SearchScope = 'room' | 'all';

export interface SearchHistoryRequest {
  query: string;
  /** 'room': the room the session is in. */
  scope: SearchScope;
  /** The next page of results: hits older than this id. */
  beforeId?: number;
}

export interface ClearHistoryRequest {
  /** 'room': the room the session is in. */
  scope: 'room' | 'all';
}

export interface SavedTranscript {
  file: string;
  lines: number;
  bytes: number;
}

/** What the window tells main about itself, so main knows what the user can see. */
export interface ViewState {
  focused: boolean;
  /** The transcript is scrolled to its newest line. */
  atBottom: boolean;
}

export interface UnreadInfo {
  /** Messages from others not seen yet. */
  count: number;
  mentions: number;
  /** Where the "unread" divider goes (a live line's seq); null when all is read. */
  firstUnreadSeq: number | null;
}

/** A join that failed says why and what to try (see diagnoseJoinFailure). */
export type JoinResult = SessionResult<JoinInfo> & { help?: Advice; keyWarning?: KeyWarning };

// ---- session state ----------------------------------------------------------------------

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

/** Whether a room's lines travel encrypted, and the host's key (main/common/fingerprint.ts). */
export interface RoomSecurity {
  encrypted: boolean;
  /** SHA-256 of the host's certificate, `AB:CD:…`; null when not encrypted. */
  fingerprint: string | null;
}

export type SessionStatus =
  | { mode: 'idle' }
  | {
      mode: 'hosting';
      host: HostInfo;
      connection: ConnectionState;
      /** This app's own `IP:port` as the server sees it (null until connected). */
      self: string | null;
      /** Absent means not encrypted. */
      security?: RoomSecurity;
      /** Lines typed while the connection was down, waiting to go out once it is back (absent: none). */
      outbox?: OutboxState;
    }
  | {
      mode: 'joined';
      target: JoinInfo;
      /** The room's name, when it was joined from the network's list. */
      roomName?: string;
      connection: ConnectionState;
      self: string | null;
      /** Absent means not encrypted. */
      security?: RoomSecurity;
      /** Lines typed while the connection was down, waiting to go out once it is back (absent: none). */
      outbox?: OutboxState;
    };

/**
 * While reconnecting, what the user sends waits in main, in order, up to these bounds; a send
 * that would pass one is refused whole, and leaving drops what waits (the user is told both).
 */
export const OUTBOX_LIMITS = {
  maxLines: 50,
  /** UTF-8 bytes of the waiting lines, a newline each. */
  maxBytes: 16 * 1024,
} as const;

export interface OutboxState {
  lines: number;
  bytes: number;
}

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
 * ourselves). 'notice': a line the server wrote itself (`Tincan: …`, see ServerNotice). 'skipped': main dropped lines because the window could not keep up; `text`
 * says how many ("1,204 lines skipped while catching up").
 */
export type LineKind = 'message' | 'connected' | 'disconnected' | 'raw' | 'skipped' | 'notice';


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
  /** A 'notice' line: what the server said (`text` is the line as it came). */
  notice?: ServerNotice;
  /** A message the server replayed to us on joining (catch-up): it was said before we came. */
  replayed?: true;
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
  /**
   * The whole roster: when hosting starts or stops, when a joiner connects and when its `/who`
   * answer is in. `partial`: only the people seen since the user joined (a room that gives no list).
   */
  | { type: 'roster'; clients: ClientInfo[]; partial?: true }
  /** Arrivals and departures as they happen, line counts with the lines they count. */
  | ({ type: 'roster-changes' } & RosterChanges)
  /** The connection dropped; the next try starts in `delayMs`. */
  | { type: 'reconnecting'; attempt: number; delayMs: number; reason: string }
  /**
   * The room joined asks for a password ('required': the window asks the user, unless one
   * remembered for this host was sent), took it ('accepted'), or turned it away ('refused':
   * `message` says why; the session left the room and the window offers to try again).
   */
  | { type: 'password'; state: 'required' | 'accepted' | 'refused'; address: string; message: string | null }
  /** Something the user should read (a failed reconnect that gave up, a server error). */
  | { type: 'notice'; level: 'info' | 'error'; message: string }
  /** While rooms are being looked for: the whole list, whenever it changes. */
  | { type: 'rooms'; rooms: DiscoveredRoom[] }
  /** History became (un)available; `reset`: its contents changed (cleared, retention), reload what is shown. */
  | { type: 'history'; status: HistoryStatus; reset: boolean }
  | ({ type: 'unread' } & UnreadInfo)
  /** A notification was clicked: show this live line. */
  | { type: 'jump'; seq: number }
  /** Desktop notifications failed to show: why, for Settings (see Snapshot.notificationProblem). */
  | { type: 'notifications'; problem: string | null };

// ---- the API the preload exposes on window.tincan -------------------------------------

export interface TincanBridge {
  getSnapshot(): Promise<Result<Snapshot>>;
  host(request: HostRequest): Promise<SessionResult<HostInfo>>;
  join(request: JoinRequest): Promise<JoinResult>;
  cancelJoin(): Promise<SessionResult<null>>;
  /** While reconnecting: tries at once instead of waiting for the next attempt. */
  reconnectNow(): Promise<SessionResult<null>>;
  send(request: SendRequest): Promise<Result<SendResponse>>;
  leave(): Promise<SessionResult<null>>;
  copyText(text: string): Promise<Result<null>>;
  openLink(url: string): Promise<Result<null>>;
  forgetRecentHost(address: string): Promise<Result<Preferences>>;
  /** Starts looking for rooms on the network (if not already) and answers with those seen so far; 'rooms' events follow. */
  findRooms(): Promise<Result<DiscoveredRoom[]>>;
  /** Stops looking (the Join screen closed). */
  stopFindingRooms(): Promise<Result<null>>;
  historyView(request: HistoryViewRequest): Promise<Result<HistoryView>>;
  historyPage(request: HistoryPageRequest): Promise<Result<HistoryPage>>;
  historyContext(request: HistoryContextRequest): Promise<Result<LineContext>>;
  searchHistory(request: SearchHistoryRequest): Promise<Result<SearchResults>>;
  /** Opens the save dialog and writes the current room's transcript; null when cancelled. */
  saveTranscript(): Promise<Result<SavedTranscript | null>>;
  /** How many lines went (clearing all answers null). */
  clearHistory(request: ClearHistoryRequest): Promise<Result<number | null>>;
  updateSettings(request: SettingsUpdate): Promise<Result<Preferences>>;
  setViewState(state: ViewState): Promise<Result<null>>;
  /** A port free for hosting now, just above the busy one when one of those is. */
  findFreePort(request: FreePortRequest): Promise<Result<number>>;
  /** Host only: sets the room's topic ('' clears it); everyone in the room is told. */
  setTopic(request: TopicRequest): Promise<Result<null>>;
  /** Sends the password the room asked for (see the 'password' event). */
  sendPassword(request: PasswordRequest): Promise<Result<null>>;
  /** Host only: removes (kicks) or bans someone in the room. */
  removePerson(request: RemovePersonRequest): Promise<Result<null>>;
  /** Calls back with each batch of events; returns the function that unsubscribes. */
  onEvents(listener: (events: BridgeEvent[]) => void): () => void;
}

export const BRIDGE_GLOBAL = 'tincan';

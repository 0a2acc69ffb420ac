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

import * as v from 'valibot';
import { DEFAULT_PORT } from './constants';
import { isFingerprint } from './fingerprint';
import { HISTORY_LIMITS, RETENTIONS, type HistoryLine, type HistoryPage, type HistoryStatus, type LineContext, type RoomAddress, type SearchResults } from './history';
import { MAX_LINK_CHARS, checkLink } from './links';
import { MENTION_LIMITS, normalizeKeyword } from './mentions';
import { cleanPersonName, cleanTopic } from './person-name';
import type { LineKind } from './line-kind';
import { fail, ok, type Result } from './result';
import { cleaned, flag, lenient, lenientList, noArgument, oneOf, parse, request, text, wholeNumber } from './schema';
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
  setIgnored: 'chat:set-ignored',
} as const;

export const EVENTS_CHANNEL = 'chat:events';
/** Renderer -> main, fire and forget (`ipcRenderer.send`): the id of the batch the page took. */
export const EVENTS_ACK_CHANNEL = 'chat:events-ack';

export { fail, ok, type Result } from './result';

/**
 * The answer of a call that changes the session (host, join, cancelJoin, leave): its Result,
 * plus main's status right after the call, so the renderer never has to guess it. Absent when
 * the call was refused before it reached the session (a bad argument): nothing changed then.
 */
export type SessionResult<T> = Result<T> & { after?: StatusReport };

// ---- limits main enforces on every argument -------------------------------------------

/** People one window may ignore at once (the roster's Ignore): the window's list and main's copy. */
export const MAX_IGNORED_PEOPLE = 1000;

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

// ---- the pieces requests and preferences are made of --------------------------------------

const SCOPE_MESSAGE = 'The scope must be “lan” (the whole network) or “local” (this computer only).';
/** 'lan': every interface (others on the network can join); 'local': loopback only. */
const hostScope = oneOf(['lan', 'local'], SCOPE_MESSAGE);
export type HostScope = v.InferOutput<typeof hostScope>;
const mode = oneOf(['host', 'join'], 'The mode must be “host” or “join”.');
export type Mode = v.InferOutput<typeof mode>;
const port = wholeNumber('The port must be a whole number from 1 to 65535.', 1, 65535);
/** What a desktop notification shows: nothing, who wrote, or who wrote what. */
export const NOTIFICATION_PRIVACY_LEVELS = ['off', 'sender', 'full'] as const;
const notificationPrivacy = oneOf(NOTIFICATION_PRIVACY_LEVELS, 'Notifications show “off” (nothing), “sender” (who wrote) or “full” (who and what).');
export type NotificationPrivacy = v.InferOutput<typeof notificationPrivacy>;
const historyRetention = oneOf(RETENTIONS, 'Keep history “forever”, for “days30” or for this “session” only.');

/** A topic as typed: bounded, then cleaned (person-name.ts); '' is no topic. */
const topic = v.pipe(text('The topic', LIMITS.maxTypedNameChars), cleaned(cleanTopic, 'The topic'));

/** A display name as typed: bounded, then cleaned (person-name.ts); '' (or only blanks) is no name. */
const displayName = v.pipe(
  text('Your name', LIMITS.maxTypedNameChars),
  cleaned((typed) => (typed.trim() === '' ? { ok: true, text: '' } : cleanPersonName(typed)), 'Your name'),
);

/** One keyword as the Settings panel sends it: normalised; '' is dropped from the list. */
const keyword = v.pipe(
  text('A keyword', MENTION_LIMITS.maxKeywordChars * 4),
  v.transform(normalizeKeyword),
  v.maxLength(MENTION_LIMITS.maxKeywordChars, `A keyword is too long: at most ${MENTION_LIMITS.maxKeywordChars} characters.`),
);
/** The user's words: at most 20, no empty ones, no repeats (ignoring case). */
const keywords = v.pipe(
  v.array(keyword, 'The keywords must be a list of words.'),
  v.maxLength(MENTION_LIMITS.maxKeywords, `At most ${MENTION_LIMITS.maxKeywords} keywords.`),
  v.transform((words: string[]) => words.filter((word, index) => word !== '' && words.findIndex((known) => known.toLowerCase() === word.toLowerCase()) === index)),
);

/** A host's key as this machine pinned it on the first join (trust on first use). */
const hostKey = v.object({
  /** `host:port` as joined (normalised). */
  address: v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.maxAddressChars)),
  /** SHA-256 of its certificate, `AB:CD:…`. */
  fingerprint: v.pipe(v.string(), v.check((value: string) => isFingerprint(value))),
});
export type HostKey = v.InferOutput<typeof hostKey>;
/** At most this many keys of hosts are remembered. */
export const MAX_HOST_KEYS = 64;
export const MAX_RECENT_HOSTS = 8;
/** A remembered host, `host:port` as typed (normalised). */
const recentHost = v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.maxAddressChars));
/** The pinned keys as read back from a file: bad entries dropped, one per address, at most MAX_HOST_KEYS. */
export const HOST_KEY_LIST = lenientList(hostKey, MAX_HOST_KEYS, (key) => key.address);

/** A history line id: a whole number from 1 up. */
const lineId = (what: string) => wholeNumber(`${what} must be a whole number from 1 up.`, 1);

const room = request('The room', {
  host: v.pipe(text('The room’s host', HISTORY_LIMITS.maxHostChars), v.minLength(1, 'The room’s host is empty.')),
  port: wholeNumber('The room’s port must be a whole number from 0 to 65535.', 0, 65535),
});

// ---- preferences: what Tincan remembers between runs -------------------------------------

/** The defaults of every preference but the display name (the OS user's, which main knows). */
export const PREFERENCE_DEFAULTS = {
  lastMode: 'host',
  lastPort: DEFAULT_PORT,
  lastScope: 'lan',
  roomName: '',
  lastEncryptedOnly: false,
  hostedBefore: false,
  historyRetention: 'forever',
  // Who wrote, not what: a notification can be read by whoever passes the screen.
  notificationPrivacy: 'sender',
  mentionsOnly: false,
  doNotDisturb: false,
} as const;

/**
 * Preferences as read back from a file (or any value): every well-formed field is kept, any
 * other falls back to its default, bad list entries are dropped, so one damaged field (a
 * hand-edited file, an older version) does not cost the user the others. Never refuses.
 */
export function preferencesSchema(systemDisplayName: () => string) {
  const fields = v.object({
    lastMode: lenient(mode, () => PREFERENCE_DEFAULTS.lastMode),
    lastPort: lenient(port, () => PREFERENCE_DEFAULTS.lastPort),
    lastScope: lenient(hostScope, () => PREFERENCE_DEFAULTS.lastScope),
    /** Most recent first, `host:port` as typed (normalised), at most 8. */
    recentHosts: lenientList(recentHost, MAX_RECENT_HOSTS),
    /** Keys of hosts joined over TLS, most recent first, bounded (main/app/join.ts). */
    hostKeys: HOST_KEY_LIST,
    /** The room name last hosted under; '' for the default name. */
    roomName: lenient(v.pipe(v.string(), v.maxLength(LIMITS.maxRoomNameChars)), () => PREFERENCE_DEFAULTS.roomName),
    /** The Host form's "Encrypted only", as last hosted. */
    lastEncryptedOnly: lenient(v.boolean(), () => PREFERENCE_DEFAULTS.lastEncryptedOnly),
    /** True once this machine has hosted for the network (Windows and macOS ask about the firewall the first time). */
    hostedBefore: lenient(v.boolean(), () => PREFERENCE_DEFAULTS.hostedBefore),
    /** Keep history forever, 30 days, or this session only (nothing written). */
    historyRetention: lenient(historyRetention, () => PREFERENCE_DEFAULTS.historyRetention),
    notificationPrivacy: lenient(notificationPrivacy, () => PREFERENCE_DEFAULTS.notificationPrivacy),
    /** Notify only messages that mention the user. */
    mentionsOnly: lenient(v.boolean(), () => PREFERENCE_DEFAULTS.mentionsOnly),
    /** The user's own words (their name, say), highlighted and notified as mentions; at most 20. */
    mentionKeywords: v.pipe(lenientList(keyword, MENTION_LIMITS.maxKeywords * 4, (word) => word.toLowerCase()), v.transform((words: string[]) => words.filter((word) => word !== '').slice(0, MENTION_LIMITS.maxKeywords))),
    /** No notifications, no flashing; unread still counts. */
    doNotDisturb: lenient(v.boolean(), () => PREFERENCE_DEFAULTS.doNotDisturb),
    /**
     * The name this app takes in rooms it knows speak Tincan (`/name`), cleaned like every name
     * (person-name.ts); '' for none. Defaults to the OS user's name.
     */
    displayName: lenient(displayName, systemDisplayName),
  });
  return v.pipe(
    v.unknown(),
    v.transform((value) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {})),
    fields,
  );
}
export type Preferences = v.InferOutput<ReturnType<typeof preferencesSchema>>;

// ---- requests: one schema per channel, named like it; main checks every argument with it ----

const settingsUpdate = v.pipe(
  request('The settings', {
    historyRetention: v.optional(historyRetention),
    notificationPrivacy: v.optional(notificationPrivacy),
    mentionsOnly: v.optional(flag('Mentions only')),
    mentionKeywords: v.optional(keywords),
    doNotDisturb: v.optional(flag('Do not disturb')),
    displayName: v.optional(displayName),
  }),
  v.check((update) => Object.values(update as Record<string, unknown>).some((value) => value !== undefined), 'The settings change nothing.'),
);

/**
 * What each channel's argument must be. Main validates every argument with these once, in
 * its IPC adapter (main/electron/ipc.ts); the types of the bridge come from them.
 */
export const REQUESTS = {
  getSnapshot: noArgument('Reading the state'),
  host: request('The host request', {
    port,
    scope: hostScope,
    /** The room's name in others' "Rooms on your network" list; absent: the default name. Main cleans it. */
    name: v.optional(text('The room name', LIMITS.maxRoomNameChars)),
    /** The room's topic, told to everyone who joins; absent or empty: none. */
    topic: v.optional(topic),
    /** The room's password, which newcomers must give first; absent or empty: none (what it may hold is the server's rule, room-gate.ts). */
    password: v.optional(text('The password', LIMITS.maxPasswordChars)),
    /**
     * "Encrypted only": plain connections (nc, telnet) are refused with one line saying how to
     * connect with TLS; the host's own loopback client still gets in. Absent: false.
     */
    encryptedOnly: v.optional(flag('“Encrypted only”')),
  }),
  join: request('The join request', {
    /** What the user typed: `10.0.0.5:60003`, `10.0.0.5`, `[fe80::1]:60003`, `host.lan` (the session parses it). */
    address: text('The address', LIMITS.maxAddressChars),
    /**
     * What the user accepted on purpose after a KeyWarning: the new key the host showed
     * (`AB:CD:…`), or 'plain' to join in plain text a host that was encrypted before.
     */
    trust: v.optional(
      v.custom<string>(
        (value) => value === 'plain' || isFingerprint(value),
        'The key to trust must be a SHA-256 fingerprint (AB:CD:…) or “plain”.',
      ),
    ),
  }),
  cancelJoin: noArgument('Cancelling a join'),
  /** While reconnecting: tries at once instead of waiting for the next attempt. */
  reconnectNow: noArgument('Reconnecting'),
  send: request('The send request', { text: text('The message', LIMITS.maxSendChars) }),
  leave: noArgument('Leaving'),
  copyText: text('The text to copy', LIMITS.maxCopyChars),
  openLink: v.pipe(text('The link', LIMITS.maxUrlChars), v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const checked = checkWebLink(dataset.value);
    if (checked.ok) return checked.value;
    addIssue({ message: checked.error });
    return NEVER;
  })),
  forgetRecentHost: v.pipe(
    text('The address to forget', LIMITS.maxAddressChars),
    v.trim(),
    v.minLength(1, 'The address to forget is empty.'),
  ),
  findRooms: noArgument('Looking for rooms'),
  stopFindingRooms: noArgument('Stopping the search for rooms'),
  /** The current room's history, newest first page (null) or lines older than `beforeId`. */
  historyView: request('The history request', { beforeId: v.nullable(lineId('The history cursor')) }),
  /** Lines of any room with history, around a search hit: older than `beforeId` or newer than `afterId`. */
  historyPage: v.pipe(
    request('The history request', {
      room,
      beforeId: v.optional(lineId('The history cursor')),
      afterId: v.optional(wholeNumber('The history cursor must be a whole number from 0 up.', 0)),
    }),
    v.check((page) => page.beforeId === undefined || page.afterId === undefined, 'Ask for older or for newer lines, not both.'),
  ),
  historyContext: request('The history request', { lineId: lineId('The line') }),
  searchHistory: request('The search', {
    query: text('The search', HISTORY_LIMITS.maxQueryChars),
    /** 'room': the room the session is in. */
    scope: oneOf(['room', 'all'], 'Search “room” (this room) or “all” (all rooms).'),
    /** The next page of results: hits older than this id. */
    beforeId: v.optional(lineId('The search cursor')),
  }),
  saveTranscript: noArgument('Saving the transcript'),
  /** 'room': the room the session is in. */
  clearHistory: request('The clear request', { scope: oneOf(['room', 'all'], 'Clear “room” (this room’s history) or “all” (every room’s).') }),
  /** The settings a user changes from the Settings panel and the status bar; any subset at once. */
  updateSettings: settingsUpdate,
  /** What the window tells main about itself, so main knows what the user can see. */
  setViewState: request('The view state', {
    focused: flag('Focused'),
    /** The transcript is scrolled to its newest line. */
    atBottom: flag('At the bottom'),
  }),
  /** After a busy port: a free one for hosting with `scope`, near `busyPort`. */
  findFreePort: request('The free port request', {
    busyPort: wholeNumber('The busy port must be a whole number from 1 to 65535.', 1, 65535),
    scope: hostScope,
  }),
  /** The host sets (or, with '', clears) the room's topic. */
  setTopic: request('The topic request', { topic }),
  /** The password a room asked for (see the 'password' event); `remember`: kept for this host once it is taken. */
  sendPassword: request('The password request', {
    password: v.pipe(
      text('The password', LIMITS.maxPasswordChars),
      v.check((typed: string) => typed.trim() !== '', 'Type the room’s password.'),
      v.check((typed: string) => !/[\r\n]/.test(typed), 'A password is one line.'),
    ),
    remember: flag('“remember”'),
  }),
  /** Host only: removes the person at `peer` (`IP:port` or a name), and with `ban` refuses its address until the room closes. */
  removePerson: request('The remove request', { peer: text('The address', LIMITS.maxAddressChars), ban: flag('“ban”') }),
  /** Whom the user ignores now (the whole list, addresses as the roster has them): their lines neither notify nor count as unread. */
  setIgnored: request('The ignore list', {
    peers: v.pipe(
      v.array(text('An ignored address', LIMITS.maxAddressChars), 'The ignored people must be a list of addresses.'),
      v.maxLength(MAX_IGNORED_PEOPLE, `At most ${MAX_IGNORED_PEOPLE.toLocaleString('en-US')} people can be ignored.`),
    ),
  }),
} as const satisfies Record<keyof typeof CHANNELS, v.GenericSchema>;

export type ChannelName = keyof typeof CHANNELS;
/** A channel's argument, as checked (what the bridge sends and main's handler gets). */
export type RequestOf<K extends ChannelName> = v.InferOutput<(typeof REQUESTS)[K]>;

export type HostRequest = RequestOf<'host'>;
export type JoinRequest = RequestOf<'join'>;
export type SendRequest = RequestOf<'send'>;
export type TopicRequest = RequestOf<'setTopic'>;
export type FreePortRequest = RequestOf<'findFreePort'>;
export type HistoryViewRequest = RequestOf<'historyView'>;
export type HistoryPageRequest = RequestOf<'historyPage'>;
export type HistoryContextRequest = RequestOf<'historyContext'>;
export type SearchHistoryRequest = RequestOf<'searchHistory'>;
export type SearchScope = SearchHistoryRequest['scope'];
export type ClearHistoryRequest = RequestOf<'clearHistory'>;
export type SettingsUpdate = RequestOf<'updateSettings'>;
export type ViewState = RequestOf<'setViewState'>;
export type PasswordRequest = RequestOf<'sendPassword'>;
export type RemovePersonRequest = RequestOf<'removePerson'>;
export type IgnoreList = RequestOf<'setIgnored'>;

/**
 * Only web links leave the app: `http:` and `https:`, nothing that could start a local
 * program (`file:`, `smb:`, custom schemes…), and only links that are not sneaky by the same
 * rules the renderer uses to show them (main/common/links.ts). Answers the URL as the parser
 * normalised it (an international host in punycode).
 */
function checkWebLink(link: string): Result<string> {
  // The URL parser silently drops some control characters; a link that contains any is not one we show.
  // eslint-disable-next-line no-control-regex -- control characters are what this check refuses
  if (/[\u0000-\u0020\u007f-\u009f]/.test(link)) return fail('The link contains spaces or control characters.');
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return fail('That is not a valid link.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('Only http and https links can be opened.');
  if (url.hostname.length === 0) return fail('That link has no host.');
  const checked = checkLink(link);
  if (!checked.ok) return fail(`That link is not opened because ${checked.problem}.`);
  return ok(checked.link.url);
}

// ---- requests and responses -----------------------------------------------------------

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

export interface SendResponse {
  /** Lines actually sent (empty lines are skipped). */
  lines: number;
  /** Lines that wait in the outbox instead, to go out once the connection is back (absent: none). */
  waiting?: number;
}

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

export interface SavedTranscript {
  file: string;
  lines: number;
  bytes: number;
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

export type { LineKind } from './line-kind';


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

/** What each channel answers; main never throws across IPC. */
export interface Responses {
  getSnapshot: Result<Snapshot>;
  host: SessionResult<HostInfo>;
  join: JoinResult;
  cancelJoin: SessionResult<null>;
  /** While reconnecting: tries at once instead of waiting for the next attempt. */
  reconnectNow: SessionResult<null>;
  send: Result<SendResponse>;
  leave: SessionResult<null>;
  copyText: Result<null>;
  openLink: Result<null>;
  forgetRecentHost: Result<Preferences>;
  /** Starts looking for rooms on the network (if not already) and answers with those seen so far; 'rooms' events follow. */
  findRooms: Result<DiscoveredRoom[]>;
  /** Stops looking (the Join screen closed). */
  stopFindingRooms: Result<null>;
  historyView: Result<HistoryView>;
  historyPage: Result<HistoryPage>;
  historyContext: Result<LineContext>;
  searchHistory: Result<SearchResults>;
  /** Opens the save dialog and writes the current room's transcript; null when cancelled. */
  saveTranscript: Result<SavedTranscript | null>;
  /** How many lines went (clearing all answers null). */
  clearHistory: Result<number | null>;
  updateSettings: Result<Preferences>;
  setViewState: Result<null>;
  setIgnored: Result<null>;
  /** A port free for hosting now, just above the busy one when one of those is. */
  findFreePort: Result<number>;
  /** Host only: sets the room's topic ('' clears it); everyone in the room is told. */
  setTopic: Result<null>;
  /** Sends the password the room asked for (see the 'password' event). */
  sendPassword: Result<null>;
  /** Host only: removes (kicks) or bans someone in the room. */
  removePerson: Result<null>;
}

/** One bridge method: no parameter for a call that takes no argument. */
export type BridgeCall<K extends ChannelName> = RequestOf<K> extends undefined
  ? () => Promise<Responses[K]>
  : (request: RequestOf<K>) => Promise<Responses[K]>;

// ---- the API the preload exposes on window.tincan -------------------------------------

/** One method per channel (named like it), plus the events. */
export type TincanBridge = { [K in ChannelName]: BridgeCall<K> } & {
  /** Calls back with each batch of events; returns the function that unsubscribes. */
  onEvents(listener: (events: BridgeEvent[]) => void): () => void;
};

export const BRIDGE_GLOBAL = 'tincan';

/** Checks a channel's argument (any value at all) against its schema: the request, or why not. */
export function parseRequest<K extends ChannelName>(name: K, value: unknown): Result<RequestOf<K>> {
  return parse(REQUESTS[name], value);
}

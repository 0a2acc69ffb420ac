/**
 * One chat session of the desktop app: idle, hosting, or joined to someone else's chat.
 *
 * Pure Node (no Electron): main wires it to IPC, tests drive it directly. Every public method
 * mirrors a TincanBridge call, resolves to a Result and never throws. Main is the only author
 * of the status: calls that change it answer with it.
 *
 * Events leave in batches through an EventBatcher, which is also the flow control from the
 * socket to the screen: the renderer acknowledges each batch (`acknowledge`), only a few are
 * in flight, and when lines pile up the session pauses its socket (when the client can pause,
 * and never the host's own loopback client unless the server exempts it from the slow-reader
 * cut) or, as the last resort, lets the batcher drop the oldest and say how many.
 *
 * Every line also goes, in small batches of its own (a LineTap, flushed before each delivery
 * too), to the history (RoomRecorder) and the notification policy (AttentionFeed): a line the
 * flow control skips for a window that fell behind is still stored and still counted unread.
 * A reloaded window gets the room's recent lines in the snapshot and then its history (the
 * renderer merges both by seq).
 *
 * The server is not trusted either: a line is ours ("you") only when it carries our label and
 * a text we sent lately; a join or leave notice about ourselves cannot be true and is shown
 * as a plain line.
 *
 * Hosting = a ChatServer plus an ordinary ChatClient connected to it over loopback, so the
 * host's own messages take exactly the path everyone else's do, and the transcript the host
 * sees is what the wire carried. A room for the network is also announced on it (LAN
 * discovery), and the Join screen's "Rooms on your network" comes from a RoomFinder; both only
 * when `discovery` is given, so a session in a test never touches a real network.
 */
import os from 'node:os';
import { parseServerLine } from '../chat/protocol';
import { parseServerNotice, type ServerNotice } from '../chat/server-lines';
import { withoutServerPrefix } from '../common/server-notice';
import { MemoryRoomPasswordStore, rememberRoomPassword, type RoomPassword, type RoomPasswordStore } from './room-passwords';
import { MAX_REPLAY_LINES } from '../chat/replay';
import { ChatClient, ChatClientError, DEFAULT_CONNECT_TIMEOUT_MS, outgoingLines } from '../chat/client';
import { ChatServer } from '../chat/server';
import { loadOrCreateHostCertificate, type HostCertificate } from '../chat/host-certificate';
import { shortFingerprint } from '../common/fingerprint';
import {
  DEFAULT_PROBE_MS,
  changedKeyWarning,
  forgetHostKey,
  pinnedKey,
  plainTextWarning,
  planJoin,
  probeTls,
  resolveOnce,
  rememberHostKey,
  type LinkSecurity,
  type TlsOffer,
} from './join';
import type { ChatClientErrorCode, ChatServerOptions, ConnectOptions } from '../chat/types';
import {
  fail,
  ok,
  type Advice,
  type BridgeEvent,
  type DiscoveredRoom,
  type ChatLine,
  type ClearHistoryRequest,
  type HistoryContextRequest,
  type HistoryPage,
  type HistoryPageRequest,
  type HistoryStatus,
  type HistoryView,
  type HistoryViewRequest,
  type LineContext,
  type RoomAddress,
  type SavedTranscript,
  type SearchHistoryRequest,
  type SearchResults,
  type SettingsUpdate,
  type ViewState,
  type IgnoreList,
  type EventBatch,
  type ConnectionState,
  type HostInfo,
  type HostRequest,
  type JoinInfo,
  type JoinRequest,
  type JoinResult,
  type KeyWarning,
  type Preferences,
  type Result,
  type SendRequest,
  type SendResponse,
  type SessionResult,
  type SessionStatus,
  type Snapshot,
  type StatusReport,
  type TopicRequest,
  type PasswordRequest,
  type RemovePersonRequest,
} from '../common/ipc-contract';
import { DEFAULT_PORT, HOST_REPLAY_LINES } from '../common/constants';
import { joinHostPort, parseHostPort } from '../common/address';
import {
  clonePreferences,
  defaultPreferences,
  MemoryPreferencesStore,
  rememberRecentHost,
  type PreferencesStore,
} from './preferences';
import { EventBatcher, type FlowLimits, type FlowStats } from './event-batcher';
import { SILENT_LOGGER, type Logger } from './logger';
import { RecentLines } from './recent-lines';
import { RecentSends } from './recent-sends';
import { LineTap } from './line-tap';
import { Outbox, countOfLines } from './outbox';
import { RosterFeed } from './roster-feed';
import { SeenRoster } from './seen-roster';
import type { NetworkInterfaceTable, NetworkInterfacesReader } from './share-addresses';
import { RoomAnnouncement } from './discovery/announcement';
import { diagnoseJoinFailure } from './discovery/diagnostics';
import { RoomFinder } from './discovery/finder';
import { listLocalAddresses, type InterfaceSelection } from './discovery/interfaces';
import { labelledNetworkHosts, labelledShareAddresses, networkWarning } from './discovery/network-advice';
import { checkRoomName, systemDefaultRoomName } from './discovery/room-name';
import { HISTORY_LIMITS } from '../common/history';
import { ListenerSet } from '../common/listener-set';
import { RoomRecorder } from './history/room-recorder';
import type { HistoryService } from './history/service';
import { AttentionFeed } from './notifications/feed';
import type { NotificationEffects } from './notifications/policy';

/** What a session uses of the history (HistoryService; the store on its worker thread). */
export type SessionHistory = Pick<
  HistoryService,
  | 'status'
  | 'startupNotices'
  | 'onEvent'
  | 'onPressure'
  | 'append'
  | 'lastId'
  | 'pageBefore'
  | 'pageAfter'
  | 'context'
  | 'search'
  | 'exportRoom'
  | 'setRetention'
  | 'clearRoom'
  | 'clearAll'
>;

/** Asks the user where to save a room's transcript (named, when its name is known): a path, null when they cancelled. */
export type TranscriptFileChooser = (room: RoomAddress & { name: string | null }) => Promise<Result<string | null>>;

/** Lines on each side of a search hit when it is shown in context. */
const CONTEXT_LINES = 50;
/**
 * The window gets a batch at most this often. A line after a quiet moment still goes at once;
 * under a flood every batch costs the page a store update, a render of what counts lines and
 * a frame whatever it holds: at 50 ms instead of one frame (16 ms) the page used about 40%
 * less CPU at 2,000 lines/s and keys typed meanwhile waited less (bench:renderer).
 */
export const WINDOW_BATCH_MS = 50;

/** A reason for failing notifications is one sentence; anything longer is cut here. */
const MAX_NOTIFICATION_PROBLEM_CHARS = 300;

export interface ChatSessionOptions {
  /** Where preferences live; default: memory only. */
  preferences?: PreferencesStore;
  /** What the store held at start, when the caller already read it (main, for the history's retention). */
  loadedPreferences?: Preferences;
  /**
   * At most one events callback per this many milliseconds (the window's batches; the history
   * and notifications take every line at most this often too, by default each frame).
   * Default WINDOW_BATCH_MS for the window, 16 for the rest.
   */
  eventBatchMs?: number;
  /** How long one connection attempt may take. Default DEFAULT_CONNECT_TIMEOUT_MS (5 s). */
  connectTimeoutMs?: number;
  /** First reconnect delay; doubles per failed attempt. Default 500. */
  reconnectInitialDelayMs?: number;
  /** Reconnect delays stop growing here. Default 15000. */
  reconnectMaxDelayMs?: number;
  /** Passed to the ChatServer when hosting. */
  serverOptions?: ChatServerOptions;
  /** Where share addresses come from; tests inject a fixed table. Default os.networkInterfaces. */
  networkInterfaces?: NetworkInterfacesReader;
  /** Flow control between the socket and the renderer (see EventBatcher). */
  flowLimits?: Partial<FlowLimits>;
  /** Where the session writes down what happened (never message text). Default: nowhere. */
  logger?: Logger;
  /** Opens a connection; default ChatClient.connect. */
  connect?: (options: ConnectOptions) => Promise<ChatClient>;
  /** Announce rooms hosted for the network and look for others' rooms. Absent: neither. */
  discovery?: SessionDiscoveryOptions;
  /** Says whether a firewall may stop others from joining (main/app/discovery/firewall.ts). Absent: no check. */
  firewallCheck?: (port: number, firstTime: boolean) => Promise<Advice | null>;
  /** Names share addresses' interfaces the way this platform does. Default os.platform(). */
  platform?: NodeJS.Platform;
  /** The room name when the host types none. Default "<user>'s room on <hostname>". */
  defaultRoomName?: string;
  /** Where lines are kept; without it the session keeps no history. */
  history?: SessionHistory;
  /** Desktop notifications, badge and flashing (the Electron adapter); without it only the window hears of unread lines. */
  attention?: NotificationEffects;
  /**
   * Where the host's TLS certificate is kept (made there on first use, owner-only): hosted
   * rooms then speak TLS too, on the same port. Absent: hosted rooms are plain text only.
   */
  certificateDir?: string;
  /** How long a join waits for the room's answer to its beacon query (TLS or not). Default DEFAULT_PROBE_MS. */
  tlsProbeMs?: number;
  /** Room passwords remembered per host (room-passwords.ts); default: memory only. */
  roomPasswords?: RoomPasswordStore;
}

export interface SessionDiscoveryOptions {
  /** Interfaces to announce and look on: os.networkInterfaces in the app; tests pass loopback only. */
  interfaces: NetworkInterfacesReader;
  selection?: InterfaceSelection;
  appVersion: string;
  /** UDP ports the finder hears beacons on. Default [60003]. */
  beaconPorts?: number[];
}

/** Gets each batch; someone must `acknowledge(batch.id)` once the renderer took it. */
export type SessionEventsListener = (batch: EventBatch) => void;

/** The one connection a session holds (to someone else's server, or to its own). */
interface Link {
  readonly host: string;
  readonly port: number;
  /** TLS and the key the host must show (fixed at the first connection), or null for plain text. */
  tls: LinkSecurity;
  client: ChatClient | null;
  connection: ConnectionState;
  /** Our own `IP:port` as the server prints it, while connected. */
  self: string | null;
  /** The connect in flight, so leave/cancel can stop it. */
  connecting: AbortController | null;
  reconnectTimer: NodeJS.Timeout | null;
  /** Failed or pending reconnect attempts since the last good connection. */
  attempt: number;
  /** Why the connection is down, while reconnecting. */
  reason: string;
  /** What the user sent while the connection was down, to go out once it is back. */
  outbox: Outbox;
  /** The password sent to the room on this connection, if any (`remembered`: it came from the store). */
  passwordSent: { password: string; remember: boolean; remembered: boolean } | null;
  /** Why the room ended this connection for good (a wrong password, the host removed us): no reconnect. */
  endedBy: string | null;
  /** The room asked this link for its password; until it is accepted again, nothing else may go out (it would be taken as the password). */
  passwordRoom: boolean;
  awaitingPassword: boolean;
}

interface IdleState {
  kind: 'idle';
}
/** Host requested, server not listening yet; the outside world still sees 'idle'. */
interface StartingState {
  kind: 'starting';
  server: ChatServer;
  listening: Promise<unknown>;
}
interface HostingState {
  kind: 'hosting';
  server: ChatServer;
  info: HostInfo;
  /** The host's key when the room speaks TLS. */
  fingerprint: string | null;
  /** The name typed in the Host form (or the default), for the history even when not announced. */
  name: string | null;
  link: Link;
  roster: RosterFeed;
  /** Null for a room nobody else can join, or with discovery off. */
  announcer: RoomAnnouncement | null;
  /** Reads the server's refusal counters for the log (see watchRefusals). */
  refusals: NodeJS.Timeout;
}
interface JoinedState {
  kind: 'joined';
  target: JoinInfo;
  link: Link;
  /** The room's name when it was joined from the network's list, for the history. */
  name: string | null;
  /** Who is in the room, as far as the wire tells (see SeenRoster). */
  roster: SeenRoster;
}
type State = IdleState | StartingState | HostingState | JoinedState;
type ConnectedState = HostingState | JoinedState;

const IDLE: IdleState = { kind: 'idle' };

const NOT_IDLE_ERROR = 'Leave the current chat first.';
const NO_HISTORY_STATUS: HistoryStatus = { available: false, reason: 'this window keeps no history.', retention: 'session' };
const NO_HISTORY_ERROR = 'History is unavailable: this window keeps no history.';
const NOT_IN_A_ROOM_ERROR = 'You are not in a room: host or join one first.';
export const SAVE_IN_PROGRESS_ERROR = 'A transcript is already being saved: finish or cancel that first.';
const CLOSED_ERROR = 'Tincan is shutting down.';

/** A join whose connection failed: the sentence, the ChatClient's code, and where it tried. */
interface ConnectFailure {
  ok: false;
  error: string;
  code: ChatClientErrorCode | null;
  target: JoinInfo;
}

function cloneHostInfo(info: HostInfo): HostInfo {
  return { ...info, shareAddresses: info.shareAddresses.map((entry) => ({ ...entry })), advice: info.advice.map((entry) => ({ ...entry })) };
}

function messageOf(error: unknown): string {
  if (error instanceof Error && error.message.length > 0) return error.message;
  return 'Something went wrong.';
}

export class ChatSession {
  private readonly store: PreferencesStore;
  private readonly roomPasswords: RoomPasswordStore;
  private readonly connectTimeoutMs: number;
  private readonly reconnectInitialDelayMs: number;
  private readonly reconnectMaxDelayMs: number;
  private readonly serverOptions: ChatServerOptions | undefined;
  private readonly readNetworkInterfaces: NetworkInterfacesReader;
  private readonly discovery: SessionDiscoveryOptions | undefined;
  private readonly firewallCheck: ChatSessionOptions['firewallCheck'];
  private readonly platform: NodeJS.Platform;
  private readonly defaultName: string;
  private readonly certificateDir: string | undefined;
  private readonly tlsProbeMs: number;
  private certificate: Promise<HostCertificate> | null = null;
  private finder: RoomFinder | null = null;
  private finderStarting: Promise<RoomFinder> | null = null;

  private readonly connectClient: (options: ConnectOptions) => Promise<ChatClient>;
  private readonly logger: Logger;

  private state: State = IDLE;
  private closed = false;
  private nextSeq = 1;
  private readonly recentLines = new RecentLines();
  private readonly recentSends = new RecentSends();
  /** True while the batcher holds more lines than it should: the socket is paused if it can be. */
  private underPressure = false;
  /** True while the history's backlog is past its high-water mark: the socket is paused too. */
  private historyBehind = false;
  private paused: ChatClient | null = null;
  /** Messages still to come in the server's catch-up (between its header and footer lines). */
  private replayLeft = 0;

  private preferences: Preferences | null = null;
  private preferencesLoading: Promise<Preferences> | null = null;

  private readonly listeners = new ListenerSet<EventBatch>();
  private readonly batcher: EventBatcher;
  private readonly history: SessionHistory | null;
  private readonly recorder: RoomRecorder | null;
  private savingTranscript = false;
  private readonly attention: AttentionFeed;
  private readonly everyLine: LineTap;
  private stopHistoryEvents: () => void = () => undefined;
  private stopHistoryPressure: () => void = () => undefined;
  private startupNoticesTaken = false;
  private notificationProblem: string | null = null;
  /** The room the session is in, as `host\nport`, to notice when it changes. */
  private roomKey = '';
  /** The last status sent, as JSON, and its revision (see StatusReport). */
  private reportedStatus = '';
  private statusRevision = 0;

  constructor(options: ChatSessionOptions = {}) {
    this.store = options.preferences ?? new MemoryPreferencesStore();
    this.roomPasswords = options.roomPasswords ?? new MemoryRoomPasswordStore();
    this.batcher = new EventBatcher({
      intervalMs: options.eventBatchMs ?? WINDOW_BATCH_MS,
      deliver: (batch) => this.deliver(batch),
      ...(options.flowLimits ? { limits: options.flowLimits } : {}),
      onPressure: (high) => this.onPressure(high),
    });
    this.batcher.addSource(() => this.roster?.collect() ?? null);
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.reconnectInitialDelayMs = Math.max(1, options.reconnectInitialDelayMs ?? 500);
    this.reconnectMaxDelayMs = Math.max(this.reconnectInitialDelayMs, options.reconnectMaxDelayMs ?? 15_000);
    this.serverOptions = options.serverOptions;
    this.certificateDir = options.certificateDir;
    this.tlsProbeMs = options.tlsProbeMs ?? DEFAULT_PROBE_MS;
    this.readNetworkInterfaces = options.networkInterfaces ?? os.networkInterfaces;
    this.connectClient = options.connect ?? ((connectOptions) => ChatClient.connect(connectOptions));
    this.logger = options.logger ?? SILENT_LOGGER;
    this.discovery = options.discovery;
    this.firewallCheck = options.firewallCheck;
    this.platform = options.platform ?? os.platform();
    this.defaultName = options.defaultRoomName ?? systemDefaultRoomName();
    this.history = options.history ?? null;
    this.recorder = this.history === null ? null : new RoomRecorder(this.history);
    this.attention = new AttentionFeed({
      effects: options.attention ?? null,
      emit: (event) => this.enqueue(event),
      rosterName: (peer) => this.roster?.nameOf(peer) ?? null,
    });
    if (options.loadedPreferences) this.preferencesLoading = this.adoptPreferences(Promise.resolve(clonePreferences(options.loadedPreferences)));
    // Not the renderer's batches: those wait for its acknowledgements and may skip lines for a
    // window that falls behind, while the history and the notifications must see every line.
    this.everyLine = new LineTap({ intervalMs: options.eventBatchMs ?? 16, flush: (lines) => this.takeLines(lines) });
    if (this.history !== null) {
      this.stopHistoryEvents = this.history.onEvent((event) => {
        if (event.type === 'status') {
          if (!event.status.available) this.logger.warn('history unavailable', { reason: event.status.reason });
          this.enqueue({ type: 'history', status: event.status, reset: false });
        } else {
          // The store's own sentences (a disk error, falling behind), never a chat line's text.
          this.logger.warn('history trouble', { message: event.message });
          this.enqueue({ type: 'notice', level: 'error', message: event.message });
        }
      });
      // The window's acknowledgements are not the only brake: with no window (macOS keeps
      // running without one) every batch is taken at once, and the history must still keep up.
      this.stopHistoryPressure = this.history.onPressure((high) => {
        this.historyBehind = high;
        this.logger.info(high ? 'history behind' : 'history caught up', {});
        this.pauseSocket(this.underPressure || this.historyBehind);
      });
    }
  }

  // ---- the bridge API ---------------------------------------------------------------------

  async getSnapshot(): Promise<Result<Snapshot>> {
    try {
      const preferences = await this.loadPreferences();
      const { status, revision } = this.report();
      const startupNotices = this.startupNoticesTaken || this.history === null ? [] : [...this.history.startupNotices];
      this.startupNoticesTaken = true;
      const state = this.state;
      return ok({
        status,
        statusRevision: revision,
        preferences: clonePreferences(preferences),
        defaultRoomName: this.defaultName,
        networkHosts: labelledNetworkHosts(this.interfacesTable(), this.platform),
        history: this.historyStatus(),
        unread: this.attention.unread,
        startupNotices,
        notificationProblem: this.notificationProblem,
        lines: this.recentLines.lines(),
        roster: this.roster?.clients() ?? [],
        rosterPartial: state.kind === 'joined' && state.roster.isPartial,
      });
    } catch (error) {
      return fail(messageOf(error));
    }
  }

  /**
   * Starts a server and joins it over loopback. Port 0 picks any free port (tests and tools;
   * the IPC layer only lets 1–65535 through). The request's shape was checked by the caller
   * (main's IPC adapter, REQUESTS.host); the session checks what it means.
   */
  async host(request: HostRequest): Promise<SessionResult<HostInfo>> {
    return this.answer(await this.startHosting(request));
  }

  private async startHosting(request: HostRequest): Promise<Result<HostInfo>> {
    const { port, scope } = request;
    if (!Number.isInteger(port) || port < 0 || port > 65535) return fail('The port must be a whole number from 0 to 65535.');
    if (this.closed) return fail(CLOSED_ERROR);
    if (this.state.kind !== 'idle') return fail(NOT_IDLE_ERROR);
    const encryptedOnly = request.encryptedOnly === true;
    const typedName = request.name?.trim() ?? '';
    let roomName: string | null = null;
    const named = checkRoomName(typedName.length > 0 ? typedName : this.defaultName);
    if (scope === 'lan' && this.discovery) {
      if (!named.ok) return fail(named.error);
      roomName = named.name;
    }

    let server: ChatServer;
    let certificate: HostCertificate | null;
    try {
      certificate = await this.hostCertificate();
      if (encryptedOnly && certificate === null) return fail('“Encrypted only” needs a room key, and this app has none to host with.');
      // Newcomers catch up on the last lines; the topic is told to everyone who joins. The
      // host's own loopback client stays plain: it is local and trusted, so "Encrypted only"
      // lets it in (the server lets trusted peers in plain text).
      const topic = request.topic ?? '';
      const password = request.password === '' ? undefined : request.password;
      server = new ChatServer({
        replayLines: HOST_REPLAY_LINES,
        ...this.serverOptions,
        ...(topic === '' ? {} : { topic }),
        ...(password === undefined ? {} : { password }),
        ...(certificate === null ? {} : { tls: { cert: certificate.cert, key: certificate.key, require: encryptedOnly } }),
      });
    } catch (error) {
      return fail(messageOf(error));
    }
    // The server reports non-fatal trouble as 'error'; an unheard 'error' would crash main.
    server.on('error', (error) => {
      this.logger.error('server error', { message: error.message });
      this.enqueue({ type: 'notice', level: 'error', message: error.message });
    });
    server.on('leave', (client, reason) => {
      // Leaving and network resets are ordinary; being cut or turned away is worth a line.
      if (reason === 'slow' || reason === 'rejected') this.logger.warn('client cut', { peer: client.peer, reason });
    });
    const listening = server.listen({ port, host: scope === 'local' ? '127.0.0.1' : undefined });
    const starting: StartingState = { kind: 'starting', server, listening };
    this.state = starting;

    let boundPort: number;
    try {
      boundPort = (await listening).port;
    } catch (error) {
      if (this.state === starting) this.state = IDLE;
      void server.close().catch(() => undefined);
      return fail(messageOf(error));
    }
    // Left (or closed) while the port was being bound: leave() closes the server.
    if (this.state !== starting) return fail('Hosting was stopped.');
    this.logger.info('hosting', { port: boundPort, scope });
    this.startRoom();

    const table = this.interfacesTable();
    const warning = scope === 'lan' ? networkWarning(table) : null;
    const info: HostInfo = {
      port: boundPort,
      scope,
      shareAddresses: labelledShareAddresses(scope, boundPort, table, this.platform),
      roomName,
      advice: warning ? [warning] : [],
      ...(encryptedOnly && { encryptedOnly }),
    };
    const hosting: HostingState = {
      kind: 'hosting',
      server,
      info,
      fingerprint: certificate?.fingerprint ?? null,
      name: named.ok ? named.name : null,
      link: this.newLink('127.0.0.1', boundPort),
      roster: new RosterFeed(server, () => this.batcher.wake()),
      announcer: roomName === null ? null : this.announce(server, roomName, boundPort, certificate?.fingerprint ?? null),
      refusals: this.watchRefusals(server),
    };
    this.state = hosting;
    this.enqueue(hosting.roster.whole());
    this.emitStatus();
    if (scope === 'lan') void this.checkFirewall(hosting);

    const connected = await this.openClient(hosting);
    if (this.state !== hosting) {
      connected.client?.close();
      return fail('Hosting was stopped.');
    }
    if (connected.client === null) {
      await this.stop();
      return fail(`Your server started but Tincan could not join it: ${connected.error}`);
    }
    this.attach(hosting, connected.client);
    await this.updatePreferences((preferences) => ({
      ...preferences,
      lastMode: 'host',
      lastScope: scope,
      lastPort: port === 0 ? preferences.lastPort : port,
      lastEncryptedOnly: encryptedOnly,
      // Remember a name the host chose (cleaned); the default is not saved, so it follows the machine.
      roomName: roomName === null ? preferences.roomName : typedName.length === 0 || roomName === this.defaultName ? '' : roomName,
      hostedBefore: preferences.hostedBefore || scope === 'lan',
    }));
    return ok(cloneHostInfo(hosting.info));
  }

  async join(request: JoinRequest): Promise<JoinResult> {
    const { result, help, keyWarning } = await this.startJoining(request);
    return { ...this.answer(result), ...(help && { help }), ...(keyWarning && { keyWarning }) };
  }

  /** Joins; a connection that failed comes back with the explanation of why and what to try. */
  private async startJoining(request: JoinRequest): Promise<{ result: Result<JoinInfo>; help?: Advice; keyWarning?: KeyWarning }> {
    const result = await this.connectJoin(request);
    if (!result.ok && 'keyWarning' in result) return { result: fail(result.keyWarning.message), keyWarning: result.keyWarning };
    if (result.ok || !('code' in result) || result.code === null) return { result: result.ok ? result : fail(result.error) };
    const failure = { ...result.target, code: result.code, message: result.error };
    const help = diagnoseJoinFailure(failure, listLocalAddresses(this.interfacesTable()), this.platform);
    return help ? { result: fail(result.error), help } : { result: fail(result.error) };
  }

  private async connectJoin(request: JoinRequest): Promise<Result<JoinInfo> | ConnectFailure | { ok: false; keyWarning: KeyWarning }> {
    // What the user typed, read as an address (the default port when none was typed).
    const parsed = parseHostPort(request.address, DEFAULT_PORT);
    if (!parsed.ok) return fail(parsed.error);
    if (this.closed) return fail(CLOSED_ERROR);
    if (this.state.kind !== 'idle') return fail(NOT_IDLE_ERROR);
    const { host, port } = parsed;
    const trust = request.trust;
    const address = joinHostPort(host, port);
    const listed = this.listedRoom(host, port);

    const joined: JoinedState = {
      kind: 'joined',
      target: { host, port },
      link: this.newLink(host, port),
      name: listed?.name ?? null,
      roster: new SeenRoster(() => this.batcher.wake()),
    };
    this.state = joined;
    this.startRoom();
    this.emitStatus();

    // TLS or not, decided without sending a handshake to a host that may not speak it (join.ts).
    const pinned = pinnedKey((await this.loadPreferences()).hostKeys, address);
    let offer: TlsOffer = listed?.fingerprint !== undefined ? { fingerprint: listed.fingerprint } : null;
    const probing = new AbortController();
    joined.link.connecting = probing;
    // A hostname is resolved once: the probe and every connection of this join go to that address.
    const reachAt = await resolveOnce(host, this.tlsProbeMs, probing.signal);
    if (this.state !== joined) return fail('Joining was cancelled.');
    if (reachAt !== null && reachAt !== host) joined.link = this.newLink(reachAt, port);
    if (offer === null && trust === undefined && reachAt !== null) {
      joined.link.connecting = probing;
      offer = await probeTls(reachAt, port, this.tlsProbeMs, probing.signal);
    }
    if (joined.link.connecting === probing) joined.link.connecting = null;
    if (this.state !== joined) return fail('Joining was cancelled.');
    const plan = planJoin(address, pinned, offer, trust);
    if (plan.kind === 'warn') return this.stopJoin(joined, { ok: false, keyWarning: plan.warning });
    joined.link.tls = plan.tls;

    const connected = await this.openClient(joined);
    if (this.state !== joined) {
      connected.client?.close();
      return fail('Joining was cancelled.');
    }
    if (connected.client === null) {
      this.logger.warn('join failed', { target: address, reason: connected.error });
      // Against a key this machine pinned: a changed key, or a host that no longer completes TLS.
      if (pinned !== null && trust === undefined && connected.code === 'wrong-key' && connected.shownKey) {
        return this.stopJoin(joined, { ok: false, keyWarning: changedKeyWarning(address, pinned, connected.shownKey) });
      }
      if (pinned !== null && trust === undefined && connected.code === 'tls') {
        return this.stopJoin(joined, { ok: false, keyWarning: plainTextWarning(address, pinned) });
      }
      return this.stopJoin(joined, { ok: false, error: connected.error, code: connected.code, target: { host, port } });
    }
    this.logger.info('joined', { target: address, encrypted: connected.client.fingerprint !== null });
    this.attach(joined, connected.client);
    const fingerprint = connected.client.fingerprint;
    if (fingerprint !== null && fingerprint !== pinned) {
      this.enqueue({
        type: 'notice',
        level: 'info',
        message: `First encrypted join to ${address}: its key is ${shortFingerprint(fingerprint)}. Compare it with the key on the host’s screen; Tincan will warn you if it ever changes.`,
      });
    }
    await this.updatePreferences((preferences) => ({
      ...preferences,
      lastMode: 'join',
      recentHosts: rememberRecentHost(preferences.recentHosts, address),
      hostKeys:
        fingerprint !== null
          ? rememberHostKey(preferences.hostKeys, address, fingerprint)
          : trust === 'plain'
            ? forgetHostKey(preferences.hostKeys, address)
            : preferences.hostKeys,
    }));
    return ok({ host, port });
  }

  /** A join that did not get in: back to idle, with why. */
  private stopJoin<T>(joined: JoinedState, why: T): T {
    if (this.state === joined) {
      this.state = IDLE;
      this.emitStatus();
    }
    return why;
  }

  /** Stops a join that is still connecting, or a joined session that is reconnecting. */
  async cancelJoin(): Promise<SessionResult<null>> {
    const state = this.state;
    if (state.kind === 'joined' && state.link.connection !== 'connected') await this.stop();
    return this.answer(ok(null));
  }

  /**
   * While reconnecting: the next attempt starts now instead of at the end of its wait, and
   * the answer comes once it has connected or failed. One attempt at a time, however often asked.
   */
  async reconnectNow(): Promise<SessionResult<null>> {
    const state = this.state;
    if ((state.kind !== 'hosting' && state.kind !== 'joined') || state.link.connection !== 'reconnecting') {
      return this.answer(fail('Not reconnecting: the connection is up, or you are not in a room.'));
    }
    const link = state.link;
    // An attempt is under way already (its timer has fired): it answers soon enough.
    if (link.reconnectTimer === null) return this.answer(ok(null));
    clearTimeout(link.reconnectTimer);
    link.reconnectTimer = null;
    this.enqueue({ type: 'reconnecting', attempt: link.attempt, delayMs: 0, reason: link.reason });
    await this.reconnect(state);
    return this.answer(ok(null));
  }

  send(request: SendRequest): Promise<Result<SendResponse>> {
    return Promise.resolve(this.sendNow(request));
  }

  private sendNow(request: SendRequest): Result<SendResponse> {
    const state = this.state;
    if (state.kind !== 'hosting' && state.kind !== 'joined') return fail('You are not in a chat: host or join one first.');
    const link = state.link;
    const client = link.client;
    // Down and coming back, back but not yet through what waited, or the room still waits for its
    // password (a line now would be taken as the password): wait in line, in order.
    if ((client === null && link.connection === 'reconnecting') || link.outbox.size > 0 || link.awaitingPassword) {
      const lines = outgoingLines(request.text);
      if (lines.length === 0) return ok({ lines: 0 });
      const added = link.outbox.add(lines);
      if (!added.ok) return added;
      this.emitStatus();
      return ok({ lines: 0, waiting: added.value });
    }
    if (client === null) return fail('Not connected right now: wait until the connection is back.');
    try {
      const sent = client.send(request.text);
      if (sent > 0) this.recentSends.record(outgoingLines(request.text));
      return ok({ lines: sent });
    } catch (error) {
      return fail(messageOf(error));
    }
  }

  /** Host only: sets the room's topic ('' clears it); the server tells everyone in the room. */
  setTopic(request: TopicRequest): Promise<Result<null>> {
    const state = this.state;
    if (state.kind !== 'hosting') return Promise.resolve(fail('Only the host sets the topic.'));
    try {
      state.server.setTopic(request.topic);
      return Promise.resolve(ok(null));
    } catch (error) {
      return Promise.resolve(fail(messageOf(error)));
    }
  }

  /** Stops hosting (everyone is disconnected cleanly) or disconnects; back to idle. */
  async leave(): Promise<SessionResult<null>> {
    try {
      await this.stop();
      return this.answer(ok(null));
    } catch (error) {
      return this.answer(fail(messageOf(error)));
    }
  }

  async forgetRecentHost(address: string): Promise<Result<Preferences>> {
    const forgotten = address.trim();
    try {
      const updated = await this.updatePreferences((preferences) => ({
        ...preferences,
        recentHosts: preferences.recentHosts.filter((known) => known !== forgotten),
        // Forgetting a host forgets its key too: the next join is a first use again.
        hostKeys: forgetHostKey(preferences.hostKeys, forgotten),
      }));
      return ok(updated);
    } catch (error) {
      return fail(messageOf(error));
    }
  }

  // ---- history, search, settings, attention ----------------------------------------------

  /** The current room's history: the newest page (with what the live lines already show) or older pages. */
  async historyView(request: HistoryViewRequest): Promise<Result<HistoryView>> {
    if (this.recorder === null) return ok({ room: null, lines: [], hasMore: false, visitStartId: 0, liveSeq: 0 });
    return this.recorder.view(request.beforeId);
  }

  /** Lines of any room with history: older than beforeId, newer than afterId, or the newest. */
  async historyPage(request: HistoryPageRequest): Promise<Result<HistoryPage>> {
    if (this.history === null) return fail(NO_HISTORY_ERROR);
    await this.recorder?.settle();
    const { room, beforeId, afterId } = request;
    if (afterId !== undefined) return this.history.pageAfter(room, afterId, HISTORY_LIMITS.maxPageLines);
    return this.history.pageBefore(room, beforeId ?? null, HISTORY_LIMITS.maxPageLines);
  }

  /** A line with its neighbours (a search hit shown in context). */
  async historyContext(request: HistoryContextRequest): Promise<Result<LineContext>> {
    if (this.history === null) return fail(NO_HISTORY_ERROR);
    await this.recorder?.settle();
    return this.history.context(request.lineId, CONTEXT_LINES);
  }

  async searchHistory(request: SearchHistoryRequest): Promise<Result<SearchResults>> {
    if (this.history === null) return fail(NO_HISTORY_ERROR);
    const { query, scope, beforeId } = request;
    const room = this.recorder?.room ?? null;
    if (scope === 'room' && room === null) return fail('You are not in a room: search all rooms instead.');
    // Lines shown already are found: what waits for its batch is stored first.
    await this.recorder?.settle();
    return this.history.search({
      query,
      limit: HISTORY_LIMITS.defaultSearchResults,
      ...(scope === 'room' && room !== null ? { room } : {}),
      ...(beforeId !== undefined ? { beforeId } : {}),
    });
  }

  /** Asks where (through `choose`), then writes the current room's transcript there. */
  async saveTranscript(choose: TranscriptFileChooser): Promise<Result<SavedTranscript | null>> {
    if (this.history === null) return fail(NO_HISTORY_ERROR);
    const room = this.recorder?.room ?? null;
    if (room === null) return fail(NOT_IN_A_ROOM_ERROR);
    // One dialog and one export at a time, however often a (hostile) page asks.
    if (this.savingTranscript) return fail(SAVE_IN_PROGRESS_ERROR);
    this.savingTranscript = true;
    try {
      // Lines still waiting for their batch belong in the file too.
      await this.recorder?.settle();
      const chosen = await choose({ ...room, name: this.recorder?.roomName ?? null });
      if (!chosen.ok || chosen.value === null) return chosen.ok ? ok(null) : chosen;
      const file = chosen.value;
      const exported = await this.history.exportRoom(room, file);
      return exported.ok ? ok({ file, lines: exported.value.lines, bytes: exported.value.bytes }) : exported;
    } finally {
      this.savingTranscript = false;
    }
  }

  /** Deletes the current room's history ('room', answers how many lines went) or all of it. */
  async clearHistory(request: ClearHistoryRequest): Promise<Result<number | null>> {
    const history = this.history;
    if (history === null) return fail(NO_HISTORY_ERROR);
    // Everything that arrived before the clear goes with it.
    this.everyLine.flush();
    let result: Result<number | null>;
    if (request.scope === 'all') {
      result = await history.clearAll();
    } else {
      const room = this.recorder?.room ?? null;
      if (room === null) return fail(NOT_IN_A_ROOM_ERROR);
      result = await history.clearRoom(room);
    }
    if (result.ok) this.enqueue({ type: 'history', status: history.status, reset: true });
    return result;
  }

  /** Changes history and notification settings; saves them and answers with all preferences. */
  async updateSettings(request: SettingsUpdate): Promise<Result<Preferences>> {
    // Only the fields given: an absent field keeps its value.
    const update = Object.fromEntries(Object.entries(request as Record<string, unknown>).filter(([, value]) => value !== undefined)) as SettingsUpdate;
    try {
      const before = await this.loadPreferences();
      const updated = await this.updatePreferences((preferences) => ({ ...preferences, ...update }));
      if (updated.displayName !== before.displayName) this.sendName(updated.displayName, true);
      const retention = update.historyRetention;
      if (retention !== undefined && retention !== before.historyRetention && this.history !== null) {
        const status = await this.history.setRetention(retention);
        this.enqueue({ type: 'history', status, reset: true });
      }
      return ok(updated);
    } catch (error) {
      return fail(messageOf(error));
    }
  }

  /** What the window shows: whether it has the focus and is scrolled to the newest line. */
  setViewState(state: ViewState): Promise<Result<null>> {
    this.attention.setView(state);
    return Promise.resolve(ok(null));
  }

  /** Whom the user ignores now: their lines neither notify nor count as unread (the window hides them). */
  setIgnored(list: IgnoreList): Promise<Result<null>> {
    this.attention.setIgnored(list.peers);
    return Promise.resolve(ok(null));
  }

  /** A notification was clicked: asks the window to show that live line. */
  revealLine(seq: number): void {
    if (Number.isSafeInteger(seq) && seq > 0) this.enqueue({ type: 'jump', seq });
  }

  /**
   * Desktop notifications failed to show (the shell heard so from the system): Settings says
   * `problem`, a sentence of the shell's (clipped, in case). Said again only when it changes.
   */
  reportNotificationProblem(problem: string): void {
    const text = problem.slice(0, MAX_NOTIFICATION_PROBLEM_CHARS);
    if (text === this.notificationProblem) return;
    this.notificationProblem = text;
    this.enqueue({ type: 'notifications', problem: text });
  }

  private historyStatus(): HistoryStatus {
    return this.history === null ? NO_HISTORY_STATUS : this.history.status;
  }

  /** Keeps the history and the notifications in step with the room the session is in. */
  private syncRoom(): void {
    const state = this.state;
    let room: RoomAddress | null = null;
    let label: string | null = null;
    let name: string | null = null;
    if (state.kind === 'hosting') {
      room = { host: '127.0.0.1', port: state.info.port };
      label = `your room (port ${state.info.port})`;
      // The name others see it under (renamed when another room had it), else the one typed.
      name = state.info.roomName ?? state.name;
    } else if (state.kind === 'joined') {
      room = { host: state.target.host, port: state.target.port };
      label = joinHostPort(state.target.host, state.target.port);
      name = state.name;
    }
    const key = room === null ? '' : `${room.host}\n${room.port}`;
    if (key === this.roomKey) {
      if (room !== null) this.recorder?.enter(room, name);
      return;
    }
    // The lines that came in the room being left are counted (or not) as that room's.
    this.everyLine.flush();
    this.roomKey = key;
    if (room === null) this.recorder?.leave();
    else this.recorder?.enter(room, name);
    this.attention.setRoom(label);
  }

  /** Calls back with each batch of events; returns the function that unsubscribes. */
  onEvents(listener: SessionEventsListener): () => void {
    return this.listeners.add(listener);
  }

  /** Starts looking for rooms on the network, if not already, and answers with those seen so far. */
  async findRooms(): Promise<Result<DiscoveredRoom[]>> {
    const discovery = this.discovery;
    if (discovery === undefined || this.closed) return ok([]);
    try {
      const finder = await (this.finderStarting ??= this.startFinder(discovery));
      return ok(finder.rooms);
    } catch (error) {
      this.finderStarting = null;
      return fail(`Cannot look for rooms on the network: ${messageOf(error)}`);
    }
  }

  /** Stops looking for rooms (the Join screen closed). */
  stopFindingRooms(): Promise<Result<null>> {
    return this.stopFinding().then(() => ok(null));
  }

  /** The renderer took batch `id` (any value is accepted and checked: it comes from the renderer). */
  acknowledge(id: unknown): void {
    this.batcher.acknowledge(id);
  }

  /** The renderer is gone or reloading: batches in flight are lost; it will read a snapshot (and starts ignoring nobody). */
  resetDelivery(): void {
    this.batcher.resetDelivery();
    this.attention.setIgnored([]);
  }

  /** The room's roster while in one (hosting: what the server knows; joined: what was seen or listed). */
  private get roster(): RosterFeed | SeenRoster | null {
    return this.state.kind === 'hosting' || this.state.kind === 'joined' ? this.state.roster : null;
  }

  /** What the flow control holds and did (tests, benchmarks, the log). */
  get flowStats(): FlowStats & { socketPaused: boolean } {
    return { ...this.batcher.stats, socketPaused: this.paused !== null };
  }

  /** Leaves whatever chat is active, drops listeners and pending events. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.stopFinding();
      await this.stop();
    } finally {
      this.everyLine.close();
      // What is held until the room's last messages are read is posted too, before the history closes.
      await this.recorder?.settle();
      this.stopHistoryEvents();
      this.stopHistoryPressure();
      this.attention.dispose();
      this.batcher.close();
      this.listeners.clear();
    }
  }

  // ---- state ------------------------------------------------------------------------------

  private status(): SessionStatus {
    const state = this.state;
    switch (state.kind) {
      case 'idle':
      case 'starting':
        return { mode: 'idle' };
      case 'hosting':
        return {
          mode: 'hosting',
          host: cloneHostInfo(state.info),
          connection: state.link.connection,
          self: state.link.self,
          ...(state.fingerprint !== null && { security: { encrypted: true, fingerprint: state.fingerprint } }),
          ...(state.link.outbox.size > 0 && { outbox: state.link.outbox.state }),
        };
      case 'joined': {
        // The key the link requires; on a first use, known once the handshake showed it.
        const fingerprint = state.link.tls?.fingerprint ?? null;
        return {
          mode: 'joined',
          target: { ...state.target },
          ...(state.name !== null && { roomName: state.name }),
          connection: state.link.connection,
          self: state.link.self,
          ...(fingerprint !== null && { security: { encrypted: true, fingerprint } }),
          ...(state.link.outbox.size > 0 && { outbox: state.link.outbox.state }),
        };
      }
    }
  }

  /** The machine's interfaces now; a reader that throws counts as no network. */
  private interfacesTable(): NetworkInterfaceTable {
    try {
      return this.readNetworkInterfaces();
    } catch {
      return {};
    }
  }

  private newLink(host: string, port: number, tls: LinkSecurity = null): Link {
    return {
      host,
      port,
      tls,
      client: null,
      connection: 'connecting',
      self: null,
      connecting: null,
      reconnectTimer: null,
      attempt: 0,
      reason: '',
      outbox: new Outbox(),
      passwordSent: null,
      endedBy: null,
      passwordRoom: false,
      awaitingPassword: false,
    };
  }

  /** Tears down whatever is active and goes idle. Safe to call in any state. */
  private async stop(): Promise<void> {
    const previous = this.state;
    if (previous.kind === 'idle') return;
    this.state = IDLE;
    if (previous.kind === 'starting') {
      // Wait for the bind to settle so the port is really free when we return.
      await previous.listening.catch(() => undefined);
      await previous.server.close().catch(() => undefined);
      return;
    }
    this.closeLink(previous.link);
    this.logger.info(previous.kind === 'hosting' ? 'stopped hosting' : 'left', {});
    const unsent = previous.link.outbox.take().length;
    if (unsent > 0) {
      this.enqueue({
        type: 'notice',
        level: 'error',
        message: `${countOfLines(unsent)} ${unsent === 1 ? 'was' : 'were'} not sent: you left before the connection came back.`,
      });
    }
    if (previous.kind === 'hosting') {
      previous.roster.close();
      // Goodbye first, so the room leaves everyone's list before its port closes.
      await previous.announcer?.close().catch(() => undefined);
      clearInterval(previous.refusals);
      await previous.server.close().catch((error: unknown) => {
        this.enqueue({ type: 'notice', level: 'error', message: messageOf(error) });
      });
    }
    this.enqueue({ type: 'roster', clients: [] });
    this.emitStatus();
  }

  private closeLink(link: Link): void {
    link.connecting?.abort();
    link.connecting = null;
    if (link.reconnectTimer !== null) clearTimeout(link.reconnectTimer);
    link.reconnectTimer = null;
    const client = link.client;
    link.client = null;
    link.self = null;
    if (client !== null && this.paused === client) this.paused = null;
    client?.close();
  }

  /** The host's certificate (made on first use), or null when hosted rooms are plain text only. */
  private async hostCertificate(): Promise<HostCertificate | null> {
    const folder = this.certificateDir;
    if (folder === undefined) return null;
    const loading = (this.certificate ??= loadOrCreateHostCertificate(folder));
    try {
      return await loading;
    } catch (error) {
      this.certificate = null; // a later Host tries again (the folder may be fixed by then)
      throw new Error(`Cannot use this computer's room key in ${folder}: ${messageOf(error)}`, { cause: error });
    }
  }

  // ---- discovery ----------------------------------------------------------------------------

  /** Announces a room for the network; its people count follows joins and leaves. */
  private announce(server: ChatServer, name: string, port: number, key: string | null): RoomAnnouncement | null {
    const discovery = this.discovery;
    if (!discovery) return null;
    let warned = false;
    const announcement: RoomAnnouncement = new RoomAnnouncement(
      server,
      { name, port, key, appVersion: discovery.appVersion, interfaces: discovery.interfaces, selection: discovery.selection, platform: this.platform },
      {
        onError: (error) => {
          // Once per room: the room still works, others may only have to type its address.
          if (warned) return;
          warned = true;
          this.enqueue({ type: 'notice', level: 'info', message: `Others may not see this room in their list: ${error.message}` });
        },
        onRenamed: (renamed) => {
          const state = this.state;
          if (state.kind !== 'hosting' || state.announcer !== announcement) return;
          state.info = { ...state.info, roomName: renamed };
          this.enqueue({ type: 'notice', level: 'info', message: `Another room on the network is called “${name}”, so yours is listed as “${renamed}”.` });
          this.emitStatus();
        },
      },
    );
    return announcement;
  }

  /** Adds the firewall hint to the host panel when the check finds one (it takes up to a few seconds). */
  private async checkFirewall(hosting: HostingState): Promise<void> {
    if (!this.firewallCheck) return;
    let advice: Advice | null;
    try {
      const preferences = await this.loadPreferences();
      advice = await this.firewallCheck(hosting.info.port, !preferences.hostedBefore);
    } catch {
      return; // cannot tell: say nothing
    }
    if (advice === null || this.state !== hosting) return;
    hosting.info = { ...hosting.info, advice: [...hosting.info.advice, advice] };
    this.emitStatus();
  }

  /**
   * The room the network's list shows at `host:port`, if the list is open and has one. An
   * entry posing as another room's id (copyOf) must show that room's key: the one it copied.
   */
  private listedRoom(host: string, port: number): { name: string; fingerprint?: string } | null {
    const address = joinHostPort(host, port);
    const rooms = this.finder?.rooms ?? [];
    const room = rooms.find((entry) => entry.addresses.includes(address));
    if (room === undefined) return null;
    const fingerprint = room.fingerprint ?? rooms.find((entry) => entry.key === room.copyOf)?.fingerprint;
    return fingerprint === undefined ? { name: room.name } : { name: room.name, fingerprint };
  }

  private async startFinder(discovery: SessionDiscoveryOptions): Promise<RoomFinder> {
    const finder = new RoomFinder({
      interfaces: discovery.interfaces,
      selection: discovery.selection,
      beaconPorts: discovery.beaconPorts,
      platform: this.platform,
      // The Join screen's recent hosts are `IP:port` like a listed room's addresses.
      joinedBefore: (address) => this.preferences?.recentHosts.includes(address) ?? false,
    });
    // A port or an interface that cannot be used leaves the rest working; nothing to show.
    finder.on('error', () => undefined);
    finder.on('change', (rooms) => {
      if (this.finder === finder) this.enqueue({ type: 'rooms', rooms });
    });
    this.finder = finder;
    await finder.start();
    return finder;
  }

  private async stopFinding(): Promise<void> {
    const starting = this.finderStarting;
    this.finderStarting = null;
    this.finder = null;
    if (starting) await (await starting.catch(() => null))?.close();
  }

  /** A new room: its lines start from nothing (the renderer clears its transcript too). */
  private startRoom(): void {
    this.recentLines.clear();
    this.recentSends.clear();
  }

  // ---- the connection -----------------------------------------------------------------------

  /** One connect attempt for `owner`'s link; abortable through link.connecting. */
  private async openClient(
    owner: ConnectedState,
  ): Promise<{ client: ChatClient; error: null } | { client: null; error: string; code: ChatClientErrorCode | null; shownKey?: string | null }> {
    const link = owner.link;
    const abort = new AbortController();
    link.connecting = abort;
    try {
      const client = await this.connectClient({
        host: link.host,
        port: link.port,
        timeoutMs: this.connectTimeoutMs,
        signal: abort.signal,
        ...(link.tls !== null ? { tls: { ...link.tls } } : {}),
      });
      // A first use takes the key it was shown; every reconnect then requires that key.
      if (link.tls !== null && link.tls.fingerprint === null) link.tls = { fingerprint: client.fingerprint };
      return { client, error: null };
    } catch (error) {
      if (error instanceof ChatClientError) return { client: null, error: error.message, code: error.code, shownKey: error.shownKey };
      return { client: null, error: messageOf(error), code: null };
    } finally {
      if (link.connecting === abort) link.connecting = null;
    }
  }

  private attach(owner: ConnectedState, client: ChatClient): void {
    const link = owner.link;
    const wasReconnecting = link.attempt > 0;
    link.client = client;
    link.connection = 'connected';
    link.self = client.localPeer;
    link.attempt = 0;
    // A room that asked for its password before asks again: what waited goes out once it is in.
    link.awaitingPassword = link.passwordRoom;
    this.replayLeft = 0;
    if (owner.kind === 'hosting') owner.server.trustPeer(client.localPeer); // our own client: no rate, per-address or slow-reader limits
    const self = client.localPeer;
    client.on('line', (line) => {
      if (link.client === client) this.addLine(line, self);
    });
    client.on('close', (error) => {
      if (this.state !== owner || link.client !== client) return; // we closed it on purpose
      link.client = null;
      link.self = null;
      if (this.paused === client) this.paused = null;
      if (link.endedBy !== null) {
        // The room said why it let us go (see onServerNotice): trying again would only repeat it.
        void this.stop();
        return;
      }
      const reason =
        error?.message ??
        (owner.kind === 'hosting' ? 'The connection to your own server closed.' : 'The host closed the connection.');
      this.logger.warn('connection lost', { target: joinHostPort(link.host, link.port), reason });
      this.scheduleReconnect(owner, reason);
    });
    // A room that speaks Tincan learns our name; a plain server would relay `/name` as chat.
    // Then what waited in the outbox goes out, under that name.
    const named = this.speaksTincan(owner)
      ? this.loadPreferences().then((preferences) => {
          if (link.client === client) this.sendName(preferences.displayName, false);
        })
      : Promise.resolve();
    // A joiner's roster starts again with each connection; a room that speaks Tincan lists who is there.
    if (owner.kind === 'joined') {
      owner.roster.restart(client.localPeer, Date.now());
      if (this.speaksTincan(owner)) {
        try {
          client.send('/who');
          owner.roster.expectWho();
        } catch {
          // Too slow to take even this: the roster stays what is seen.
        }
      }
      this.enqueue(owner.roster.whole());
    }
    if (link.outbox.size > 0) void named.catch(() => undefined).then(() => this.sendOutbox(owner, client));
    // Still catching up from before: the new connection starts paused too.
    if (this.underPressure || this.historyBehind) this.pauseSocket(true);
    if (wasReconnecting) {
      this.logger.info('reconnected', { target: joinHostPort(link.host, link.port) });
      this.enqueue({ type: 'notice', level: 'info', message: `Reconnected to ${joinHostPort(link.host, link.port)}.` });
    }
    this.emitStatus();
  }

  /**
   * Whether the room is known to speak Tincan, so `/name` is a command there and not a line
   * everyone reads: our own server, or a room that was in the network's list (it announced
   * itself). An address typed by hand may be the seed's server or `ncat --chat`.
   */
  private speaksTincan(owner: ConnectedState): boolean {
    // Its own room, a room from the network's list, or a host that spoke TLS (only Tincan does on the chat port).
    return owner.kind === 'hosting' || owner.name !== null || owner.link.tls !== null;
  }

  /** Takes `name` in the room (or, when `drop`, drops the name for ''), if connected to a room that speaks Tincan. */
  private sendName(name: string, drop: boolean): void {
    const state = this.state;
    if ((state.kind !== 'hosting' && state.kind !== 'joined') || !this.speaksTincan(state)) return;
    if (name === '' && !drop) return;
    try {
      state.link.client?.send(name === '' ? '/name' : `/name ${name}`);
    } catch {
      // The connection is too slow to take even this: the name follows on the next change or join.
    }
  }

  /** Sends what waited while the connection was down, in order, on the connection that is back. */
  private sendOutbox(owner: ConnectedState, client: ChatClient): void {
    const link = owner.link;
    // Down again already: it keeps waiting for the next connection.
    if (this.state !== owner || link.client !== client || link.outbox.size === 0 || link.awaitingPassword) return;
    const lines = link.outbox.take();
    try {
      const sent = client.send(lines.join('\n'));
      if (sent > 0) this.recentSends.record(lines);
      this.logger.info('outbox sent', { lines: sent });
    } catch (error) {
      this.enqueue({ type: 'notice', level: 'error', message: `${countOfLines(lines.length)} typed while reconnecting ${lines.length === 1 ? 'was' : 'were'} not sent: ${messageOf(error)}` });
    }
    this.emitStatus();
  }

  /** What the session itself does about a server's line: the room's password, being removed. */
  private onServerNotice(notice: ServerNotice): void {
    const state = this.state;
    if (state.kind !== 'joined') return; // our own server never asks its host, nor removes it
    const link = state.link;
    const address = joinHostPort(link.host, link.port);
    switch (notice.kind) {
      case 'password-required':
        link.passwordRoom = true;
        link.awaitingPassword = true;
        void this.roomPasswords.load().then((known) => {
          if (this.state !== state || link.client === null) return;
          const remembered = link.passwordSent === null ? known.find((entry) => entry.address === address) : undefined;
          if (remembered !== undefined && this.sendLine(link, remembered.password)) {
            link.passwordSent = { password: remembered.password, remember: true, remembered: true };
            return;
          }
          this.enqueue({ type: 'password', state: 'required', address, message: null });
        });
        return;
      case 'password-accepted': {
        const sent = link.passwordSent;
        link.passwordSent = null;
        link.awaitingPassword = false;
        if (link.client !== null && link.outbox.size > 0) this.sendOutbox(state, link.client);
        if (sent?.remember) void this.updateRoomPasswords((known) => rememberRoomPassword(known, address, sent.password));
        this.enqueue({ type: 'password', state: 'accepted', address, message: null });
        return;
      }
      case 'password-refused': {
        const sent = link.passwordSent;
        link.passwordSent = null;
        // A remembered password the room no longer takes is forgotten: the next join asks.
        if (sent?.remembered) void this.updateRoomPasswords((known) => known.filter((entry) => entry.address !== address));
        const message = notice.reason === 'wrong'
          ? `Wrong password for ${address}.`
          : notice.reason === 'timeout'
            ? `${address} waited too long for the password.`
            : `${address} refuses more tries from this computer for now: ${withoutServerPrefix(notice.text)}`;
        link.endedBy = message;
        this.enqueue({ type: 'password', state: 'refused', address, message });
        return;
      }
      case 'removed-you': {
        const message = notice.banned ? `The host of ${address} banned you from the room.` : `The host of ${address} removed you from the room.`;
        link.endedBy = message;
        this.enqueue({ type: 'notice', level: 'error', message });
        return;
      }
      default:
        return;
    }
  }

  /** One line to the room as it is (not a chat message: no history, no echo tracking); false if it could not go. */
  private sendLine(link: Link, text: string): boolean {
    try {
      return (link.client?.send(text) ?? 0) > 0;
    } catch {
      return false;
    }
  }

  private async updateRoomPasswords(change: (known: RoomPassword[]) => RoomPassword[]): Promise<void> {
    try {
      await this.roomPasswords.save(change(await this.roomPasswords.load()));
    } catch (error) {
      this.enqueue({ type: 'notice', level: 'error', message: `Could not save the room's password: ${messageOf(error)}` });
    }
  }

  /** Sends the password the room asked for; `remember` keeps it for this host once the room takes it. */
  sendPassword(request: PasswordRequest): Promise<Result<null>> {
    const state = this.state;
    if (state.kind !== 'joined' || state.link.client === null) return Promise.resolve(fail(NOT_IN_A_ROOM_ERROR));
    if (!this.sendLine(state.link, request.password)) return Promise.resolve(fail('The password could not be sent: try again.'));
    state.link.passwordSent = { password: request.password, remember: request.remember, remembered: false };
    return Promise.resolve(ok(null));
  }

  /** Host only: removes (kicks) or bans the person at `peer`; everyone in the room is told. */
  removePerson(request: RemovePersonRequest): Promise<Result<null>> {
    const state = this.state;
    if (state.kind !== 'hosting') return Promise.resolve(fail('Only the host removes people.'));
    const result = state.server.remove(request.peer, { ban: request.ban });
    return Promise.resolve(result.ok ? ok(null) : fail(withoutServerPrefix(result.line)));
  }

  private scheduleReconnect(owner: ConnectedState, reason: string): void {
    const link = owner.link;
    link.attempt += 1;
    link.reason = reason;
    link.connection = 'reconnecting';
    const delayMs = Math.min(this.reconnectInitialDelayMs * 2 ** Math.min(link.attempt - 1, 30), this.reconnectMaxDelayMs);
    this.enqueue({ type: 'reconnecting', attempt: link.attempt, delayMs, reason });
    this.emitStatus();
    link.reconnectTimer = setTimeout(() => {
      link.reconnectTimer = null;
      void this.reconnect(owner);
    }, delayMs);
  }

  private async reconnect(owner: ConnectedState): Promise<void> {
    if (this.state !== owner) return;
    const connected = await this.openClient(owner);
    if (this.state !== owner) {
      connected.client?.close();
      return;
    }
    if (connected.client === null) this.scheduleReconnect(owner, connected.error);
    else this.attach(owner, connected.client);
  }

  private addLine(line: string, self: string): void {
    const notice = parseServerNotice(line);
    const state = this.state;
    const roster = this.roster;
    if (notice !== null && state.kind === 'joined') {
      // The answer to our own `/who` goes into the roster, not the transcript.
      const taken = state.roster.takeNotice(notice, Date.now());
      if (taken.ended) this.enqueue(state.roster.whole());
      if (!taken.show) return;
    }
    if (notice !== null) {
      this.onServerNotice(notice);
      this.replayLeft = notice.kind === 'replay-start' ? Math.min(notice.count, MAX_REPLAY_LINES) : notice.kind === 'replay-end' ? 0 : this.replayLeft;
      const peer = notice.kind === 'name' ? notice.peer : '';
      this.pushLine({ seq: this.nextSeq++, kind: 'notice', peer, text: line, at: Date.now(), self: false, notice });
      return;
    }
    const parsed = parseServerLine(line);
    // A server never tells us that we joined or left: such a notice is made up, shown as it came.
    const impossible = parsed !== null && parsed.kind !== 'message' && parsed.peer === self;
    const chatLine: ChatLine =
      parsed === null || impossible
        ? { seq: this.nextSeq++, kind: 'raw', peer: '', text: line, at: Date.now(), self: false }
        : {
            seq: this.nextSeq++,
            kind: parsed.kind,
            peer: parsed.peer,
            text: parsed.text,
            at: Date.now(),
            self: parsed.kind === 'message' && parsed.peer === self && this.recentSends.claim(parsed.text),
          };
    // The lines between the server's catch-up header and footer were said before we came.
    if (this.replayLeft > 0 && chatLine.kind === 'message') {
      this.replayLeft -= 1;
      chatLine.replayed = true;
    }
    if (state.kind === 'joined') {
      if (state.roster.takeLine(chatLine)) this.enqueue(state.roster.whole());
    } else if (roster !== null && chatLine.kind === 'message' && chatLine.replayed !== true) {
      roster.spoke(chatLine.peer, chatLine.at);
    }
    this.pushLine(chatLine);
  }

  private pushLine(chatLine: ChatLine): void {
    this.recentLines.push(chatLine);
    this.recorder?.add(chatLine);
    this.everyLine.push(chatLine);
    this.enqueue({ type: 'lines', lines: [chatLine] });
  }

  /**
   * Connections the server turned away never become clients (no 'leave' to log); it counts
   * them, so the log gets their number once a second while it grows: over the client limit,
   * or not a chat client at all (an HTTP request, a TLS handshake).
   */
  private watchRefusals(server: ChatServer): NodeJS.Timeout {
    let { connectionsRefused: refused, connectionsRejected: rejected } = server.stats;
    const timer = setInterval(() => {
      const stats = server.stats;
      if (stats.connectionsRefused > refused) {
        this.logger.warn('connections refused', { count: stats.connectionsRefused - refused, why: 'over the connection limit' });
      }
      if (stats.connectionsRejected > rejected) {
        this.logger.warn('connections turned away', { count: stats.connectionsRejected - rejected, why: 'HTTP or TLS, not a chat client' });
      }
      refused = stats.connectionsRefused;
      rejected = stats.connectionsRejected;
    }, 1000);
    timer.unref();
    return timer;
  }

  // ---- flow control -------------------------------------------------------------------------

  private onPressure(high: boolean): void {
    this.underPressure = high;
    const stats = this.batcher.stats;
    this.logger.info(high ? 'renderer behind' : 'renderer caught up', {
      pendingLines: stats.pendingLines,
      pendingBytes: stats.pendingBytes,
      skippedLines: stats.skippedLines,
    });
    // Either brake keeps the socket paused: the window's and the history's.
    this.pauseSocket(high || this.historyBehind);
  }

  /**
   * Pauses (or resumes) reading the active connection's socket, so TCP pushes back on the
   * sender instead of lines piling up here. Safe for the host's own loopback client too: its
   * server trusts it (`trustPeer`), so it holds back the heavy senders for it rather than
   * cutting it as a slow reader. Lines already on their way still meet the batcher's cap.
   */
  private pauseSocket(pause: boolean): void {
    if (!pause) {
      this.paused?.resume();
      this.paused = null;
      return;
    }
    const state = this.state;
    if (state.kind !== 'hosting' && state.kind !== 'joined') return;
    const client = state.link.client;
    if (client === null || this.paused === client) return;
    client.pause();
    this.paused = client;
  }

  // ---- preferences --------------------------------------------------------------------------

  private loadPreferences(): Promise<Preferences> {
    if (this.preferences !== null) return Promise.resolve(this.preferences);
    this.preferencesLoading ??= this.adoptPreferences(this.store.load().catch(() => defaultPreferences()));
    return this.preferencesLoading;
  }

  private adoptPreferences(loading: Promise<Preferences>): Promise<Preferences> {
    return loading.then((loaded) => {
      // An update that finished while loading wins over what was on disk.
      this.preferences ??= loaded;
      this.attention.applySettings(this.preferences);
      return this.preferences;
    });
  }

  /** Applies `change`, saves, and returns the new preferences; a failed save is a notice, not a failure. */
  private async updatePreferences(change: (preferences: Preferences) => Preferences): Promise<Preferences> {
    const current = await this.loadPreferences();
    const updated = change(clonePreferences(current));
    this.preferences = updated;
    this.attention.applySettings(updated);
    try {
      await this.store.save(clonePreferences(updated));
    } catch (error) {
      this.enqueue({ type: 'notice', level: 'error', message: `Could not save your preferences: ${messageOf(error)}` });
    }
    return clonePreferences(updated);
  }

  // ---- events -------------------------------------------------------------------------------

  /** The status now, with the revision it was (or now is) reported under. */
  private report(): StatusReport {
    this.syncRoom();
    const status = this.status();
    const json = JSON.stringify(status);
    if (json !== this.reportedStatus) {
      this.reportedStatus = json;
      this.statusRevision += 1;
      this.enqueue({ type: 'status', revision: this.statusRevision, status });
    }
    return { revision: this.statusRevision, status };
  }

  /** `result` with main's status after the call, so the renderer does not have to guess it. */
  private answer<T>(result: Result<T>): SessionResult<T> {
    return { ...result, after: this.report() };
  }

  private emitStatus(): void {
    this.report();
  }

  private enqueue(event: BridgeEvent): void {
    if (this.closed && this.listeners.size === 0) return;
    this.batcher.push(event);
  }

  /**
   * Every line, in small batches, whether or not the window keeps up (see LineTap): one
   * history append per batch, and the notification policy sees each line once.
   */
  private takeLines(lines: ChatLine[]): void {
    this.recorder?.flush();
    this.attention.lines(lines);
  }

  private deliver(batch: EventBatch): void {
    // What the window is shown is in the history (posted) and counted before it sees it.
    this.everyLine.flush();
    // Nobody to show it to: nothing to wait for either.
    if (this.listeners.size === 0) this.batcher.acknowledge(batch.id);
    // One broken listener (a window that just closed) must not starve the others.
    this.listeners.emit(batch);
  }
}

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
 * The server is not trusted either: a line is ours ("you") only when it carries our label and
 * a text we sent lately; a join or leave notice about ourselves cannot be true and is shown
 * as a plain line.
 *
 * Hosting = a ChatServer plus an ordinary ChatClient connected to it over loopback, so the
 * host's own messages take exactly the path everyone else's do, and the transcript the host
 * sees is what the wire carried.
 */
import { parseServerLine } from '../chat/protocol';
import { ChatClient, DEFAULT_CONNECT_TIMEOUT_MS, outgoingLines } from '../chat/client';
import { ChatServer } from '../chat/server';
import type { ChatServerOptions, ConnectOptions } from '../chat/types';
import {
  fail,
  ok,
  type BridgeEvent,
  type ChatLine,
  type EventBatch,
  type ConnectionState,
  type HostInfo,
  type HostRequest,
  type HostScope,
  type JoinInfo,
  type JoinRequest,
  type Preferences,
  type Result,
  type SendRequest,
  type SendResponse,
  type SessionResult,
  type SessionStatus,
  type Snapshot,
  type StatusReport,
} from '../common/ipc-contract';
import { joinHostPort } from '../common/address';
import {
  clonePreferences,
  defaultPreferences,
  MemoryPreferencesStore,
  rememberRecentHost,
  type PreferencesStore,
} from './preferences';
import { EventBatcher, type FlowLimits, type FlowStats } from './event-batcher';
import { pausableClient, slowCutExemption, type PausableClient } from './flow-control';
import { SILENT_LOGGER, type Logger } from './logger';
import { RecentLines } from './recent-lines';
import { RecentSends } from './recent-sends';
import { RosterFeed } from './roster-feed';
import { readShareAddresses, type NetworkInterfacesReader } from './share-addresses';
import { validateForgetRecentHost, validateHostRequest, validateJoinRequest, validateSendRequest } from '../common/validate';

export interface ChatSessionOptions {
  /** Where preferences live; default: memory only. */
  preferences?: PreferencesStore;
  /** At most one events callback per this many milliseconds. Default 16 (one frame). */
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
}

/** Gets each batch; someone must `acknowledge(batch.id)` once the renderer took it. */
export type SessionEventsListener = (batch: EventBatch) => void;

/** The one connection a session holds (to someone else's server, or to its own). */
interface Link {
  readonly host: string;
  readonly port: number;
  client: ChatClient | null;
  connection: ConnectionState;
  /** Our own `IP:port` as the server prints it, while connected. */
  self: string | null;
  /** The connect in flight, so leave/cancel can stop it. */
  connecting: AbortController | null;
  reconnectTimer: NodeJS.Timeout | null;
  /** Failed or pending reconnect attempts since the last good connection. */
  attempt: number;
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
  link: Link;
  roster: RosterFeed;
  /** Reads the server's refusal counters for the log (see watchRefusals). */
  refusals: NodeJS.Timeout;
}
interface JoinedState {
  kind: 'joined';
  target: JoinInfo;
  link: Link;
}
type State = IdleState | StartingState | HostingState | JoinedState;
type ConnectedState = HostingState | JoinedState;

const IDLE: IdleState = { kind: 'idle' };

const NOT_IDLE_ERROR = 'Leave the current chat first.';
const CLOSED_ERROR = 'Tincan is shutting down.';

function messageOf(error: unknown): string {
  if (error instanceof Error && error.message.length > 0) return error.message;
  return 'Something went wrong.';
}

export class ChatSession {
  private readonly store: PreferencesStore;
  private readonly connectTimeoutMs: number;
  private readonly reconnectInitialDelayMs: number;
  private readonly reconnectMaxDelayMs: number;
  private readonly serverOptions: ChatServerOptions | undefined;
  private readonly readNetworkInterfaces: NetworkInterfacesReader | undefined;

  private readonly connectClient: (options: ConnectOptions) => Promise<ChatClient>;
  private readonly logger: Logger;

  private state: State = IDLE;
  private closed = false;
  private nextSeq = 1;
  private readonly recentLines = new RecentLines();
  private readonly recentSends = new RecentSends();
  /** True while the batcher holds more lines than it should: the socket is paused if it can be. */
  private underPressure = false;
  private paused: PausableClient | null = null;

  private preferences: Preferences | null = null;
  private preferencesLoading: Promise<Preferences> | null = null;

  private readonly listeners = new Set<SessionEventsListener>();
  private readonly batcher: EventBatcher;
  /** The last status sent, as JSON, and its revision (see StatusReport). */
  private reportedStatus = '';
  private statusRevision = 0;

  constructor(options: ChatSessionOptions = {}) {
    this.store = options.preferences ?? new MemoryPreferencesStore();
    this.batcher = new EventBatcher({
      intervalMs: options.eventBatchMs ?? 16,
      deliver: (batch) => this.deliver(batch),
      ...(options.flowLimits ? { limits: options.flowLimits } : {}),
      onPressure: (high) => this.onPressure(high),
    });
    this.batcher.addSource(() => (this.state.kind === 'hosting' ? this.state.roster.collect() : null));
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.reconnectInitialDelayMs = Math.max(1, options.reconnectInitialDelayMs ?? 500);
    this.reconnectMaxDelayMs = Math.max(this.reconnectInitialDelayMs, options.reconnectMaxDelayMs ?? 15_000);
    this.serverOptions = options.serverOptions;
    this.readNetworkInterfaces = options.networkInterfaces;
    this.connectClient = options.connect ?? ((connectOptions) => ChatClient.connect(connectOptions));
    this.logger = options.logger ?? SILENT_LOGGER;
  }

  // ---- the bridge API ---------------------------------------------------------------------

  async getSnapshot(): Promise<Result<Snapshot>> {
    try {
      const preferences = await this.loadPreferences();
      const { status, revision } = this.report();
      const state = this.state;
      return ok({
        status,
        statusRevision: revision,
        preferences: clonePreferences(preferences),
        lines: this.recentLines.lines(),
        roster: state.kind === 'hosting' ? state.roster.clients() : [],
      });
    } catch (error) {
      return fail(messageOf(error));
    }
  }

  /**
   * Starts a server and joins it over loopback. Port 0 picks any free port (tests and tools;
   * the IPC layer only lets 1–65535 through).
   */
  async host(request: HostRequest): Promise<SessionResult<HostInfo>> {
    return this.answer(await this.startHosting(request));
  }

  private async startHosting(request: HostRequest): Promise<Result<HostInfo>> {
    const checked = validateHostRequest(request, { allowAnyPort: true });
    if (!checked.ok) return checked;
    if (this.closed) return fail(CLOSED_ERROR);
    if (this.state.kind !== 'idle') return fail(NOT_IDLE_ERROR);
    const { port, scope } = checked.value;

    let server: ChatServer;
    try {
      server = new ChatServer(this.serverOptions);
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

    const info: HostInfo = {
      port: boundPort,
      scope,
      shareAddresses: this.shareAddresses(scope, boundPort),
    };
    const hosting: HostingState = {
      kind: 'hosting',
      server,
      info,
      link: this.newLink('127.0.0.1', boundPort),
      roster: new RosterFeed(server, () => this.batcher.wake()),
      refusals: this.watchRefusals(server),
    };
    this.state = hosting;
    this.enqueue(hosting.roster.whole());
    this.emitStatus();

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
    }));
    return ok({ ...info, shareAddresses: [...info.shareAddresses] });
  }

  async join(request: JoinRequest): Promise<SessionResult<JoinInfo>> {
    return this.answer(await this.startJoining(request));
  }

  private async startJoining(request: JoinRequest): Promise<Result<JoinInfo>> {
    const checked = validateJoinRequest(request);
    if (!checked.ok) return checked;
    if (this.closed) return fail(CLOSED_ERROR);
    if (this.state.kind !== 'idle') return fail(NOT_IDLE_ERROR);
    const { host, port } = checked.value;

    const joined: JoinedState = { kind: 'joined', target: { host, port }, link: this.newLink(host, port) };
    this.state = joined;
    this.startRoom();
    this.emitStatus();

    const connected = await this.openClient(joined);
    if (this.state !== joined) {
      connected.client?.close();
      return fail('Joining was cancelled.');
    }
    if (connected.client === null) {
      this.state = IDLE;
      this.emitStatus();
      this.logger.warn('join failed', { target: joinHostPort(host, port), reason: connected.error });
      return fail(connected.error);
    }
    this.logger.info('joined', { target: joinHostPort(host, port) });
    this.attach(joined, connected.client);
    await this.updatePreferences((preferences) => ({
      ...preferences,
      lastMode: 'join',
      recentHosts: rememberRecentHost(preferences.recentHosts, joinHostPort(host, port)),
    }));
    return ok({ host, port });
  }

  /** Stops a join that is still connecting, or a joined session that is reconnecting. */
  async cancelJoin(): Promise<SessionResult<null>> {
    const state = this.state;
    if (state.kind === 'joined' && state.link.connection !== 'connected') await this.stop();
    return this.answer(ok(null));
  }

  send(request: SendRequest): Promise<Result<SendResponse>> {
    return Promise.resolve(this.sendNow(request));
  }

  private sendNow(request: SendRequest): Result<SendResponse> {
    const checked = validateSendRequest(request);
    if (!checked.ok) return checked;
    const state = this.state;
    if (state.kind !== 'hosting' && state.kind !== 'joined') return fail('You are not in a chat: host or join one first.');
    const client = state.link.client;
    if (client === null) return fail('Not connected right now: wait until the connection is back.');
    try {
      const sent = client.send(checked.value.text);
      if (sent > 0) this.recentSends.record(outgoingLines(checked.value.text));
      return ok({ lines: sent });
    } catch (error) {
      return fail(messageOf(error));
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
    const checked = validateForgetRecentHost(address);
    if (!checked.ok) return checked;
    const forgotten = checked.value;
    try {
      const updated = await this.updatePreferences((preferences) => ({
        ...preferences,
        recentHosts: preferences.recentHosts.filter((known) => known !== forgotten),
      }));
      return ok(updated);
    } catch (error) {
      return fail(messageOf(error));
    }
  }

  /** Calls back with each batch of events; returns the function that unsubscribes. */
  onEvents(listener: SessionEventsListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The renderer took batch `id` (any value is accepted and checked: it comes from the renderer). */
  acknowledge(id: unknown): void {
    this.batcher.acknowledge(id);
  }

  /** The renderer is gone or reloading: batches in flight are lost; it will read a snapshot. */
  resetDelivery(): void {
    this.batcher.resetDelivery();
  }

  /** What the flow control holds and did (tests, benchmarks, the log). */
  get flowStats(): FlowStats & { socketPaused: boolean } {
    return { ...this.batcher.stats, socketPaused: this.paused !== null };
  }

  /** Leaves whatever chat is active, drops listeners and pending events. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.stop();
    } finally {
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
          host: { ...state.info, shareAddresses: [...state.info.shareAddresses] },
          connection: state.link.connection,
          self: state.link.self,
        };
      case 'joined':
        return { mode: 'joined', target: { ...state.target }, connection: state.link.connection, self: state.link.self };
    }
  }

  private shareAddresses(scope: HostScope, port: number): string[] {
    return readShareAddresses(scope, port, this.readNetworkInterfaces);
  }

  private newLink(host: string, port: number): Link {
    return { host, port, client: null, connection: 'connecting', self: null, connecting: null, reconnectTimer: null, attempt: 0 };
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
    if (previous.kind === 'hosting') {
      previous.roster.close();
      clearInterval(previous.refusals);
      await previous.server.close().catch((error: unknown) => {
        this.enqueue({ type: 'notice', level: 'error', message: messageOf(error) });
      });
      this.enqueue({ type: 'roster', clients: [] });
    }
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
    if (client !== null && this.paused === pausableClient(client)) this.paused = null;
    client?.close();
  }

  /** A new room: its lines start from nothing (the renderer clears its transcript too). */
  private startRoom(): void {
    this.recentLines.clear();
    this.recentSends.clear();
  }

  // ---- the connection -----------------------------------------------------------------------

  /** One connect attempt for `owner`'s link; abortable through link.connecting. */
  private async openClient(owner: ConnectedState): Promise<{ client: ChatClient; error: null } | { client: null; error: string }> {
    const link = owner.link;
    const abort = new AbortController();
    link.connecting = abort;
    try {
      const client = await this.connectClient({
        host: link.host,
        port: link.port,
        timeoutMs: this.connectTimeoutMs,
        signal: abort.signal,
      });
      return { client, error: null };
    } catch (error) {
      return { client: null, error: messageOf(error) };
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
    const self = client.localPeer;
    client.on('line', (line) => {
      if (link.client === client) this.addLine(line, self);
    });
    client.on('close', (error) => {
      if (this.state !== owner || link.client !== client) return; // we closed it on purpose
      link.client = null;
      link.self = null;
      if (this.paused === pausableClient(client)) this.paused = null;
      const reason =
        error?.message ??
        (owner.kind === 'hosting' ? 'The connection to your own server closed.' : 'The host closed the connection.');
      this.logger.warn('connection lost', { target: joinHostPort(link.host, link.port), reason });
      this.scheduleReconnect(owner, reason);
    });
    if (owner.kind === 'hosting') slowCutExemption(owner.server)?.exemptFromSlowCut(client.localPeer);
    // Still catching up from before: the new connection starts paused too.
    if (this.underPressure) this.pauseSocket(true);
    if (wasReconnecting) {
      this.logger.info('reconnected', { target: joinHostPort(link.host, link.port) });
      this.enqueue({ type: 'notice', level: 'info', message: `Reconnected to ${joinHostPort(link.host, link.port)}.` });
    }
    this.emitStatus();
  }

  private scheduleReconnect(owner: ConnectedState, reason: string): void {
    const link = owner.link;
    link.attempt += 1;
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
    this.recentLines.push(chatLine);
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
    this.pauseSocket(high);
  }

  /**
   * Pauses (or resumes) the socket of the active connection when that is safe: the client can
   * pause, and it is not the host's own loopback client, which its own server would otherwise
   * cut as a slow reader (unless the server exempts it). Otherwise the batcher's cap holds.
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
    const control = client === null ? null : pausableClient(client);
    if (control === null || this.paused === control) return;
    if (state.kind === 'hosting' && slowCutExemption(state.server) === null) return;
    control.pause();
    this.paused = control;
  }

  // ---- preferences --------------------------------------------------------------------------

  private loadPreferences(): Promise<Preferences> {
    if (this.preferences !== null) return Promise.resolve(this.preferences);
    this.preferencesLoading ??= this.store
      .load()
      .catch(() => defaultPreferences())
      .then((loaded) => {
        // An update that finished while loading wins over what was on disk.
        this.preferences ??= loaded;
        return this.preferences;
      });
    return this.preferencesLoading;
  }

  /** Applies `change`, saves, and returns the new preferences; a failed save is a notice, not a failure. */
  private async updatePreferences(change: (preferences: Preferences) => Preferences): Promise<Preferences> {
    const current = await this.loadPreferences();
    const updated = change(clonePreferences(current));
    this.preferences = updated;
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

  private deliver(batch: EventBatch): void {
    // Nobody to show it to: nothing to wait for either.
    if (this.listeners.size === 0) this.batcher.acknowledge(batch.id);
    for (const listener of [...this.listeners]) {
      try {
        listener(batch);
      } catch {
        // One broken listener (a window that just closed) must not starve the others.
      }
    }
  }
}

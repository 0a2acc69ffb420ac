/**
 * One chat session of the desktop app: idle, hosting, or joined to someone else's chat.
 *
 * Pure Node (no Electron): main wires it to IPC, tests drive it directly. Every public method
 * mirrors a TincanBridge call, resolves to a Result and never throws. Events leave in batches
 * (at most one callback per `eventBatchMs`) so a flood of lines costs a few IPC messages.
 *
 * Hosting = a ChatServer plus an ordinary ChatClient connected to it over loopback, so the
 * host's own messages take exactly the path everyone else's do, and the transcript the host
 * sees is what the wire carried.
 */
import { parseServerLine } from '../chat/protocol';
import { ChatClient } from '../chat/client';
import { ChatServer } from '../chat/server';
import type { ChatServerOptions, ClientInfo } from '../chat/types';
import {
  fail,
  ok,
  type BridgeEvent,
  type ChatLine,
  type ConnectionState,
  type HostInfo,
  type HostRequest,
  type HostScope,
  type JoinInfo,
  type JoinRequest,
  type Preferences,
  type Result,
  type RosterEntry,
  type SendRequest,
  type SendResponse,
  type SessionStatus,
  type Snapshot,
} from '../common/ipc-contract';
import { joinHostPort } from '../common/address';
import {
  clonePreferences,
  defaultPreferences,
  MemoryPreferencesStore,
  rememberRecentHost,
  type PreferencesStore,
} from './preferences';
import { readShareAddresses, type NetworkInterfacesReader } from './share-addresses';
import { validateForgetRecentHost, validateHostRequest, validateJoinRequest, validateSendRequest } from '../common/validate';

export interface ChatSessionOptions {
  /** Where preferences live; default: memory only. */
  preferences?: PreferencesStore;
  /** At most one events callback per this many milliseconds. Default 16 (one frame). */
  eventBatchMs?: number;
  /** How long one connection attempt may take. Default 5000. */
  connectTimeoutMs?: number;
  /** First reconnect delay; doubles per failed attempt. Default 500. */
  reconnectInitialDelayMs?: number;
  /** Reconnect delays stop growing here. Default 15000. */
  reconnectMaxDelayMs?: number;
  /** Passed to the ChatServer when hosting. */
  serverOptions?: ChatServerOptions;
  /** Where share addresses come from; tests inject a fixed table. Default os.networkInterfaces. */
  networkInterfaces?: NetworkInterfacesReader;
}

export type SessionEventsListener = (events: BridgeEvent[]) => void;

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

function toRosterEntry(client: ClientInfo): RosterEntry {
  return { id: client.id, peer: client.peer, connectedAt: client.connectedAt, linesSent: client.linesSent };
}

export class ChatSession {
  private readonly store: PreferencesStore;
  private readonly eventBatchMs: number;
  private readonly connectTimeoutMs: number;
  private readonly reconnectInitialDelayMs: number;
  private readonly reconnectMaxDelayMs: number;
  private readonly serverOptions: ChatServerOptions | undefined;
  private readonly readNetworkInterfaces: NetworkInterfacesReader | undefined;

  private state: State = IDLE;
  private closed = false;
  private nextSeq = 1;

  private preferences: Preferences | null = null;
  private preferencesLoading: Promise<Preferences> | null = null;

  private readonly listeners = new Set<SessionEventsListener>();
  private queue: BridgeEvent[] = [];
  private rosterDirty = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(options: ChatSessionOptions = {}) {
    this.store = options.preferences ?? new MemoryPreferencesStore();
    this.eventBatchMs = Math.max(0, options.eventBatchMs ?? 16);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.reconnectInitialDelayMs = Math.max(1, options.reconnectInitialDelayMs ?? 500);
    this.reconnectMaxDelayMs = Math.max(this.reconnectInitialDelayMs, options.reconnectMaxDelayMs ?? 15_000);
    this.serverOptions = options.serverOptions;
    this.readNetworkInterfaces = options.networkInterfaces;
  }

  // ---- the bridge API ---------------------------------------------------------------------

  async getSnapshot(): Promise<Result<Snapshot>> {
    try {
      const preferences = await this.loadPreferences();
      return ok({ status: this.status(), preferences: clonePreferences(preferences) });
    } catch (error) {
      return fail(messageOf(error));
    }
  }

  /**
   * Starts a server and joins it over loopback. Port 0 picks any free port (tests and tools;
   * the IPC layer only lets 1–65535 through).
   */
  async host(request: HostRequest): Promise<Result<HostInfo>> {
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
    server.on('error', (error) => this.enqueue({ type: 'notice', level: 'error', message: error.message }));
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
    };
    this.state = hosting;
    const markRosterDirty = (): void => {
      if (this.state === hosting) {
        this.rosterDirty = true;
        this.scheduleFlush();
      }
    };
    server.on('join', markRosterDirty);
    server.on('leave', markRosterDirty);
    server.on('message', markRosterDirty);
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

  async join(request: JoinRequest): Promise<Result<JoinInfo>> {
    const checked = validateJoinRequest(request);
    if (!checked.ok) return checked;
    if (this.closed) return fail(CLOSED_ERROR);
    if (this.state.kind !== 'idle') return fail(NOT_IDLE_ERROR);
    const { host, port } = checked.value;

    const joined: JoinedState = { kind: 'joined', target: { host, port }, link: this.newLink(host, port) };
    this.state = joined;
    this.emitStatus();

    const connected = await this.openClient(joined);
    if (this.state !== joined) {
      connected.client?.close();
      return fail('Joining was cancelled.');
    }
    if (connected.client === null) {
      this.state = IDLE;
      this.emitStatus();
      return fail(connected.error);
    }
    this.attach(joined, connected.client);
    await this.updatePreferences((preferences) => ({
      ...preferences,
      lastMode: 'join',
      recentHosts: rememberRecentHost(preferences.recentHosts, joinHostPort(host, port)),
    }));
    return ok({ host, port });
  }

  /** Stops a join that is still connecting, or a joined session that is reconnecting. */
  async cancelJoin(): Promise<Result<null>> {
    const state = this.state;
    if (state.kind === 'joined' && state.link.connection !== 'connected') await this.stop();
    return ok(null);
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
      return ok({ lines: client.send(checked.value.text) });
    } catch (error) {
      return fail(messageOf(error));
    }
  }

  /** Stops hosting (everyone is disconnected cleanly) or disconnects; back to idle. */
  async leave(): Promise<Result<null>> {
    try {
      await this.stop();
      return ok(null);
    } catch (error) {
      return fail(messageOf(error));
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

  /** Leaves whatever chat is active, drops listeners and pending events. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.stop();
    } finally {
      if (this.flushTimer !== null) clearTimeout(this.flushTimer);
      this.flushTimer = null;
      this.queue = [];
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
    if (previous.kind === 'hosting') {
      await previous.server.close().catch((error: unknown) => {
        this.enqueue({ type: 'notice', level: 'error', message: messageOf(error) });
      });
      this.rosterDirty = true;
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
    client?.close();
  }

  // ---- the connection -----------------------------------------------------------------------

  /** One connect attempt for `owner`'s link; abortable through link.connecting. */
  private async openClient(owner: ConnectedState): Promise<{ client: ChatClient; error: null } | { client: null; error: string }> {
    const link = owner.link;
    const abort = new AbortController();
    link.connecting = abort;
    try {
      const client = await ChatClient.connect({
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
    if (owner.kind === 'hosting') owner.server.trustPeer(client.localPeer); // our own client: no rate, per-address or slow-reader limits
    const self = client.localPeer;
    client.on('line', (line) => {
      if (link.client === client) this.addLine(line, self);
    });
    client.on('close', (error) => {
      if (this.state !== owner || link.client !== client) return; // we closed it on purpose
      link.client = null;
      link.self = null;
      const reason =
        error?.message ??
        (owner.kind === 'hosting' ? 'The connection to your own server closed.' : 'The host closed the connection.');
      this.scheduleReconnect(owner, reason);
    });
    if (wasReconnecting) {
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
    const chatLine: ChatLine =
      parsed === null
        ? { seq: this.nextSeq++, kind: 'raw', peer: '', text: line, at: Date.now(), self: false }
        : {
            seq: this.nextSeq++,
            kind: parsed.kind,
            peer: parsed.peer,
            text: parsed.text,
            at: Date.now(),
            self: parsed.peer === self,
          };
    this.enqueue({ type: 'lines', lines: [chatLine] });
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

  private emitStatus(): void {
    this.enqueue({ type: 'status', status: this.status() });
  }

  private enqueue(event: BridgeEvent): void {
    if (this.closed && this.listeners.size === 0) return;
    const last = this.queue[this.queue.length - 1];
    if (event.type === 'lines' && last?.type === 'lines') {
      for (const line of event.lines) last.lines.push(line);
    } else {
      this.queue.push(event);
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null || this.closed) return;
    const wait = Math.max(0, this.lastFlushAt + this.eventBatchMs - performance.now());
    this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  /**
   * Sends what queued up as one batch: only the latest status survives (at its own place in
   * the order), lines that ended up adjacent are merged, and the roster, read now, goes last.
   */
  private flush(): void {
    this.flushTimer = null;
    // Timers are measured from the event loop's cached clock, which lags after a busy turn,
    // so one can fire early; the promise of one callback per window is kept here.
    const early = this.lastFlushAt + this.eventBatchMs - performance.now();
    if (early > 0) {
      this.flushTimer = setTimeout(() => this.flush(), Math.ceil(early));
      return;
    }
    this.lastFlushAt = performance.now();
    const queued = this.queue;
    this.queue = [];
    let lastStatus = -1;
    queued.forEach((event, index) => {
      if (event.type === 'status') lastStatus = index;
    });
    const batch: BridgeEvent[] = [];
    queued.forEach((event, index) => {
      if (event.type === 'status' && index !== lastStatus) return;
      const previous = batch[batch.length - 1];
      if (event.type === 'lines' && previous?.type === 'lines') {
        for (const line of event.lines) previous.lines.push(line);
      } else {
        batch.push(event);
      }
    });
    if (this.rosterDirty) {
      this.rosterDirty = false;
      const state = this.state;
      batch.push({ type: 'roster', clients: state.kind === 'hosting' ? state.server.clients().map(toRosterEntry) : [] });
    }
    if (batch.length === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(batch);
      } catch {
        // One broken listener (a window that just closed) must not starve the others.
      }
    }
  }
}

import type {
  BridgeEvent,
  ChatLine,
  DiscoveredRoom,
  ClearHistoryRequest,
  FreePortRequest,
  HistoryContextRequest,
  HistoryPage,
  HistoryPageRequest,
  HistoryView,
  HistoryViewRequest,
  LineContext,
  SavedTranscript,
  SearchHistoryRequest,
  SearchResults,
  SettingsUpdate,
  TopicRequest,
  PasswordRequest,
  RemovePersonRequest,
  ViewState,
  IgnoreList,
  HostInfo,
  HostRequest,
  JoinInfo,
  JoinRequest,
  JoinResult,
  Preferences,
  Result,
  SendRequest,
  SendResponse,
  SessionResult,
  SessionStatus,
  Snapshot,
  TincanBridge,
} from '../../main/common/ipc-contract';
import { defaultPreferences } from '../../main/app/preferences';

// Main numbers its statuses; the fake counts from well above any snapshot's revision.
let nextRevision = 1000;

/** A status event as main sends it: the next revision, so it is newer than what the page has. */
export function statusEvent(status: SessionStatus): BridgeEvent {
  return { type: 'status', revision: nextRevision++, status };
}

/** `result` answered the way main answers a call that changes the session: with its status after. */
function withStatus<T>(result: Result<T>, status: SessionStatus): SessionResult<T> {
  return { ...result, after: { revision: nextRevision++, status } };
}

export function defaultTestPreferences(overrides: Partial<Preferences> = {}): Preferences {
  return { ...defaultPreferences(), ...overrides };
}

/** A call the renderer made, in order. */
export interface BridgeCall {
  method: keyof TincanBridge;
  arg: unknown;
}

/**
 * A TincanBridge for renderer tests: records every call, answers with overridable handlers,
 * and lets the test push event batches as main would.
 */
export class FakeBridge implements TincanBridge {
  readonly calls: BridgeCall[] = [];
  private readonly listeners = new Set<(events: BridgeEvent[]) => void>();
  snapshot: Snapshot = {
    status: { mode: 'idle' },
    statusRevision: 1,
    preferences: defaultTestPreferences(),
    defaultRoomName: 'ana’s room on lab-3',
    networkHosts: [{ host: '192.168.1.20', interfaceName: 'wlan0', label: 'Wi-Fi (wlan0)' }],
    history: { available: true, engine: 'fts5', persistent: true, retention: 'forever' },
    unread: { count: 0, mentions: 0, firstUnreadSeq: null },
    startupNotices: [],
    notificationProblem: null,
    lines: [],
    roster: [],
    rosterPartial: false,
  };
  /** What main's status is after each call (idle after a failure, a leave or a cancel). */
  private status: SessionStatus = { mode: 'idle' };

  hostHandler: (request: HostRequest) => Promise<Result<HostInfo>> = async (request) => ({
    ok: true,
    value: {
      port: request.port,
      scope: request.scope,
      shareAddresses: [
        { address: `192.168.1.20:${request.port}`, interfaceName: 'wlan0', label: 'Wi-Fi (wlan0)' },
        { address: `127.0.0.1:${request.port}`, interfaceName: 'lo', label: 'This computer (lo)' },
      ],
      roomName: request.scope === 'lan' ? (request.name ?? 'ana’s room on lab-3') : null,
      advice: [],
    },
  });
  joinHandler: (request: JoinRequest) => Promise<JoinResult> = async (request) => {
    const [host = '', port = '60003'] = request.address.split(':');
    return { ok: true, value: { host, port: Number(port) } };
  };
  /** The room's history as main would answer it (default: none). */
  historyViewHandler: (request: HistoryViewRequest) => Promise<Result<HistoryView>> = async () => ({
    ok: true,
    value: { room: this.roomOf(), lines: [], hasMore: false, visitStartId: 0, liveSeq: 0 },
  });
  historyPageHandler: (request: HistoryPageRequest) => Promise<Result<HistoryPage>> = async () => ({
    ok: true,
    value: { room: null, lines: [], hasMore: false },
  });
  historyContextHandler: (request: HistoryContextRequest) => Promise<Result<LineContext>> = async () => ({
    ok: false,
    error: 'That line is no longer in the history.',
  });
  searchHandler: (request: SearchHistoryRequest) => Promise<Result<SearchResults>> = async () => ({
    ok: true,
    value: { hits: [], hasMore: false, terms: [], engine: 'fts5' },
  });
  saveTranscriptHandler: () => Promise<Result<SavedTranscript | null>> = async () => ({ ok: true, value: null });
  sendHandler: (request: SendRequest) => Promise<Result<SendResponse>> = async (request) => ({
    ok: true,
    value: { lines: request.text.split('\n').filter((line) => line.trim() !== '').length },
  });

  private record(method: keyof TincanBridge, arg: unknown): void {
    this.calls.push({ method, arg });
  }

  callsTo(method: keyof TincanBridge): unknown[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.arg);
  }

  /** When set, the snapshot answers only once this settles (events may arrive first). */
  snapshotGate: Promise<void> | null = null;

  async getSnapshot(): Promise<Result<Snapshot>> {
    this.record('getSnapshot', undefined);
    const taken = structuredClone(this.snapshot);
    if (this.snapshotGate) await this.snapshotGate;
    return { ok: true, value: taken };
  }
  async host(request: HostRequest): Promise<SessionResult<HostInfo>> {
    this.record('host', request);
    const result = await this.hostHandler(request);
    this.status = result.ok ? { mode: 'hosting', host: result.value, connection: 'connected', self: null } : { mode: 'idle' };
    return withStatus(result, this.status);
  }
  async join(request: JoinRequest): Promise<JoinResult> {
    this.record('join', request);
    const result = await this.joinHandler(request);
    this.status = result.ok ? { mode: 'joined', target: result.value, connection: 'connected', self: null } : { mode: 'idle' };
    const answered = withStatus<JoinInfo>(result, this.status);
    if (result.ok) return answered;
    return { ...answered, ...(result.help && { help: result.help }), ...(result.keyWarning && { keyWarning: result.keyWarning }) };
  }
  /** What findRooms answers with; 'rooms' events are pushed with emit(). */
  rooms: DiscoveredRoom[] = [];
  async findRooms(): Promise<Result<DiscoveredRoom[]>> {
    this.record('findRooms', undefined);
    return { ok: true, value: structuredClone(this.rooms) };
  }
  async stopFindingRooms(): Promise<Result<null>> {
    this.record('stopFindingRooms', undefined);
    return { ok: true, value: null };
  }
  /** What findFreePort answers. */
  freePort: Result<number> = { ok: true, value: 60004 };
  async findFreePort(request: FreePortRequest): Promise<Result<number>> {
    this.record('findFreePort', request);
    return structuredClone(this.freePort);
  }
  async cancelJoin(): Promise<SessionResult<null>> {
    this.record('cancelJoin', undefined);
    return withStatus({ ok: true, value: null }, this.status);
  }
  async reconnectNow(): Promise<SessionResult<null>> {
    this.record('reconnectNow', undefined);
    // No status in the answer: the window keeps the one its events gave it.
    return { ok: true, value: null };
  }
  send(request: SendRequest): Promise<Result<SendResponse>> {
    this.record('send', request);
    return this.sendHandler(request);
  }
  async leave(): Promise<SessionResult<null>> {
    this.record('leave', undefined);
    this.status = { mode: 'idle' };
    return withStatus({ ok: true, value: null }, this.status);
  }
  async copyText(text: string): Promise<Result<null>> {
    this.record('copyText', text);
    return { ok: true, value: null };
  }
  async openLink(url: string): Promise<Result<null>> {
    this.record('openLink', url);
    return { ok: true, value: null };
  }
  async forgetRecentHost(address: string): Promise<Result<Preferences>> {
    this.record('forgetRecentHost', address);
    this.snapshot.preferences.recentHosts = this.snapshot.preferences.recentHosts.filter((entry) => entry !== address);
    return { ok: true, value: structuredClone(this.snapshot.preferences) };
  }
  private roomOf(): { host: string; port: number } | null {
    const status = this.status;
    if (status.mode === 'hosting') return { host: '127.0.0.1', port: status.host.port };
    if (status.mode === 'joined') return { host: status.target.host, port: status.target.port };
    return null;
  }
  historyView(request: HistoryViewRequest): Promise<Result<HistoryView>> {
    this.record('historyView', request);
    return this.historyViewHandler(request);
  }
  historyPage(request: HistoryPageRequest): Promise<Result<HistoryPage>> {
    this.record('historyPage', request);
    return this.historyPageHandler(request);
  }
  historyContext(request: HistoryContextRequest): Promise<Result<LineContext>> {
    this.record('historyContext', request);
    return this.historyContextHandler(request);
  }
  searchHistory(request: SearchHistoryRequest): Promise<Result<SearchResults>> {
    this.record('searchHistory', request);
    return this.searchHandler(request);
  }
  saveTranscript(): Promise<Result<SavedTranscript | null>> {
    this.record('saveTranscript', undefined);
    return this.saveTranscriptHandler();
  }
  async clearHistory(request: ClearHistoryRequest): Promise<Result<number | null>> {
    this.record('clearHistory', request);
    return { ok: true, value: request.scope === 'all' ? null : 0 };
  }
  async updateSettings(request: SettingsUpdate): Promise<Result<Preferences>> {
    this.record('updateSettings', request);
    this.snapshot.preferences = { ...this.snapshot.preferences, ...request };
    return { ok: true, value: structuredClone(this.snapshot.preferences) };
  }
  async setTopic(request: TopicRequest): Promise<Result<null>> {
    this.record('setTopic', request);
    return { ok: true, value: null };
  }
  async sendPassword(request: PasswordRequest): Promise<Result<null>> {
    this.record('sendPassword', request);
    return { ok: true, value: null };
  }
  async removePerson(request: RemovePersonRequest): Promise<Result<null>> {
    this.record('removePerson', request);
    return { ok: true, value: null };
  }
  async setViewState(state: ViewState): Promise<Result<null>> {
    this.record('setViewState', state);
    return { ok: true, value: null };
  }
  async setIgnored(list: IgnoreList): Promise<Result<null>> {
    this.record('setIgnored', list);
    return { ok: true, value: null };
  }
  onEvents(listener: (events: BridgeEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers one batch, as main's events channel would. */
  emit(events: BridgeEvent[]): void {
    for (const listener of [...this.listeners]) listener(events);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

let nextSeq = 1;

/** A ChatLine with sensible defaults; seq increases across calls like main's. */
export function chatLine(overrides: Partial<ChatLine> = {}): ChatLine {
  return {
    seq: nextSeq++,
    kind: 'message',
    peer: '10.0.0.7:50123',
    text: 'hello',
    at: Date.UTC(2026, 10, 27, 14, 5, 9),
    self: false,
    ...overrides,
  };
}

export function installFakeBridge(bridge: FakeBridge): () => void {
  const holder = window as unknown as { tincan?: TincanBridge };
  holder.tincan = bridge;
  return () => {
    delete holder.tincan;
  };
}

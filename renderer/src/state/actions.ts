import type {
  BridgeEvent,
  HostRequest,
  HostScope,
  JoinResult,
  Mode,
  Result,
  SearchHit,
  SearchScope,
  SessionResult,
  SessionStatus,
  SettingsUpdate,
  Snapshot,
} from '../../../main/common/ipc-contract';
import { MAX_IGNORED_PEOPLE } from '../../../main/common/ipc-contract';
import { getBridge } from '../bridge';
import {
  MAX_SENT_HISTORY,
  MAX_TRANSCRIPT_LINES,
  applyBridgeEvents,
  initialChatState,
  initialPaging,
  useChatStore,
  withOlderHistory,
  withRecentHistory,
  withSnapshot,
  type StartError,
} from './store';

/**
 * Everything the UI can ask for. Actions live outside components so they can be called from
 * tests and keyboard handlers alike; each talks to the bridge and records the answer in the store.
 */

const set = useChatStore.setState;
const get = useChatStore.getState;

/** A bridge call that rejected (it should not) still comes back as a Result. */
async function call<T>(run: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await run();
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Subscribes to bridge events and loads the first snapshot. Returns the function that
 * unsubscribes. Events are subscribed first so nothing between the two is lost; statuses are
 * numbered by main, so a status event that beats the snapshot wins over its older status.
 * The snapshot also brings back the room (recent lines and roster) after a reload or a crash.
 */
export function connectToBridge(): () => void {
  const bridge = getBridge();
  // Entering a room (host, join, a reload in the middle of a chat, a status from main): its
  // history comes first, above whatever arrives live.
  const stopWatchingRoom = useChatStore.subscribe((state, previous) => {
    const room = roomKeyOf(state.status);
    if (room !== '' && room !== roomKeyOf(previous.status)) void loadRecentHistory();
  });
  // Roster news that arrives before the snapshot is applied again on top of it (it may be newer).
  let early: BridgeEvent[] | null = [];
  const unsubscribe = bridge.onEvents((events) => {
    if (early !== null) for (const event of events) if (event.type === 'roster-changes') early.push(event);
    applyBridgeEvents(events);
    // The history changed under what is shown (cleared, retention switched): show it afresh.
    if (events.some((event) => event.type === 'history' && event.reset)) void loadRecentHistory();
  });
  void call(() => bridge.getSnapshot()).then((result) => {
    const roster = early ?? [];
    early = null;
    if (!result.ok) {
      set({ fatalError: `Tincan could not read its state: ${result.error}` });
      return;
    }
    restoreSnapshot(result.value, roster);
  });
  return () => {
    stopWatchingRoom();
    unsubscribe();
  };
}

function restoreSnapshot(snapshot: Snapshot, rosterNews: readonly BridgeEvent[]): void {
  const { status, statusRevision, preferences, defaultRoomName, networkHosts, history, unread, startupNotices, notificationProblem } = snapshot;
  // The status first: a room entered this way starts loading its history (see connectToBridge),
  // which takes the place of the snapshot's recent lines once it is in.
  applyBridgeEvents([
    { type: 'status', revision: statusRevision, status },
    { type: 'history', status: history, reset: false },
    { type: 'unread', ...unread },
    { type: 'notifications', problem: notificationProblem },
    ...startupNotices.map((message) => ({ type: 'notice' as const, level: 'error' as const, message })),
  ]);
  set((state) => ({ ...withSnapshot(state, snapshot, Date.now()), ready: true, preferences, defaultRoomName, networkHosts }));
  if (rosterNews.length > 0) applyBridgeEvents(rosterNews);
}

/** Takes main's status from a call's answer (main is the only author of the status). */
function acceptStatus(result: SessionResult<unknown>): void {
  if (result.after) applyBridgeEvents([{ type: 'status', ...result.after }]);
}

/** Main updates the last mode and recent hosts after a host or join; show its version. */
async function refreshPreferences(): Promise<void> {
  const result = await call(() => getBridge().getSnapshot());
  if (result.ok) set({ preferences: result.value.preferences });
}

/** Forget the previous room before a new one starts, so lines arriving early are kept. */
function clearRoom(): void {
  const fresh = initialChatState();
  set({
    lines: fresh.lines,
    transcriptChars: 0,
    droppedLines: 0,
    roster: fresh.roster,
    rosterPartial: false,
    ignored: fresh.ignored,
    revealed: fresh.revealed,
    presentPeers: fresh.presentPeers,
    names: fresh.names,
    topic: null,
    reconnecting: null,
    password: null,
    notices: [],
    sendError: null,
    startError: null,
    cancelRequested: false,
    paging: initialPaging(),
    unread: fresh.unread,
    jump: null,
    context: null,
  });
}

/** The Host/Join choice on the start screen; kept here so it survives the screen remounting. */
export function chooseStartMode(mode: Mode): void {
  set({ startMode: mode, startError: null });
}

/** Hosts on `port`; a room for the network is announced as `name` ('' or absent: the default name). */
export async function hostChat(port: number, scope: HostScope, name?: string, topic?: string, password?: string, encryptedOnly = false): Promise<boolean> {
  if (get().pending) return false;
  clearRoom();
  set({ pending: { kind: 'host', port } });
  const trimmed = name?.trim() ?? '';
  const request: HostRequest = scope === 'lan' && trimmed.length > 0 ? { port, scope, name: trimmed } : { port, scope };
  const topicText = topic?.trim() ?? '';
  if (topicText.length > 0) request.topic = topicText;
  if (password !== undefined && password !== '') request.password = password;
  if (encryptedOnly) request.encryptedOnly = true;
  const result = await call(() => getBridge().host(request));
  // Main's status comes with the answer, so the screen changes (or stays) together with it.
  acceptStatus(result);
  if (!result.ok) {
    set({ pending: null, startError: { mode: 'host', message: result.error } });
    return false;
  }
  set({ pending: null });
  void refreshPreferences();
  return true;
}

/** After a busy port: a free one to host on instead (main probes), or null with the reason in the host error. */
export async function findFreePort(busyPort: number, scope: HostScope): Promise<number | null> {
  const result = await call(() => getBridge().findFreePort({ busyPort, scope }));
  if (result.ok) {
    clearStartError();
    return result.value;
  }
  set({ startError: { mode: 'host', message: result.error } });
  return null;
}

/**
 * Joins `address`. `trust` is what the user accepted on purpose after a key warning: the key
 * the host now shows, or 'plain' (main checks it again).
 */
export async function joinChat(address: string, trust?: string): Promise<boolean> {
  if (get().pending) return false;
  clearRoom();
  set({ pending: { kind: 'join', address } });
  const result: JoinResult = await call(() => getBridge().join(trust === undefined ? { address } : { address, trust }));
  acceptStatus(result);
  const cancelled = get().cancelRequested;
  if (!result.ok) {
    const error: StartError = {
      mode: 'join',
      message: result.error,
      ...(result.help && { help: result.help }),
      ...(result.keyWarning && { keyWarning: result.keyWarning }),
    };
    set({ pending: null, cancelRequested: false, startError: cancelled ? null : error });
    return false;
  }
  set({ pending: null, cancelRequested: false });
  void refreshPreferences();
  return true;
}

export async function cancelJoin(): Promise<void> {
  if (get().pending?.kind !== 'join') return;
  set({ cancelRequested: true });
  const result = await call(() => getBridge().cancelJoin());
  acceptStatus(result);
  if (!result.ok) set({ startError: { mode: 'join', message: result.error }, cancelRequested: false });
}

/** While reconnecting: the next attempt now; answers once it connected or failed (a failure is a new 'reconnecting' event). */
export async function reconnectNow(): Promise<void> {
  const result = await call(() => getBridge().reconnectNow());
  acceptStatus(result);
}

/** Leaves the room, or stops hosting it; `disconnected` people were in a hosted room, and are told of once it is closed. */
export async function leaveChat(disconnected = 0): Promise<void> {
  const hosting = get().status.mode === 'hosting';
  const result = await call(() => getBridge().leave());
  acceptStatus(result);
  if (!result.ok) {
    pushNotice('error', `Could not leave: ${result.error}`);
    return;
  }
  set({ sendError: null });
  if (hosting) {
    pushNotice(
      'info',
      disconnected === 0
        ? 'You stopped hosting. The room is closed.'
        : `You stopped hosting. The room is closed and ${disconnected === 1 ? '1 person was' : `${disconnected.toLocaleString()} people were`} disconnected.`,
    );
  }
}

/** Remembers each non-empty line for Up-arrow recall. */
export function rememberSent(text: string): void {
  const lines = text.split(/\r\n|\r|\n/).filter((line) => line.trim().length > 0);
  if (lines.length === 0) return;
  set((state) => {
    const history = state.sentHistory.concat(lines);
    return { sentHistory: history.length > MAX_SENT_HISTORY ? history.slice(-MAX_SENT_HISTORY) : history };
  });
}

/** Sends what the user typed or pasted (main splits it into one message per line). */
export async function sendText(text: string): Promise<boolean> {
  if (text.trim().length === 0) return false;
  rememberSent(text);
  const result = await call(() => getBridge().send({ text }));
  if (!result.ok) {
    set({ sendError: result.error });
    return false;
  }
  if (get().sendError !== null) set({ sendError: null });
  return true;
}

export function clearSendError(): void {
  if (get().sendError !== null) set({ sendError: null });
}

export function clearStartError(): void {
  if (get().startError !== null) set({ startError: null });
}

export async function forgetRecentHost(address: string): Promise<void> {
  const result = await call(() => getBridge().forgetRecentHost(address));
  if (result.ok) set({ preferences: result.value });
  else pushNotice('error', `Could not forget ${address}: ${result.error}`);
}

/**
 * The Join screen is open: look for rooms on the network until the returned function is
 * called. The list arrives now (what main has seen) and then with every 'rooms' event.
 */
export function watchRooms(): () => void {
  let watching = true;
  const before = get().rooms;
  void call(() => getBridge().findRooms()).then((result) => {
    // A 'rooms' event that arrived first is newer than this answer: keep it.
    if (watching && result.ok && get().rooms === before) set({ rooms: result.value });
  });
  return () => {
    watching = false;
    set({ rooms: [] });
    void call(() => getBridge().stopFindingRooms());
  };
}

export async function copyText(text: string): Promise<boolean> {
  const result = await call(() => getBridge().copyText(text));
  if (!result.ok) pushNotice('error', `Could not copy: ${result.error}`);
  return result.ok;
}

export async function openLink(url: string): Promise<void> {
  const result = await call(() => getBridge().openLink(url));
  if (!result.ok) pushNotice('error', `Could not open the link: ${result.error}`);
}

export function pushNotice(level: 'info' | 'error', message: string): void {
  applyBridgeEvents([{ type: 'notice', level, message }]);
}

export function dismissNotice(id: number): void {
  set((state) => ({ notices: state.notices.filter((notice) => notice.id !== id) }));
}

// ---- history ------------------------------------------------------------------------------

/** Which room a status is in ('' when idle): what the history shown belongs to. */
function roomKeyOf(status: SessionStatus): string {
  if (status.mode === 'hosting') return `host:${status.host.port}`;
  if (status.mode === 'joined') return `join:${status.target.host}:${status.target.port}`;
  return '';
}

const roomKey = (): string => roomKeyOf(get().status);

/** The room's newest history in place of what the transcript shows (on entering, on a reload, after a reset). */
export async function loadRecentHistory(): Promise<void> {
  const room = roomKey();
  if (room === '') return;
  set((state) => ({ paging: { ...state.paging, loading: true } }));
  const result = await call(() => getBridge().historyView({ beforeId: null }));
  // The user moved on while it loaded: that answer is for another room.
  if (roomKey() !== room) return;
  if (!result.ok || result.value.room === null) {
    set((state) => ({ paging: { ...state.paging, loading: false } }));
    return;
  }
  const view = result.value;
  set((state) => withRecentHistory(state, view));
}

/** One page of older history above the oldest line shown; false when there is none to load. */
export async function loadOlderHistory(): Promise<boolean> {
  const { paging } = get();
  if (paging.loading || !paging.hasMore || paging.cursor === null) return false;
  const room = roomKey();
  const cursor = paging.cursor;
  set({ paging: { ...paging, loading: true } });
  const result = await call(() => getBridge().historyView({ beforeId: cursor }));
  if (roomKey() !== room) return false;
  if (!result.ok) {
    set((state) => ({ paging: { ...state.paging, loading: false } }));
    pushNotice('error', `Could not load earlier messages: ${result.error}`);
    return false;
  }
  const view = result.value;
  set((state) => withOlderHistory(state, view));
  return view.lines.length > 0;
}

// ---- search and context -------------------------------------------------------------------

export function openSearch(): void {
  set((state) => ({ search: { ...state.search, open: true, error: null } }));
}

export function closeSearch(): void {
  set((state) => ({ search: { ...state.search, open: false } }));
}

export function setSearchQuery(query: string): void {
  set((state) => ({ search: { ...state.search, query } }));
}

export function setSearchScope(scope: SearchScope): void {
  set((state) => ({ search: { ...state.search, scope, results: null } }));
}

/** Searches for what is typed; `more` fetches the next (older) results. */
export async function runSearch(more = false): Promise<void> {
  const { search } = get();
  const query = search.query.trim();
  if (query === '') {
    set({ search: { ...search, results: null, error: null } });
    return;
  }
  const beforeId = more ? search.results?.hits.at(-1)?.line.id : undefined;
  set({ search: { ...search, loading: true, error: null } });
  const result = await call(() => getBridge().searchHistory({ query, scope: search.scope, ...(beforeId !== undefined ? { beforeId } : {}) }));
  const current = get().search;
  // Typed on meanwhile: this answer is for an older query.
  if (current.query.trim() !== query || current.scope !== search.scope) return;
  if (!result.ok) {
    set({ search: { ...current, loading: false, error: result.error } });
    return;
  }
  const results =
    more && current.results !== null
      ? { ...result.value, hits: current.results.hits.concat(result.value.hits) }
      : result.value;
  set({ search: { ...current, loading: false, results } });
}

/** Shows a search hit with the lines around it, in place of the live transcript. */
export async function openInContext(hit: SearchHit): Promise<void> {
  const room = { host: hit.room.host, port: hit.room.port };
  set({ context: { room, lines: [hit.line], targetId: hit.line.id, hasOlder: false, hasNewer: false, loading: true, error: null } });
  const result = await call(() => getBridge().historyContext({ lineId: hit.line.id }));
  if (get().context?.targetId !== hit.line.id) return;
  if (!result.ok) {
    set((state) => (state.context ? { context: { ...state.context, loading: false, error: result.error } } : {}));
    return;
  }
  const { lines, hasOlder, hasNewer } = result.value;
  set({ context: { room, lines, targetId: hit.line.id, hasOlder, hasNewer, loading: false, error: null }, search: { ...get().search, open: false } });
}

/** More lines above or below the context shown. */
export async function extendContext(direction: 'older' | 'newer'): Promise<void> {
  const context = get().context;
  if (context === null || context.loading) return;
  const edge = direction === 'older' ? context.lines[0] : context.lines[context.lines.length - 1];
  if (edge === undefined) return;
  set({ context: { ...context, loading: true } });
  const request = direction === 'older' ? { room: context.room, beforeId: edge.id } : { room: context.room, afterId: edge.id };
  const result = await call(() => getBridge().historyPage(request));
  const now = get().context;
  if (now?.targetId !== context.targetId) return;
  if (!result.ok) {
    set({ context: { ...now, loading: false, error: result.error } });
    return;
  }
  const page = result.value;
  set({
    context:
      direction === 'older'
        ? { ...now, lines: page.lines.concat(now.lines), hasOlder: page.hasMore, loading: false }
        : { ...now, lines: now.lines.concat(page.lines), hasNewer: page.hasMore, loading: false },
  });
}

export function closeContext(): void {
  set({ context: null });
}

// ---- transcript, settings, attention -------------------------------------------------------

export async function saveTranscript(): Promise<void> {
  const result = await call(() => getBridge().saveTranscript());
  if (!result.ok) pushNotice('error', `Could not save the transcript: ${result.error.replace(/^Could not save the transcript: /, '')}`);
  else if (result.value !== null) {
    const { file, lines } = result.value;
    pushNotice('info', `Saved ${lines.toLocaleString()} ${lines === 1 ? 'line' : 'lines'} to ${file}.`);
  }
}

export async function clearHistory(scope: 'room' | 'all'): Promise<boolean> {
  const result = await call(() => getBridge().clearHistory({ scope }));
  if (!result.ok) {
    pushNotice('error', `Could not clear the history: ${result.error}`);
    return false;
  }
  pushNotice('info', scope === 'all' ? 'All history was cleared.' : 'This room’s history was cleared.');
  return true;
}

export async function updateSettings(update: SettingsUpdate): Promise<boolean> {
  const result = await call(() => getBridge().updateSettings(update));
  if (!result.ok) {
    pushNotice('error', `Could not change the settings: ${result.error}`);
    return false;
  }
  set({ preferences: result.value });
  return true;
}

export function toggleDoNotDisturb(): Promise<boolean> {
  return updateSettings({ doNotDisturb: !(get().preferences?.doNotDisturb ?? false) });
}

/** Host only: sets the room's topic ('' clears it); the server's topic line then updates the header. */
export async function setTopic(topic: string): Promise<boolean> {
  const result = await call(() => getBridge().setTopic({ topic }));
  if (!result.ok) pushNotice('error', `Could not set the topic: ${result.error}`);
  return result.ok;
}

/** Sends the password the joined room asked for; false (with the reason in the prompt) when it could not go. */
export async function sendPassword(password: string, remember: boolean): Promise<boolean> {
  const result = await call(() => getBridge().sendPassword({ password, remember }));
  if (!result.ok) pushNotice('error', `Could not send the password: ${result.error}`);
  return result.ok;
}

/** The refused password's message is read: the prompt goes. */
export function dismissPassword(): void {
  set({ password: null });
}

/** Host only: removes (or bans) the person at `peer`. */
export async function removePerson(peer: string, ban: boolean): Promise<boolean> {
  const result = await call(() => getBridge().removePerson({ peer, ban }));
  if (!result.ok) pushNotice('error', `Could not ${ban ? 'ban' : 'remove'} ${peer}: ${result.error}`);
  return result.ok;
}

export function openSettings(): void {
  set({ settingsOpen: true });
}

export function closeSettings(): void {
  set({ settingsOpen: false });
}

/** Opens the name editor by the composer ("You appear as …", or a refused name's offer). */
export function editName(): void {
  set({ nameEditing: true });
}

export function closeNameEdit(): void {
  set({ nameEditing: false });
}

/** Saves the display name (main sends `/name` in rooms that speak Tincan); the editor closes once it is saved. */
export async function saveDisplayName(displayName: string): Promise<boolean> {
  const saved = await updateSettings({ displayName });
  if (saved) closeNameEdit();
  return saved;
}

/** Tells main what the user can see (focus, scrolled to the end), when it changed (or `always`). */
export function reportView(change: { focused?: boolean; atBottom?: boolean }, always = false): void {
  const { focused, atBottom } = get();
  const next = { focused: change.focused ?? focused, atBottom: change.atBottom ?? atBottom };
  if (!always && next.focused === focused && next.atBottom === atBottom) return;
  set(next);
  void call(() => getBridge().setViewState(next));
}

// ---- ignoring people ------------------------------------------------------------------------

/** Hides `peer`'s lines in this window for the rest of this room (they stay in the history). */
export function ignorePerson(peer: string): void {
  const { ignored } = get();
  if (ignored.has(peer) || ignored.size >= MAX_IGNORED_PEOPLE) return;
  setIgnored(new Set(ignored).add(peer));
}

/** The window hides their lines; main hears of it, so they do not notify either. */
function setIgnored(ignored: Set<string>): void {
  set({ ignored });
  void call(() => getBridge().setIgnored({ peers: [...ignored] }));
}

/** Shows `peer`'s lines again, the hidden ones included. */
export function unignorePerson(peer: string): void {
  const { ignored } = get();
  if (!ignored.has(peer)) return;
  const next = new Set(ignored);
  next.delete(peer);
  setIgnored(next);
}

/** Shows these hidden lines (one "N lines hidden" row) while their sender stays ignored. */
export function revealLines(seqs: readonly number[]): void {
  set((state) => {
    const revealed = new Set(state.revealed);
    for (const seq of seqs) revealed.add(seq);
    // Never more than the transcript holds: the oldest reveals go first.
    for (const oldest of revealed) {
      if (revealed.size <= MAX_TRANSCRIPT_LINES) break;
      revealed.delete(oldest);
    }
    return { revealed };
  });
}

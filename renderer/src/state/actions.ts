import type { BridgeEvent, HostScope, Mode, Result, SessionResult, Snapshot } from '../../../main/common/ipc-contract';
import { getBridge } from '../bridge';
import { MAX_SENT_HISTORY, applyBridgeEvents, initialChatState, reduceEvents, useChatStore } from './store';

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
  // Roster news that arrives before the snapshot is applied again on top of it (it may be newer).
  let early: BridgeEvent[] | null = [];
  const unsubscribe = bridge.onEvents((events) => {
    if (early !== null) for (const event of events) if (event.type === 'roster-changes') early.push(event);
    applyBridgeEvents(events);
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
  return unsubscribe;
}

function restoreSnapshot(snapshot: Snapshot, rosterNews: readonly BridgeEvent[]): void {
  const { status, statusRevision, preferences } = snapshot;
  applyBridgeEvents([{ type: 'status', revision: statusRevision, status }]);
  set((state) => {
    // The snapshot's lines come first; lines that arrived since (newer seqs) stay after them.
    // Folded afresh, so the people a joiner counts come from the whole restored transcript.
    const lastSeq = snapshot.lines[snapshot.lines.length - 1]?.seq ?? Number.NEGATIVE_INFINITY;
    const lines = [...snapshot.lines, ...state.lines.filter((line) => line.seq > lastSeq)];
    const events: BridgeEvent[] = [{ type: 'lines', lines }];
    if (status.mode === 'hosting') events.unshift({ type: 'roster', clients: snapshot.roster });
    const fresh = { ...state, lines: [], transcriptChars: 0, presentPeers: new Set<string>() };
    return { ...reduceEvents(fresh, events, Date.now()), ready: true, preferences };
  });
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
    presentPeers: fresh.presentPeers,
    reconnecting: null,
    notices: [],
    sendError: null,
    startError: null,
    cancelRequested: false,
  });
}

/** The Host/Join choice on the start screen; kept here so it survives the screen remounting. */
export function chooseStartMode(mode: Mode): void {
  set({ startMode: mode, startError: null });
}

export async function hostChat(port: number, scope: HostScope): Promise<boolean> {
  if (get().pending) return false;
  clearRoom();
  set({ pending: { kind: 'host', port } });
  const result = await call(() => getBridge().host({ port, scope }));
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

export async function joinChat(address: string): Promise<boolean> {
  if (get().pending) return false;
  clearRoom();
  set({ pending: { kind: 'join', address } });
  const result = await call(() => getBridge().join({ address }));
  acceptStatus(result);
  const cancelled = get().cancelRequested;
  if (!result.ok) {
    set({
      pending: null,
      cancelRequested: false,
      startError: cancelled ? null : { mode: 'join', message: result.error },
    });
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

export async function leaveChat(): Promise<void> {
  const result = await call(() => getBridge().leave());
  acceptStatus(result);
  if (!result.ok) {
    pushNotice('error', `Could not leave: ${result.error}`);
    return;
  }
  set({ sendError: null });
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

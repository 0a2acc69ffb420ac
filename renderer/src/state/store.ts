import { create } from 'zustand';
import type {
  Advice,
  BridgeEvent,
  KeyWarning,
  ChatLine,
  ClientInfo,
  DiscoveredRoom,
  HistoryLine,
  HistoryStatus,
  HistoryView,
  Mode,
  NetworkHost,
  Preferences,
  RoomAddress,
  SearchResults,
  SearchScope,
  SessionStatus,
  Snapshot,
  UnreadInfo,
} from '../../../main/common/ipc-contract';
import { applyRosterChanges } from '../../../main/common/roster';
import { parseServerNotice } from '../../../main/common/server-notice';

/** Lines kept in memory; older ones are dropped so a long session stays flat in memory. */
export const MAX_TRANSCRIPT_LINES = 10_000;
/** …and characters (text and labels): 10,000 lines of 8 KiB would be most of a gigabyte. */
export const MAX_TRANSCRIPT_CHARS = 4_000_000;
/** People a joiner counts from join notices; a host inventing thousands is not believed further. */
export const MAX_PRESENT_PEERS = 10_000;
/** People's names remembered (peer -> name); the oldest go first when a room invents more. */
export const MAX_KNOWN_NAMES = 1000;
/** Lines remembered for Up-arrow recall. */
export const MAX_SENT_HISTORY = 200;
/** Notices kept on screen at once; older ones are dropped. */
export const MAX_NOTICES = 4;

export interface ReconnectInfo {
  attempt: number;
  delayMs: number;
  reason: string;
  /** Epoch ms when the next try starts (arrival time + delay), for the countdown. */
  nextTryAt: number;
}

/** A joined room's password: it asks for one, or it turned the one given away (`message` says why). */
export interface PasswordState {
  address: string;
  state: 'required' | 'refused';
  message: string | null;
}

export interface Notice {
  id: number;
  level: 'info' | 'error';
  message: string;
  at: number;
}

/** A transcript line: live, or from the history (then it carries its history id). */
export interface TranscriptLine extends ChatLine {
  historyId?: number;
}

/**
 * History lines that did not arrive live in this window (earlier visits) get seqs below
 * every live one, in id order, so the transcript stays one list ordered by seq.
 */
export const HISTORY_SEQ_OFFSET = 2 ** 52;

export function historySeq(id: number): number {
  return id - HISTORY_SEQ_OFFSET;
}

/** A stored line as a transcript line; `seq` when it is also one of this window's live lines. */
export function transcriptLineOf(line: HistoryLine, seq: number | null = null): TranscriptLine {
  const shown: TranscriptLine = {
    seq: seq ?? historySeq(line.id),
    kind: line.kind,
    peer: line.sender,
    text: line.text,
    at: line.at,
    self: line.ours,
    historyId: line.id,
  };
  // The history keeps what the server said as text: read it back as the session did.
  const notice = line.kind === 'notice' ? parseServerNotice(line.text) : null;
  if (notice !== null) return { ...shown, notice };
  return line.kind === 'notice' ? { ...shown, kind: 'raw' } : shown;
}

/** Where the transcript stands with the room's history. */
export interface HistoryPaging {
  /** Id of the oldest history line shown: older pages start below it; null when none is shown. */
  cursor: number | null;
  hasMore: boolean;
  loading: boolean;
  /** Lines with a seq up to this are from before this visit ("earlier" history); null: none shown. */
  earlierThroughSeq: number | null;
  /** Live lines up to this seq came with the history; copies arriving later are dropped. */
  throughSeq: number;
}

export function initialPaging(): HistoryPaging {
  return { cursor: null, hasMore: false, loading: false, earlierThroughSeq: null, throughSeq: 0 };
}

export interface SearchState {
  open: boolean;
  query: string;
  scope: SearchScope;
  results: SearchResults | null;
  loading: boolean;
  error: string | null;
}

/** A search hit shown in its context, instead of the live transcript. */
export interface ContextState {
  room: RoomAddress;
  lines: HistoryLine[];
  targetId: number;
  hasOlder: boolean;
  hasNewer: boolean;
  loading: boolean;
  error: string | null;
}

/** A host or join the user started that has not answered yet. */
export type PendingStart = { kind: 'host'; port: number } | { kind: 'join'; address: string };

export interface StartError {
  mode: Mode;
  message: string;
  /** A failed join: why, in a plain sentence, and what to try (with a test command to copy). */
  help?: Advice;
  /** A join stopped because the host is not the one this computer knew (its key changed, or it went plain). */
  keyWarning?: KeyWarning;
}

export interface ChatState {
  /** False until the first snapshot arrived. */
  ready: boolean;
  /** Set when the renderer cannot work at all (no bridge, snapshot failed). */
  fatalError: string | null;
  /** Main's status; only ever copied from main (events, call answers, the snapshot). */
  status: SessionStatus;
  /** The revision of `status`: an older report (a late snapshot or answer) never overwrites it. */
  statusRevision: number;
  preferences: Preferences | null;
  /** The room name main suggests ("<user>'s room on <hostname>"). */
  defaultRoomName: string;
  /** This machine's network addresses as main last read them: what the Host form previews. */
  networkHosts: NetworkHost[];
  /** Rooms on the network, while the Join screen looks for them (main's list, as it sent it). */
  rooms: DiscoveredRoom[];
  /** In seq order, each seq once (history lines of earlier visits first, see historySeq). */
  lines: TranscriptLine[];
  /** Characters of text and labels in `lines` (see MAX_TRANSCRIPT_CHARS). */
  transcriptChars: number;
  /** Lines dropped from the front of `lines` to respect MAX_TRANSCRIPT_LINES and MAX_TRANSCRIPT_CHARS. */
  droppedLines: number;
  /** Who is in the room: the host's server's list, or a joiner's roster from the wire (see rosterPartial). */
  roster: ClientInfo[];
  /** Epoch ms when the roster last changed. */
  rosterAt: number;
  /** The roster is only the people seen since the user joined (a room that gives no list). */
  rosterPartial: boolean;
  /** Addresses whose lines this window hides (kept in history, shown as "N lines hidden"), for this room. */
  ignored: ReadonlySet<string>;
  /** Seqs of hidden lines the user chose to see anyway. */
  revealed: ReadonlySet<number>;
  /**
   * Peers a joiner has seen arrive (or talk) and not leave, excluding itself. The server sends
   * no list, so this is only as good as the notices that reached us.
   */
  presentPeers: ReadonlySet<string>;
  /** People's names (`IP:port` -> name), as the server's name lines told them; at most MAX_KNOWN_NAMES. */
  names: ReadonlyMap<string, string>;
  /** The room's topic, as the server's topic lines told it; null when none. */
  topic: string | null;
  reconnecting: ReconnectInfo | null;
  /** The joined room asks for its password, or refused it; null otherwise. */
  password: PasswordState | null;
  notices: Notice[];
  nextNoticeId: number;
  pending: PendingStart | null;
  /** True once Cancel was pressed for the pending join: its failure is then not an error. */
  cancelRequested: boolean;
  startError: StartError | null;
  /** Host or Join on the start screen; null until the user picks (then preferences decide). */
  startMode: Mode | null;
  sendError: string | null;
  /** Oldest first. */
  sentHistory: string[];
  /** The history's state in main (null until the snapshot). */
  history: HistoryStatus | null;
  paging: HistoryPaging;
  unread: UnreadInfo;
  /** A live line to bring into view (a notification was clicked); the nonce tells repeats apart. */
  jump: { seq: number; nonce: number } | null;
  /** Why desktop notifications do not show, for Settings; null when none failed. */
  notificationProblem: string | null;
  search: SearchState;
  context: ContextState | null;
  settingsOpen: boolean;
  /** The name editor by the composer is open. */
  nameEditing: boolean;
  /** What the window last told main about what the user sees. */
  focused: boolean;
  atBottom: boolean;
}

export function initialChatState(): ChatState {
  return {
    ready: false,
    fatalError: null,
    status: { mode: 'idle' },
    statusRevision: 0,
    preferences: null,
    defaultRoomName: '',
    networkHosts: [],
    rooms: [],
    lines: [],
    transcriptChars: 0,
    droppedLines: 0,
    roster: [],
    rosterAt: 0,
    rosterPartial: false,
    ignored: new Set(),
    revealed: new Set(),
    presentPeers: new Set(),
    names: new Map(),
    topic: null,
    reconnecting: null,
    password: null,
    notices: [],
    nextNoticeId: 1,
    pending: null,
    cancelRequested: false,
    startError: null,
    startMode: null,
    sendError: null,
    sentHistory: [],
    history: null,
    paging: initialPaging(),
    unread: { count: 0, mentions: 0, firstUnreadSeq: null },
    jump: null,
    notificationProblem: null,
    search: { open: false, query: '', scope: 'room', results: null, loading: false, error: null },
    context: null,
    settingsOpen: false,
    nameEditing: false,
    focused: true,
    atBottom: true,
  };
}

type EventFields = Pick<
  ChatState,
  | 'status'
  | 'statusRevision'
  | 'lines'
  | 'transcriptChars'
  | 'droppedLines'
  | 'roster'
  | 'rosterAt'
  | 'rosterPartial'
  | 'presentPeers'
  | 'names'
  | 'topic'
  | 'reconnecting'
  | 'password'
  | 'notices'
  | 'nextNoticeId'
  | 'rooms'
  | 'history'
  | 'paging'
  | 'unread'
  | 'jump'
  | 'notificationProblem'
>;

/**
 * Folds one batch of bridge events into the state. Pure: `now` is passed in so tests can pin
 * it. Arrays are copied once per batch, not once per event, so a burst stays cheap.
 */
export function reduceEvents(state: EventFields, events: readonly BridgeEvent[], now: number): EventFields {
  let { status, statusRevision, roster, rosterAt, rosterPartial, reconnecting, password, notices, nextNoticeId, rooms, history, paging, unread, jump, notificationProblem } = state;
  let newLines: TranscriptLine[] | null = null;
  // Lines come in seq order; one seen already (a reloaded page gets some twice) is skipped.
  let lastSeq = state.lines[state.lines.length - 1]?.seq ?? Number.NEGATIVE_INFINITY;
  let peers: Set<string> | null = null;
  const editPeers = (): Set<string> => (peers ??= new Set(state.presentPeers));
  let names: Map<string, string> | null = null;
  let topic = state.topic;

  for (const event of events) {
    switch (event.type) {
      case 'status': {
        if (event.revision <= statusRevision) break;
        const wasActive = status.mode !== 'idle';
        status = event.status;
        statusRevision = event.revision;
        if (status.mode === 'idle' || status.connection === 'connected') reconnecting = null;
        if (status.mode === 'idle' && wasActive) {
          roster = [];
          rosterPartial = false;
          peers = new Set();
          names = new Map();
          topic = null;
        }
        break;
      }
      case 'lines': {
        newLines ??= [];
        for (const line of event.lines) {
          // Already shown: it came with the room's history, or earlier (a reload, a snapshot).
          if (line.seq <= paging.throughSeq || line.seq <= lastSeq) continue;
          lastSeq = line.seq;
          newLines.push(line);
          if (line.kind === 'notice') {
            ({ names, topic } = foldNotice(names ?? state.names, names !== null, topic, line));
            continue;
          }
          if (line.self || line.peer === '') continue;
          if (line.kind === 'disconnected') editPeers().delete(line.peer);
          else if (!(peers ?? state.presentPeers).has(line.peer) && (peers ?? state.presentPeers).size < MAX_PRESENT_PEERS) {
            editPeers().add(line.peer);
          }
        }
        break;
      }
      case 'roster':
        roster = event.clients;
        rosterPartial = event.partial === true;
        rosterAt = now;
        names = withRosterNames(names ?? state.names, names !== null, event.clients);
        break;
      case 'roster-changes':
        roster = applyRosterChanges(roster, event);
        rosterAt = now;
        if (event.joined.some((client) => client.name !== undefined)) names = withRosterNames(names ?? state.names, names !== null, event.joined);
        break;
      case 'reconnecting':
        reconnecting = {
          attempt: event.attempt,
          delayMs: event.delayMs,
          reason: event.reason,
          nextTryAt: now + event.delayMs,
        };
        break;
      case 'password':
        password = event.state === 'accepted' ? null : { address: event.address, state: event.state, message: event.message };
        break;
      case 'notice':
        notices = [...notices, { id: nextNoticeId, level: event.level, message: event.message, at: now }].slice(
          -MAX_NOTICES,
        );
        nextNoticeId += 1;
        break;
      case 'rooms':
        rooms = event.rooms;
        break;
      case 'history':
        history = event.status;
        break;
      case 'unread':
        unread = { count: event.count, mentions: event.mentions, firstUnreadSeq: event.firstUnreadSeq };
        break;
      case 'jump':
        jump = { seq: event.seq, nonce: (jump?.nonce ?? 0) + 1 };
        break;
      case 'notifications':
        notificationProblem = event.problem;
        break;
    }
  }

  let { lines, transcriptChars, droppedLines } = state;
  if (newLines) {
    ({ lines, transcriptChars, droppedLines } = appendLines(state, newLines));
    // History lines fell off the top: older pages now start below the new first line, if it
    // came from the history; otherwise the history can no longer be paged without a gap.
    if (droppedLines > state.droppedLines && paging.cursor !== null) paging = pagingAfterDrop(paging, lines);
  }

  // Our own address may be learnt late; never count ourselves among the others.
  const self = status.mode === 'idle' ? null : status.self;
  if (self !== null && (peers ?? state.presentPeers).has(self)) editPeers().delete(self);

  return {
    status,
    statusRevision,
    lines,
    transcriptChars,
    droppedLines,
    roster,
    rosterAt,
    rosterPartial,
    presentPeers: peers ?? state.presentPeers,
    names: names ?? state.names,
    topic,
    reconnecting,
    password,
    notices,
    nextNoticeId,
    rooms,
    history,
    paging,
    unread,
    jump,
    notificationProblem,
  };
}

/**
 * What the server says about people and the room (a 'notice' line; never a member's line,
 * those are 'message'): the names and topic after it. `owned`: `names` may be changed in place.
 */
function foldNotice(
  names: ReadonlyMap<string, string>,
  owned: boolean,
  topic: string | null,
  line: ChatLine,
): { names: Map<string, string> | null; topic: string | null } {
  const notice = line.notice;
  const mine = owned ? (names as Map<string, string>) : null;
  if (notice?.kind === 'name') return { names: withName(mine ?? new Map(names), notice.peer, notice.name), topic };
  if (notice?.kind === 'topic') return { names: mine, topic: notice.topic };
  return { names: mine, topic };
}

/** `names` with the names a `/who` answer gave (a joiner's roster); null when it gave none. `owned`: may be changed in place. */
function withRosterNames(names: ReadonlyMap<string, string>, owned: boolean, clients: readonly ClientInfo[]): Map<string, string> | null {
  let mine = owned ? (names as Map<string, string>) : null;
  for (const client of clients) {
    if (client.name === undefined || names.get(client.peer) === client.name) continue;
    mine = withName(mine ?? new Map(names), client.peer, client.name);
  }
  return mine;
}

/** `names` with `peer`'s name set (null: dropped), the oldest forgotten past MAX_KNOWN_NAMES. */
function withName(names: Map<string, string>, peer: string, name: string | null): Map<string, string> {
  names.delete(peer);
  if (name === null) return names;
  names.set(peer, name);
  for (const oldest of names.keys()) {
    if (names.size <= MAX_KNOWN_NAMES) break;
    names.delete(oldest);
  }
  return names;
}

/** Where paging stands once the front of `lines` was dropped (see reduceEvents). */
function pagingAfterDrop(paging: HistoryPaging, lines: readonly TranscriptLine[]): HistoryPaging {
  const first = lines[0]?.historyId;
  return first === undefined ? { ...paging, cursor: null, hasMore: false } : { ...paging, cursor: first };
}

/** `a` and `b` (each in seq order) as one list in seq order; a seq in both is kept once, from `a`. */
function mergeBySeq(a: readonly TranscriptLine[], b: readonly TranscriptLine[]): TranscriptLine[] {
  const merged: TranscriptLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const left = a[i];
    const right = b[j];
    if (right === undefined || (left !== undefined && left.seq <= right.seq)) {
      merged.push(left!);
      i += 1;
      if (right !== undefined && right.seq === left!.seq) j += 1;
    } else {
      merged.push(right);
      j += 1;
    }
  }
  return merged;
}

/** A list in seq order, each seq once (a history page is in id order; seqs follow it but not always). */
function inSeqOrder(lines: TranscriptLine[]): TranscriptLine[] {
  if (lines.every((line, index) => index === 0 || line.seq > lines[index - 1]!.seq)) return lines;
  const sorted = [...lines].sort((x, y) => x.seq - y.seq);
  return sorted.filter((line, index) => index === 0 || line.seq !== sorted[index - 1]!.seq);
}

/** `lines` held to the transcript's caps (the oldest go), with its character count. */
function withinCaps(lines: TranscriptLine[], droppedLines: number): Pick<ChatState, 'lines' | 'transcriptChars' | 'droppedLines'> {
  return appendLines({ lines: [], transcriptChars: 0, droppedLines }, lines);
}

/**
 * The room's newest history in place of what the transcript showed: the page, then the live
 * lines it does not hold yet (a live line is kept once, by seq, even when the history holds it
 * beyond `liveSeq`). Earlier pages loaded before are dropped (the cursor restarts). A 'skipped'
 * line main sent for lines the window could not keep up with goes too when the history has them.
 */
export function withRecentHistory(
  state: Pick<ChatState, 'lines' | 'paging' | 'droppedLines' | 'names' | 'topic'>,
  view: HistoryView,
): Pick<ChatState, 'lines' | 'paging' | 'transcriptChars' | 'droppedLines' | 'names' | 'topic'> {
  const historyLines = inSeqOrder(view.lines.map((line) => transcriptLineOf(line, line.seq)));
  // Lines of this visit that came with the history are not folded as live ones: fold their notices here.
  let names: Map<string, string> | null = null;
  let topic = state.topic;
  const foldedLive = new Set<number>();
  for (const line of state.lines) if (line.kind === 'notice' && line.historyId === undefined) foldedLive.add(line.seq);
  for (const line of historyLines) {
    // This visit's lines only (earlier visits' seqs are below 0), each once.
    if (line.kind !== 'notice' || line.seq <= 0 || line.seq <= state.paging.throughSeq || foldedLive.has(line.seq)) continue;
    ({ names, topic } = foldNotice(names ?? state.names, names !== null, topic, line));
  }
  const throughSeq = Math.max(state.paging.throughSeq, view.liveSeq);
  const live = state.lines.filter((line) => line.historyId === undefined && line.seq > throughSeq);
  const capped = withinCaps(mergeBySeq(historyLines, live), state.droppedLines);
  const paging: HistoryPaging = {
    cursor: view.lines[0]?.id ?? null,
    hasMore: view.hasMore,
    loading: false,
    earlierThroughSeq: view.visitStartId > 0 ? historySeq(view.visitStartId) : null,
    throughSeq,
  };
  return {
    ...capped,
    paging: capped.droppedLines > state.droppedLines ? pagingAfterDrop(paging, capped.lines) : paging,
    names: names ?? state.names,
    topic,
  };
}

/** An older page of the room's history on top of what is shown. */
export function withOlderHistory(
  state: Pick<ChatState, 'lines' | 'paging' | 'transcriptChars'>,
  view: HistoryView,
): Pick<ChatState, 'lines' | 'paging' | 'transcriptChars'> {
  const firstShown = state.lines[0]?.seq ?? Number.POSITIVE_INFINITY;
  const older = inSeqOrder(view.lines.map((line) => transcriptLineOf(line, line.seq)).filter((line) => line.seq < firstShown));
  let transcriptChars = state.transcriptChars;
  for (const line of older) transcriptChars += lineChars(line);
  // Asked for by scrolling up, a page at a time; the next live lines hold the caps again.
  return {
    lines: older.concat(state.lines),
    transcriptChars,
    paging: {
      ...state.paging,
      cursor: view.lines[0]?.id ?? state.paging.cursor,
      hasMore: view.hasMore,
      loading: false,
      earlierThroughSeq: view.visitStartId > 0 ? historySeq(view.visitStartId) : state.paging.earlierThroughSeq,
    },
  };
}

function lineChars(line: ChatLine): number {
  return line.text.length + line.peer.length;
}

/**
 * `lines` followed by `added`, with the oldest dropped so both caps hold (MAX_TRANSCRIPT_LINES,
 * MAX_TRANSCRIPT_CHARS). One copy per call, however many lines are dropped or added.
 */
export function appendLines(
  state: Pick<ChatState, 'lines' | 'transcriptChars' | 'droppedLines'>,
  added: readonly TranscriptLine[],
): Pick<ChatState, 'lines' | 'transcriptChars' | 'droppedLines'> {
  if (added.length === 0) return state;
  const old = state.lines;
  let chars = state.transcriptChars;
  for (const line of added) chars += lineChars(line);
  const total = old.length + added.length;
  // Drop from the front of old ++ added until both caps hold; always keep the newest line.
  let drop = Math.max(0, total - MAX_TRANSCRIPT_LINES);
  for (let i = 0; i < drop; i += 1) chars -= lineChars(i < old.length ? old[i]! : added[i - old.length]!);
  while (chars > MAX_TRANSCRIPT_CHARS && drop < total - 1) {
    chars -= lineChars(drop < old.length ? old[drop]! : added[drop - old.length]!);
    drop += 1;
  }
  const lines = drop >= old.length ? added.slice(drop - old.length) : drop > 0 ? old.slice(drop).concat(added) : old.concat(added);
  return { lines, transcriptChars: chars, droppedLines: state.droppedLines + drop };
}

/**
 * The room as a snapshot brings it back (a reloaded page, a renderer that crashed): its recent
 * lines merged by seq into what is shown — history lines and live lines that came since stay,
 * lines the history shows already are not shown twice — and the roster. Where history is
 * available, loadRecentHistory then puts the room's newest history in their place.
 */
export function withSnapshot(state: ChatState, snapshot: Pick<Snapshot, 'status' | 'lines' | 'roster' | 'rosterPartial'>, now: number): EventFields {
  const recent = snapshot.lines.filter((line) => line.seq > state.paging.throughSeq);
  const merged = mergeBySeq(state.lines, recent);
  // Folded afresh, so the people a joiner counts come from every live line of this visit
  // (history lines of earlier visits, below seq 0, are not about who is here now).
  const events: BridgeEvent[] = [{ type: 'lines', lines: merged.filter((line) => line.seq > 0) }];
  if (snapshot.status.mode !== 'idle') events.unshift({ type: 'roster', clients: snapshot.roster, ...(snapshot.rosterPartial && { partial: true as const }) });
  const folded = reduceEvents(
    { ...state, lines: [], transcriptChars: 0, presentPeers: new Set<string>(), names: new Map<string, string>(), paging: { ...state.paging, throughSeq: Number.NEGATIVE_INFINITY } },
    events,
    now,
  );
  const capped = withinCaps(merged, state.droppedLines);
  const paging = capped.droppedLines > state.droppedLines && state.paging.cursor !== null ? pagingAfterDrop(state.paging, capped.lines) : state.paging;
  return { ...folded, ...capped, paging };
}

/** How many people are in the room, as far as this app can tell (including the user). */
export function peopleCount(state: Pick<ChatState, 'status' | 'roster' | 'presentPeers'>): number | null {
  const { status } = state;
  if (status.mode === 'idle') return null;
  // The host's own window is a client of its own server, so it is in the roster already.
  if (status.mode === 'hosting') return Math.max(state.roster.length, 1);
  // A joiner's roster holds the user too; before it came, the people seen arriving or talking.
  return state.roster.length > 0 ? state.roster.length : state.presentPeers.size + 1;
}

export const useChatStore = create<ChatState>()(() => initialChatState());

export function applyBridgeEvents(events: readonly BridgeEvent[], now: number = Date.now()): void {
  useChatStore.setState((state) => reduceEvents(state, events, now));
}

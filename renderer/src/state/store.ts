import { create } from 'zustand';
import type {
  Advice,
  BridgeEvent,
  ChatLine,
  ClientInfo,
  DiscoveredRoom,
  HistoryLine,
  HistoryStatus,
  HistoryView,
  Mode,
  Preferences,
  RoomAddress,
  SearchResults,
  SearchScope,
  SessionStatus,
  UnreadInfo,
} from '../../../main/common/ipc-contract';
import { applyRosterChanges } from '../../../main/common/roster';

/** Lines kept in memory; older ones are dropped so a long session stays flat in memory. */
export const MAX_TRANSCRIPT_LINES = 10_000;
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

const KIND_OF = { message: 'message', join: 'connected', leave: 'disconnected', system: 'raw' } as const;

/** A stored line as a transcript line; `seq` when it is also one of this window's live lines. */
export function transcriptLineOf(line: HistoryLine, seq: number | null = null): TranscriptLine {
  return {
    seq: seq ?? historySeq(line.id),
    kind: KIND_OF[line.kind],
    peer: line.sender,
    text: line.text,
    at: line.at,
    self: line.ours,
    historyId: line.id,
  };
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
  /** Rooms on the network, while the Join screen looks for them (main's list, as it sent it). */
  rooms: DiscoveredRoom[];
  lines: TranscriptLine[];
  /** Lines dropped from the front of `lines` to respect MAX_TRANSCRIPT_LINES. */
  droppedLines: number;
  roster: ClientInfo[];
  /** Epoch ms when the roster last changed: "connected for how long" is measured up to at least then. */
  rosterAt: number;
  /**
   * Peers a joiner has seen arrive (or talk) and not leave, excluding itself. The server sends
   * no list, so this is only as good as the notices that reached us.
   */
  presentPeers: ReadonlySet<string>;
  reconnecting: ReconnectInfo | null;
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
  search: SearchState;
  context: ContextState | null;
  settingsOpen: boolean;
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
    rooms: [],
    lines: [],
    droppedLines: 0,
    roster: [],
    rosterAt: 0,
    presentPeers: new Set(),
    reconnecting: null,
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
    search: { open: false, query: '', scope: 'room', results: null, loading: false, error: null },
    context: null,
    settingsOpen: false,
    focused: true,
    atBottom: true,
  };
}

type EventFields = Pick<
  ChatState,
  | 'status'
  | 'statusRevision'
  | 'lines'
  | 'droppedLines'
  | 'roster'
  | 'rosterAt'
  | 'presentPeers'
  | 'reconnecting'
  | 'notices'
  | 'nextNoticeId'
  | 'rooms'
  | 'history'
  | 'paging'
  | 'unread'
  | 'jump'
>;

/**
 * Folds one batch of bridge events into the state. Pure: `now` is passed in so tests can pin
 * it. Arrays are copied once per batch, not once per event, so a burst stays cheap.
 */
export function reduceEvents(state: EventFields, events: readonly BridgeEvent[], now: number): EventFields {
  let { status, statusRevision, roster, rosterAt, reconnecting, notices, nextNoticeId, droppedLines, rooms, history, paging, unread, jump } = state;
  let newLines: TranscriptLine[] | null = null;
  let peers: Set<string> | null = null;
  const editPeers = (): Set<string> => (peers ??= new Set(state.presentPeers));

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
          peers = new Set();
        }
        break;
      }
      case 'lines': {
        newLines ??= [];
        for (const line of event.lines) {
          // Already shown: it came with the room's history.
          if (line.seq <= paging.throughSeq) continue;
          newLines.push(line);
          if (line.self || line.peer === '') continue;
          if (line.kind === 'disconnected') editPeers().delete(line.peer);
          else if (!(peers ?? state.presentPeers).has(line.peer)) editPeers().add(line.peer);
        }
        break;
      }
      case 'roster':
        roster = event.clients;
        rosterAt = now;
        break;
      case 'roster-changes':
        roster = applyRosterChanges(roster, event);
        rosterAt = now;
        break;
      case 'reconnecting':
        reconnecting = {
          attempt: event.attempt,
          delayMs: event.delayMs,
          reason: event.reason,
          nextTryAt: now + event.delayMs,
        };
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
    }
  }

  let lines = state.lines;
  if (newLines && newLines.length > 0) {
    const total = lines.length + newLines.length;
    const excess = total - MAX_TRANSCRIPT_LINES;
    if (excess <= 0) {
      lines = lines.concat(newLines);
    } else if (excess >= lines.length) {
      lines = newLines.slice(newLines.length - MAX_TRANSCRIPT_LINES);
    } else {
      lines = lines.slice(excess).concat(newLines);
    }
    droppedLines += excess > 0 ? excess : 0;
    // History lines fell off the top: older pages now start below the new first line, if it
    // came from the history; otherwise the history can no longer be paged without a gap.
    if (excess > 0 && paging.cursor !== null) {
      const first = lines[0]?.historyId;
      paging = first === undefined ? { ...paging, cursor: null, hasMore: false } : { ...paging, cursor: first };
    }
  }

  // Our own address may be learnt late; never count ourselves among the others.
  const self = status.mode === 'idle' ? null : status.self;
  if (self !== null && (peers ?? state.presentPeers).has(self)) editPeers().delete(self);

  return {
    status,
    statusRevision,
    lines,
    droppedLines,
    roster,
    rosterAt,
    presentPeers: peers ?? state.presentPeers,
    reconnecting,
    notices,
    nextNoticeId,
    rooms,
    history,
    paging,
    unread,
    jump,
  };
}

/**
 * The room's newest history in place of what the transcript showed: the page, then the live
 * lines it does not hold yet. Earlier pages loaded before are dropped (the cursor restarts).
 */
export function withRecentHistory(state: Pick<ChatState, 'lines' | 'paging'>, view: HistoryView): Pick<ChatState, 'lines' | 'paging'> {
  const historyLines = view.lines.map((line) => transcriptLineOf(line, line.seq));
  const throughSeq = Math.max(state.paging.throughSeq, view.liveSeq);
  const live = state.lines.filter((line) => line.historyId === undefined && line.seq > throughSeq);
  return {
    lines: historyLines.concat(live),
    paging: {
      cursor: view.lines[0]?.id ?? null,
      hasMore: view.hasMore,
      loading: false,
      earlierThroughSeq: view.visitStartId > 0 ? historySeq(view.visitStartId) : null,
      throughSeq,
    },
  };
}

/** An older page of the room's history on top of what is shown. */
export function withOlderHistory(state: Pick<ChatState, 'lines' | 'paging'>, view: HistoryView): Pick<ChatState, 'lines' | 'paging'> {
  const firstShown = state.lines[0]?.seq ?? Number.POSITIVE_INFINITY;
  const older = view.lines.map((line) => transcriptLineOf(line, line.seq)).filter((line) => line.seq < firstShown);
  return {
    lines: older.concat(state.lines),
    paging: {
      ...state.paging,
      cursor: view.lines[0]?.id ?? state.paging.cursor,
      hasMore: view.hasMore,
      loading: false,
      earlierThroughSeq: view.visitStartId > 0 ? historySeq(view.visitStartId) : state.paging.earlierThroughSeq,
    },
  };
}

/** How many people are in the room, as far as this app can tell (including the user). */
export function peopleCount(state: Pick<ChatState, 'status' | 'roster' | 'presentPeers'>): number | null {
  const { status } = state;
  if (status.mode === 'idle') return null;
  // The host's own window is a client of its own server, so it is in the roster already.
  if (status.mode === 'hosting') return Math.max(state.roster.length, 1);
  return state.presentPeers.size + 1;
}

export const useChatStore = create<ChatState>()(() => initialChatState());

export function applyBridgeEvents(events: readonly BridgeEvent[], now: number = Date.now()): void {
  useChatStore.setState((state) => reduceEvents(state, events, now));
}

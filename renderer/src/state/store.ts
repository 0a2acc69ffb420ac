import { create } from 'zustand';
import type {
  BridgeEvent,
  ChatLine,
  ClientInfo,
  Mode,
  Preferences,
  SessionStatus,
} from '../../../main/common/ipc-contract';
import { applyRosterChanges } from '../../../main/common/roster';

/** Lines kept in memory; older ones are dropped so a long session stays flat in memory. */
export const MAX_TRANSCRIPT_LINES = 10_000;
/** …and characters (text and labels): 10,000 lines of 8 KiB would be most of a gigabyte. */
export const MAX_TRANSCRIPT_CHARS = 4_000_000;
/** People a joiner counts from join notices; a host inventing thousands is not believed further. */
export const MAX_PRESENT_PEERS = 10_000;
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

/** A host or join the user started that has not answered yet. */
export type PendingStart = { kind: 'host'; port: number } | { kind: 'join'; address: string };

export interface StartError {
  mode: Mode;
  message: string;
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
  lines: ChatLine[];
  /** Characters of text and labels in `lines` (see MAX_TRANSCRIPT_CHARS). */
  transcriptChars: number;
  /** Lines dropped from the front of `lines` to respect MAX_TRANSCRIPT_LINES and MAX_TRANSCRIPT_CHARS. */
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
}

export function initialChatState(): ChatState {
  return {
    ready: false,
    fatalError: null,
    status: { mode: 'idle' },
    statusRevision: 0,
    preferences: null,
    lines: [],
    transcriptChars: 0,
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
  | 'presentPeers'
  | 'reconnecting'
  | 'notices'
  | 'nextNoticeId'
>;

/**
 * Folds one batch of bridge events into the state. Pure: `now` is passed in so tests can pin
 * it. Arrays are copied once per batch, not once per event, so a burst stays cheap.
 */
export function reduceEvents(state: EventFields, events: readonly BridgeEvent[], now: number): EventFields {
  let { status, statusRevision, roster, rosterAt, reconnecting, notices, nextNoticeId } = state;
  let newLines: ChatLine[] | null = null;
  // Lines come in seq order; one seen already (a reloaded page gets some twice) is skipped.
  let lastSeq = state.lines[state.lines.length - 1]?.seq ?? Number.NEGATIVE_INFINITY;
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
          if (line.seq <= lastSeq) continue;
          lastSeq = line.seq;
          newLines.push(line);
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
    }
  }

  const { lines, transcriptChars, droppedLines } = newLines ? appendLines(state, newLines) : state;

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
    presentPeers: peers ?? state.presentPeers,
    reconnecting,
    notices,
    nextNoticeId,
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
  added: readonly ChatLine[],
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

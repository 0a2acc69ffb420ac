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
}

export function initialChatState(): ChatState {
  return {
    ready: false,
    fatalError: null,
    status: { mode: 'idle' },
    statusRevision: 0,
    preferences: null,
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
>;

/**
 * Folds one batch of bridge events into the state. Pure: `now` is passed in so tests can pin
 * it. Arrays are copied once per batch, not once per event, so a burst stays cheap.
 */
export function reduceEvents(state: EventFields, events: readonly BridgeEvent[], now: number): EventFields {
  let { status, statusRevision, roster, rosterAt, reconnecting, notices, nextNoticeId, droppedLines } = state;
  let newLines: ChatLine[] | null = null;
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

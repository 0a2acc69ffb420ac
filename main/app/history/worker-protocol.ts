/**
 * Messages between HistoryService (main thread) and the history worker. The worker owns
 * the TranscriptStore; main only posts lines and requests, so no SQLite work ever runs on
 * the thread that also runs the chat server and answers the window.
 */
import type { HistoryStatus, NewHistoryLine, RoomAddress } from '../../common/history';
import type { HistoryStoreEvent, TranscriptStore, TranscriptStoreOptions } from './store';

/** The store methods a request may call (everything but append, close and events). */
export const WORKER_METHODS = [
  'pageBefore',
  'pageAfter',
  'context',
  'search',
  'lastId',
  'exportRoom',
  'setRetention',
  'clearRoom',
  'clearAll',
  'stats',
] as const satisfies readonly (keyof TranscriptStore)[];

export type WorkerMethod = (typeof WORKER_METHODS)[number];

/** A line as posted: a tuple is a third of the cost of an object to copy between threads. */
export type LineTuple = [at: number, sender: string, text: string, kind: NewHistoryLine['kind'], ours: 0 | 1];

export type ToWorker =
  /** `name`: the room's name when known (stored with it), else null. */
  | { type: 'append'; id: number; room: RoomAddress; name: string | null; lines: LineTuple[] }
  | { type: 'call'; id: number; method: WorkerMethod; args: unknown[] }
  | { type: 'close'; id: number };

export type FromWorker =
  | { type: 'ready'; status: HistoryStatus; notices: string[] }
  | { type: 'appended'; id: number; firstId: number | null; count: number }
  | { type: 'reply'; id: number; value: unknown }
  | { type: 'failed'; id: number; error: string }
  | { type: 'event'; event: HistoryStoreEvent }
  | { type: 'closed'; id: number };

export type WorkerStartOptions = Omit<TranscriptStoreOptions, 'now'>;

export function toTuple(line: NewHistoryLine): LineTuple {
  return [line.at, line.sender, line.text, line.kind, line.ours ? 1 : 0];
}

export function fromTuple(tuple: LineTuple): NewHistoryLine {
  return { at: tuple[0], sender: tuple[1], text: tuple[2], kind: tuple[3], ours: tuple[4] === 1 };
}

/**
 * The history worker's entry point (a worker_threads Worker started by HistoryService):
 * opens the TranscriptStore named in workerData and serves HistoryService's messages.
 *
 * Appends queue up and are written together once the current burst of messages has been
 * read, grouped per room: a worker that fell behind catches up in a few transactions
 * instead of one per batch. Every request first writes what is queued, so it sees every
 * line posted before it.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { RoomAddress } from '../../common/history';
import { TranscriptStore } from './store';
import {
  fromTuple,
  WORKER_METHODS,
  type FromWorker,
  type LineTuple,
  type ToWorker,
  type WorkerMethod,
  type WorkerStartOptions,
} from './worker-protocol';

interface QueuedAppend {
  id: number;
  room: RoomAddress;
  name: string | null;
  lines: LineTuple[];
}

/**
 * History can wait; the chat cannot. On Linux a thread has its own nice value, and
 * /proc/thread-self names this thread's id: lower it so that on a busy machine the chat
 * server's thread always gets the CPU first. Elsewhere this is a no-op.
 */
export const WORKER_NICE = 10;

function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    const threadId = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) os.setPriority(threadId, WORKER_NICE);
  } catch {
    // Best effort: an unusual /proc or a sandbox that forbids it leaves the default priority.
  }
}

/** Calls a store method with arguments HistoryService built (main's own code, not the renderer's). */
function callStore(store: TranscriptStore, method: WorkerMethod, args: unknown[]): unknown {
  // `method` was checked against WORKER_METHODS, every one a TranscriptStore method.
  const methods = store as unknown as Record<WorkerMethod, (...values: unknown[]) => unknown>;
  return methods[method](...args);
}

function serve(port: NonNullable<typeof parentPort>, options: WorkerStartOptions): void {
  const post = (message: FromWorker): void => port.postMessage(message);
  const store = TranscriptStore.open(options);
  store.onEvent((event) => post({ type: 'event', event }));
  let queued: QueuedAppend[] = [];
  let flushScheduled = false;

  const flush = (): void => {
    flushScheduled = false;
    const batch = queued;
    queued = [];
    for (let start = 0; start < batch.length; ) {
      const room = batch[start]!.room;
      let end = start + 1;
      while (end < batch.length && batch[end]!.room.host === room.host && batch[end]!.room.port === room.port) end++;
      const group = batch.slice(start, end);
      const name = group.findLast((item) => item.name !== null)?.name ?? null;
      const ids = store.append(room, group.flatMap((item) => item.lines.map(fromTuple)), name);
      let offset = 0;
      for (const item of group) {
        const mine = ids.slice(offset, offset + item.lines.length);
        offset += item.lines.length;
        post({ type: 'appended', id: item.id, firstId: mine[0] ?? null, count: mine.length });
      }
      start = end;
    }
  };

  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'append':
        queued.push({ id: message.id, room: message.room, name: message.name, lines: message.lines });
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
        return;
      case 'call': {
        flush();
        if (!WORKER_METHODS.includes(message.method)) {
          post({ type: 'failed', id: message.id, error: `Unknown history request “${String(message.method).slice(0, 40)}”.` });
          return;
        }
        Promise.resolve()
          .then(() => callStore(store, message.method, message.args))
          .then(
            (value) => post({ type: 'reply', id: message.id, value }),
            (error: unknown) => post({ type: 'failed', id: message.id, error: error instanceof Error ? error.message : String(error) }),
          );
        return;
      }
      case 'close':
        flush();
        store.close();
        post({ type: 'closed', id: message.id });
        port.close();
        return;
    }
  });
  post({ type: 'ready', status: store.status, notices: [...store.startupNotices] });
}

if (parentPort !== null) {
  lowerThreadPriority();
  serve(parentPort, workerData as WorkerStartOptions);
}

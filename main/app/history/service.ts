/**
 * HistoryService: the transcript store as main uses it. The store (SQLite, synchronous)
 * runs on a worker thread; this side posts lines and requests and never blocks, so neither
 * a big write nor a slow search ever holds up the chat server or the window.
 *
 * Like the store it never throws: requests answer with a Result, a worker that dies or
 * stops answering makes history unavailable, and lines posted faster than the worker
 * stores them are bounded (past `maxPendingLines` they are dropped and counted).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type HistoryPage,
  type HistoryRoom,
  type HistoryStatus,
  type LineContext,
  type NewHistoryLine,
  type Retention,
  type RoomAddress,
  type SearchRequest,
  type SearchResults,
} from '../../common/history';
import { fail, type Result } from '../../common/ipc-contract';
import { ListenerSet } from '../../common/listener-set';
import { UNAVAILABLE_PREFIX } from './faults';
import type { AppendStats, ExportSummary, HistoryStoreEvent, HistoryStoreListener, TranscriptStoreOptions } from './store';
import { toTuple, type FromWorker, type ToWorker, type WorkerMethod, type WorkerStartOptions } from './worker-protocol';

/** Where the worker's code is: the built bundle next to main, or the TypeScript source under tsx. */
export interface WorkerEntry {
  file: string;
  execArgv?: string[];
}

export function defaultWorkerEntry(): WorkerEntry {
  const built = path.join(__dirname, 'history-worker.js');
  if (fs.existsSync(built)) return { file: built };
  return { file: path.join(__dirname, 'worker.ts'), execArgv: ['--import', 'tsx'] };
}

export interface HistoryServiceOptions extends Omit<TranscriptStoreOptions, 'now'> {
  worker?: WorkerEntry;
  /** Lines posted but not yet stored, past which new lines are dropped. Default 200,000. */
  maxPendingLines?: number;
  /** Requests waiting for an answer at once; more are refused. Default 256. */
  maxPendingRequests?: number;
  /** How long a request may wait for the worker. Default 30 s. */
  requestTimeoutMs?: number;
  /** How long opening may take. Default 30 s. */
  openTimeoutMs?: number;
}

export interface AppendAck {
  /** Id of the first stored line (the rest follow it), null when none was stored. */
  firstId: number | null;
  count: number;
}

export interface ServiceStats extends AppendStats {
  /** Lines posted and not stored yet. */
  pendingLines: number;
  /** The most lines that were ever posted and not yet stored: how far the store lagged. */
  pendingHighWater: number;
  /** Lines dropped on this side: the worker was too far behind, or history was unavailable. */
  droppedBehind: number;
}

interface PendingRequest {
  resolve: (value: unknown) => void;
  timer: NodeJS.Timeout;
}

interface PendingAppend {
  count: number;
  resolve: (ack: AppendAck) => void;
}

const STOPPED_REASON = 'the history worker stopped.';
const OPENING_REASON = 'history is still opening.';
const CLOSED_REASON = 'history is closed.';
const CLOSE_TIMEOUT_MS = 10_000;

export class HistoryService {
  private readonly worker: Worker;
  private readonly maxPendingLines: number;
  private readonly maxPendingRequests: number;
  private readonly requestTimeoutMs: number;
  private statusValue: HistoryStatus;
  private readonly listeners = new ListenerSet<HistoryStoreEvent>();
  private readonly requests = new Map<number, PendingRequest>();
  private readonly appends = new Map<number, PendingAppend>();
  private nextId = 1;
  private pendingLines = 0;
  private pendingHighWater = 0;
  private droppedBehind = 0;
  private warnedBehind = false;
  private stopped = false;
  private closing: Promise<void> | null = null;
  /** Notices from opening (a damaged file set aside). */
  startupNotices: string[] = [];

  private readonly ready: Promise<void>;
  private markReady: () => void = () => undefined;

  private constructor(entry: WorkerEntry, store: WorkerStartOptions, options: HistoryServiceOptions) {
    this.maxPendingLines = Math.max(1, options.maxPendingLines ?? 200_000);
    this.maxPendingRequests = Math.max(1, options.maxPendingRequests ?? 256);
    this.requestTimeoutMs = Math.max(1, options.requestTimeoutMs ?? 30_000);
    this.statusValue = { available: false, reason: OPENING_REASON, retention: store.retention ?? 'forever' };
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
    this.worker = new Worker(entry.file, { workerData: store, execArgv: entry.execArgv ?? [] });
    this.worker.on('message', (message: FromWorker) => this.receive(message));
    this.worker.on('error', (error: Error) => this.stop(`the history worker failed (${error.message}).`));
    this.worker.on('exit', () => this.stop(this.closing === null ? STOPPED_REASON : CLOSED_REASON));
    // The chat decides when the process ends, not a history write in flight.
    this.worker.unref();
  }

  /** Starts the worker and opens the store; never rejects (check `status`). */
  static async open(options: HistoryServiceOptions): Promise<HistoryService> {
    const store: WorkerStartOptions = {
      file: options.file,
      retention: options.retention,
      search: options.search,
      maxLines: options.maxLines,
      maxMemoryLines: options.maxMemoryLines,
      maxDatabaseBytes: options.maxDatabaseBytes,
      purgeIntervalMs: options.purgeIntervalMs,
      likeScanLines: options.likeScanLines,
    };
    const service = new HistoryService(options.worker ?? defaultWorkerEntry(), store, options);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.openTimeoutMs ?? 30_000);
    });
    const outcome = await Promise.race([service.ready, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      service.stop('the history worker did not start in time.');
      await service.worker.terminate();
    }
    return service;
  }

  get status(): HistoryStatus {
    return this.statusValue;
  }

  onEvent(listener: HistoryStoreListener): () => void {
    return this.listeners.add(listener);
  }

  /**
   * Posts a batch of one room's lines to be stored in one transaction. Resolves once stored
   * (callers may ignore it). Lines past the pending bound, or while history is
   * unavailable, are dropped and counted.
   */
  append(room: RoomAddress, lines: readonly NewHistoryLine[]): Promise<AppendAck> {
    if (lines.length === 0) return Promise.resolve({ firstId: null, count: 0 });
    if (this.stopped || !this.statusValue.available) {
      this.droppedBehind += lines.length;
      return Promise.resolve({ firstId: null, count: 0 });
    }
    if (this.pendingLines + lines.length > this.maxPendingLines) {
      this.droppedBehind += lines.length;
      if (!this.warnedBehind) {
        this.warnedBehind = true;
        this.emit({ type: 'notice', message: 'History is falling behind: some lines were not saved.' });
      }
      return Promise.resolve({ firstId: null, count: 0 });
    }
    const id = this.nextId++;
    this.pendingLines += lines.length;
    if (this.pendingLines > this.pendingHighWater) this.pendingHighWater = this.pendingLines;
    return new Promise((resolve) => {
      this.appends.set(id, { count: lines.length, resolve });
      this.post({ type: 'append', id, room: { host: room.host, port: room.port }, lines: lines.map(toTuple) });
    });
  }

  pageBefore(room: RoomAddress, beforeId: number | null, limit?: number): Promise<Result<HistoryPage>> {
    return this.call('pageBefore', [room, beforeId, limit]);
  }

  pageAfter(room: RoomAddress, afterId: number, limit?: number): Promise<Result<HistoryPage>> {
    return this.call('pageAfter', [room, afterId, limit]);
  }

  context(lineId: number, radius?: number): Promise<Result<LineContext>> {
    return this.call('context', [lineId, radius]);
  }

  search(request: SearchRequest): Promise<Result<SearchResults>> {
    return this.call('search', [request]);
  }

  rooms(): Promise<Result<HistoryRoom[]>> {
    return this.call('rooms', []);
  }

  /** The newest stored id, after every line posted before this call. */
  lastId(): Promise<Result<number>> {
    return this.call('lastId', []);
  }

  exportRoom(room: RoomAddress, target: string): Promise<Result<ExportSummary>> {
    return this.call('exportRoom', [room, target]);
  }

  async setRetention(retention: Retention): Promise<HistoryStatus> {
    const answer = await this.call<HistoryStatus | Result<never>>('setRetention', [retention]);
    return 'available' in answer ? answer : this.statusValue;
  }

  clearRoom(room: RoomAddress): Promise<Result<number>> {
    return this.call('clearRoom', [room]);
  }

  clearAll(): Promise<Result<null>> {
    return this.call('clearAll', []);
  }

  async stats(): Promise<ServiceStats> {
    const answer = await this.call<AppendStats | Result<never>>('stats', []);
    const stored: AppendStats = 'stored' in answer ? answer : { stored: 0, dropped: 0, batches: 0, appendMsTotal: 0, appendMsMax: 0 };
    return { ...stored, pendingLines: this.pendingLines, pendingHighWater: this.pendingHighWater, droppedBehind: this.droppedBehind };
  }

  /** Stores what is pending, closes the store and ends the worker. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.stopped) {
        const id = this.nextId++;
        const closed = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(CLOSE_TIMEOUT_MS, this.requestTimeoutMs));
          this.requests.set(id, { resolve: () => resolve(), timer });
        });
        this.post({ type: 'close', id });
        await closed;
      }
      this.stop(CLOSED_REASON);
      await this.worker.terminate();
      this.listeners.clear();
    })();
    return this.closing;
  }

  // ---- internals ------------------------------------------------------------------------

  private call<T>(method: WorkerMethod, args: unknown[]): Promise<T> {
    if (this.stopped) return Promise.resolve(this.unavailable() as T);
    if (this.requests.size >= this.maxPendingRequests) {
      return Promise.resolve(fail('History is busy: too many requests at once; try again.') as T);
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.requests.delete(id);
        resolve(fail('History did not answer in time.') as T);
      }, this.requestTimeoutMs);
      this.requests.set(id, { resolve: resolve as (value: unknown) => void, timer });
      try {
        this.post({ type: 'call', id, method, args });
      } catch (error) {
        // An argument that cannot be copied to the worker (a function, a symbol).
        clearTimeout(timer);
        this.requests.delete(id);
        resolve(fail(`That history request cannot be sent: ${error instanceof Error ? error.message : String(error)}`) as T);
      }
    });
  }

  private unavailable(): Result<never> {
    return fail(`${UNAVAILABLE_PREFIX}${this.statusValue.available ? STOPPED_REASON : this.statusValue.reason}`);
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        this.statusValue = message.status;
        this.startupNotices = message.notices;
        this.markReady();
        return;
      case 'appended': {
        const pending = this.appends.get(message.id);
        if (pending === undefined) return;
        this.appends.delete(message.id);
        this.pendingLines -= pending.count;
        if (this.pendingLines < this.maxPendingLines / 2) this.warnedBehind = false;
        pending.resolve({ firstId: message.firstId, count: message.count });
        return;
      }
      case 'reply':
      case 'failed':
      case 'closed': {
        const pending = this.requests.get(message.id);
        if (pending === undefined) return;
        this.requests.delete(message.id);
        clearTimeout(pending.timer);
        pending.resolve(message.type === 'failed' ? fail(`Could not use the history: ${message.error}`) : message.type === 'reply' ? message.value : null);
        return;
      }
      case 'event':
        if (message.event.type === 'status') this.statusValue = message.event.status;
        this.emit(message.event);
        return;
    }
  }

  /** The worker is gone: history is unavailable, everything waiting is answered. */
  private stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    const wasAvailable = this.statusValue.available;
    // Keep the store's own reason (a locked file, a full disk) when it gave one.
    if (wasAvailable || this.statusValue.reason === OPENING_REASON) {
      this.statusValue = { available: false, reason, retention: this.statusValue.retention };
    }
    const answer = this.unavailable();
    for (const request of this.requests.values()) {
      clearTimeout(request.timer);
      request.resolve(answer);
    }
    this.requests.clear();
    for (const pending of this.appends.values()) pending.resolve({ firstId: null, count: 0 });
    this.appends.clear();
    this.droppedBehind += this.pendingLines;
    this.pendingLines = 0;
    this.markReady();
    if (wasAvailable && reason !== CLOSED_REASON) this.emit({ type: 'status', status: this.statusValue });
  }

  private emit(event: HistoryStoreEvent): void {
    this.listeners.emit(event);
  }
}

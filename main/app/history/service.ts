/**
 * HistoryService: the transcript store as main uses it. The store (SQLite, synchronous)
 * runs on a worker thread; this side posts lines and requests and never blocks, so neither
 * a big write nor a slow search ever holds up the chat server or the window.
 *
 * Like the store it never throws: requests answer with a Result, a worker that dies or
 * stops answering makes history unavailable, and lines posted faster than the worker
 * stores them are bounded in lines and bytes. Past the high-water mark `onPressure(true)`
 * asks the poster to hold back (the session pauses its socket, so TCP pushes back on the
 * sender), `onPressure(false)` once the backlog is under the low-water mark; past the hard
 * caps lines are dropped, counted and reported.
 *
 * Closing stores what is pending within a time budget. Lines it could not store in time
 * are counted in a small file next to the database (`<file>.unsaved`, a number, never any
 * text), and the next start says how many there were.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type HistoryPage,
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
  /** The same in bytes (two a character, plus a line's overhead). Default 32 MiB. */
  maxPendingBytes?: number;
  /** Pending bytes past which `onPressure(true)` asks the poster to hold back. Default 8 MiB. */
  highWaterBytes?: number;
  /** Pending bytes under which `onPressure(false)` lets it go on. Default 2 MiB. */
  lowWaterBytes?: number;
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
  /** Bytes of the lines posted and not stored yet (as counted against maxPendingBytes). */
  pendingBytes: number;
  /** The most of those bytes at once. */
  pendingBytesHighWater: number;
  /** Lines dropped on this side: the worker was too far behind, or history was unavailable. */
  droppedBehind: number;
}

interface PendingRequest {
  resolve: (value: unknown) => void;
  timer: NodeJS.Timeout;
}

interface PendingAppend {
  count: number;
  bytes: number;
  resolve: (ack: AppendAck) => void;
}

export interface HistoryCloseOptions {
  /** How long the worker may take to store what is pending. Default 10 s. */
  flushTimeoutMs?: number;
}

/** Lines waiting past which the poster is asked to hold back, as a share of maxPendingLines. */
const HIGH_WATER_LINES_SHARE = 1 / 2;
const LOW_WATER_LINES_SHARE = 1 / 8;
/** What one pending line is counted as besides its characters: the tuple and its numbers. */
const PENDING_LINE_OVERHEAD_BYTES = 64;
/** The unsaved-lines file holds one small number; anything bigger is not ours. */
const MAX_UNSAVED_FILE_BYTES = 64;

function pendingBytesOf(lines: readonly NewHistoryLine[]): number {
  let bytes = 0;
  for (const line of lines) bytes += 2 * (line.text.length + line.sender.length) + PENDING_LINE_OVERHEAD_BYTES;
  return bytes;
}

/** Where a history file's count of lines not saved at the last quit is kept. */
export function unsavedLinesFile(historyFile: string): string {
  return `${path.resolve(historyFile)}.unsaved`;
}

/** Reads and removes the count left by the last quit: 0 when there is none (or it is not a count). */
async function takeUnsavedCount(file: string): Promise<number> {
  let text = '';
  try {
    // Only a small plain file is read: not a link, a device or a pipe left in its place.
    const stat = await fs.promises.lstat(file);
    if (stat.isFile() && stat.size <= MAX_UNSAVED_FILE_BYTES) text = await fs.promises.readFile(file, 'utf8');
  } catch {
    return 0;
  }
  await fs.promises.rm(file, { force: true }).catch(() => undefined);
  const count = /^\s*(\d{1,15})\s*$/.exec(text)?.[1];
  return count === undefined ? 0 : Number(count);
}

const STOPPED_REASON = 'the history worker stopped.';
const OPENING_REASON = 'history is still opening.';
const CLOSED_REASON = 'history is closed.';
const CLOSE_TIMEOUT_MS = 10_000;

export class HistoryService {
  private readonly worker: Worker;
  private readonly maxPendingLines: number;
  private readonly maxPendingBytes: number;
  private readonly highWaterBytes: number;
  private readonly lowWaterBytes: number;
  /** Where the count of lines not stored at close goes (see recordUnsaved). */
  private readonly unsavedFile: string;
  private readonly maxPendingRequests: number;
  private readonly requestTimeoutMs: number;
  private statusValue: HistoryStatus;
  private readonly listeners = new ListenerSet<HistoryStoreEvent>();
  private readonly requests = new Map<number, PendingRequest>();
  private readonly appends = new Map<number, PendingAppend>();
  private nextId = 1;
  private pendingLines = 0;
  private pendingHighWater = 0;
  private pendingBytes = 0;
  private pendingBytesHighWater = 0;
  private underPressure = false;
  private readonly pressureListeners = new ListenerSet<boolean>();
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
    this.maxPendingBytes = Math.max(1, options.maxPendingBytes ?? 32 * 1024 * 1024);
    this.highWaterBytes = Math.max(1, Math.min(this.maxPendingBytes, options.highWaterBytes ?? 8 * 1024 * 1024));
    this.lowWaterBytes = Math.max(0, Math.min(this.highWaterBytes, options.lowWaterBytes ?? 2 * 1024 * 1024));
    this.unsavedFile = unsavedLinesFile(options.file);
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
    const unsaved = await takeUnsavedCount(unsavedLinesFile(options.file));
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
    if (unsaved > 0) {
      const lines = unsaved === 1 ? '1 line' : `${unsaved.toLocaleString('en-US')} lines`;
      service.startupNotices.push(`Up to ${lines} received just before Tincan last quit could not be saved to the history in time.`);
    }
    return service;
  }

  get status(): HistoryStatus {
    return this.statusValue;
  }

  onEvent(listener: HistoryStoreListener): () => void {
    return this.listeners.add(listener);
  }

  /** True: the backlog passed its high-water mark (hold back); false: it is under the low-water mark again. */
  onPressure(listener: (high: boolean) => void): () => void {
    return this.pressureListeners.add(listener);
  }

  /**
   * Posts a batch of one room's lines to be stored in one transaction, with the room's name
   * when known. Resolves once stored (callers may ignore it). Lines past the pending bounds,
   * or while history is unavailable or closing, are dropped and counted.
   */
  append(room: RoomAddress, lines: readonly NewHistoryLine[], roomName: string | null = null): Promise<AppendAck> {
    if (lines.length === 0) return Promise.resolve({ firstId: null, count: 0 });
    if (this.stopped || this.closing !== null || !this.statusValue.available) {
      this.droppedBehind += lines.length;
      return Promise.resolve({ firstId: null, count: 0 });
    }
    const bytes = pendingBytesOf(lines);
    if (this.pendingLines + lines.length > this.maxPendingLines || (this.pendingBytes > 0 && this.pendingBytes + bytes > this.maxPendingBytes)) {
      this.droppedBehind += lines.length;
      if (!this.warnedBehind) {
        this.warnedBehind = true;
        this.emit({ type: 'notice', message: 'History is falling behind: some lines were not saved.' });
      }
      return Promise.resolve({ firstId: null, count: 0 });
    }
    const id = this.nextId++;
    this.pendingLines += lines.length;
    this.pendingBytes += bytes;
    if (this.pendingLines > this.pendingHighWater) this.pendingHighWater = this.pendingLines;
    if (this.pendingBytes > this.pendingBytesHighWater) this.pendingBytesHighWater = this.pendingBytes;
    this.checkPressure();
    const name = typeof roomName === 'string' ? roomName : null;
    return new Promise((resolve) => {
      this.appends.set(id, { count: lines.length, bytes, resolve });
      this.post({ type: 'append', id, room: { host: room.host, port: room.port }, name, lines: lines.map(toTuple) });
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
    const stored: AppendStats = 'stored' in answer ? answer : { stored: 0, dropped: 0, trimmed: 0, batches: 0, appendMsTotal: 0, appendMsMax: 0 };
    return {
      ...stored,
      pendingLines: this.pendingLines,
      pendingHighWater: this.pendingHighWater,
      pendingBytes: this.pendingBytes,
      pendingBytesHighWater: this.pendingBytesHighWater,
      droppedBehind: this.droppedBehind,
    };
  }

  /**
   * Stores what is pending (within `flushTimeoutMs`), closes the store and ends the worker.
   * What could not be stored in time is counted for the next start. Idempotent.
   */
  close(options: HistoryCloseOptions = {}): Promise<void> {
    this.closing ??= (async () => {
      if (!this.stopped) {
        // Counted first: should the process end before the worker is done, the next start still knows.
        this.recordUnsaved(this.pendingLines);
        const id = this.nextId++;
        const closed = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), Math.max(0, Math.min(options.flushTimeoutMs ?? CLOSE_TIMEOUT_MS, this.requestTimeoutMs)));
          this.requests.set(id, { resolve: () => resolve(true), timer });
        });
        this.post({ type: 'close', id });
        const answered = await closed;
        this.recordUnsaved(answered ? 0 : this.pendingLines);
      }
      this.stop(CLOSED_REASON);
      await this.worker.terminate();
      this.listeners.clear();
      this.pressureListeners.clear();
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
        this.pendingBytes -= pending.bytes;
        if (this.pendingLines < this.maxPendingLines / 2 && this.pendingBytes < this.maxPendingBytes / 2) this.warnedBehind = false;
        this.checkPressure();
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
    this.pendingBytes = 0;
    this.checkPressure();
    this.markReady();
    if (wasAvailable && reason !== CLOSED_REASON) this.emit({ type: 'status', status: this.statusValue });
  }

  private emit(event: HistoryStoreEvent): void {
    this.listeners.emit(event);
  }

  /** Tells the poster when the backlog crosses its high- or low-water mark. */
  private checkPressure(): void {
    const high =
      this.pendingBytes >= this.highWaterBytes || this.pendingLines >= this.maxPendingLines * HIGH_WATER_LINES_SHARE;
    const low = this.pendingBytes <= this.lowWaterBytes && this.pendingLines <= this.maxPendingLines * LOW_WATER_LINES_SHARE;
    if (!this.underPressure && high) this.underPressure = true;
    else if (this.underPressure && low) this.underPressure = false;
    else return;
    this.pressureListeners.emit(this.underPressure);
  }

  /**
   * Writes (or, for 0, removes) the count of lines not stored, for the next start. Only a
   * number, and never for 'session' retention, which writes nothing. Best effort: quitting
   * goes on whatever the disk says.
   */
  private recordUnsaved(lines: number): void {
    if (this.statusValue.retention === 'session') return;
    try {
      if (lines > 0) fs.writeFileSync(this.unsavedFile, `${lines}\n`, { mode: 0o600 });
      else fs.rmSync(this.unsavedFile, { force: true });
    } catch {
      // Nowhere to say it; the lines themselves were the loss.
    }
  }
}

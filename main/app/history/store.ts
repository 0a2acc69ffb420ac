/**
 * TranscriptStore: every chat line Tincan saw, kept in one SQLite file (node:sqlite) so it
 * survives reloads and restarts, can be paged, searched and exported.
 *
 * The chat must never stop because of the store: no method throws. Writes that fail (full
 * disk, I/O error) make the store "unavailable" (it says why, through `status` and
 * `onEvent`) and further lines are dropped; reads answer with a Result. A file another
 * Tincan holds is refused at open and left alone; a damaged file is moved aside (never
 * deleted) and a fresh one started.
 *
 * Retention: 'forever', 'days30' (older lines purged at open, then hourly) or 'session'
 * (nothing is written: lines live in an in-memory database for this run only, and the file
 * is emptied). Whatever the retention, the history is bounded in lines and in bytes: as it
 * nears either cap the oldest lines go, so reaching a cap never stops new lines being saved.
 * A room whose last line went goes with it.
 */
import { readStoredKind } from '../../common/line-kind';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import {
  fail,
  ok,
  type Result,
} from '../../common/ipc-contract';
import {
  HISTORY_LIMITS,
  type HistoryPage,
  type HistoryStatus,
  type LineContext,
  type NewHistoryLine,
  type Retention,
  type RoomAddress,
  type SearchHit,
  type SearchRequest,
  type SearchResults,
} from '../../common/history';
import { ListenerSet } from '../../common/listener-set';
import { stripControls } from '../../chat/sanitize';
import { HistoryConnection, LINE_OVERHEAD_BYTES, PAGE_SIZE_BYTES, type SearchPreference, type SearchRow } from './connection';
import { classifyFault, describeFault, UNAVAILABLE_PREFIX, type Fault } from './faults';
import { matchesAll, parseQuery } from './search';
import { NameBook } from '../../common/line-presenter';
import { formatTranscriptHeading, formatTranscriptLine } from './transcript-format';
import { temporaryPath } from '../json-file';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const RETENTION_DAYS = 30;
const DEFAULT_MAX_LINES = 2_000_000;
const DEFAULT_MAX_MEMORY_LINES = 200_000;
const DEFAULT_MAX_DATABASE_BYTES = 4 * 1024 ** 3;
const DEFAULT_MAX_MEMORY_BYTES = 256 * 1024 ** 2;
/**
 * Past this share of the size cap an append first deletes the oldest lines, as many as it
 * adds and TRIM_STEP more: a tenth of the cap is the headroom that keeps SQLITE_FULL from
 * being reached at all in ordinary use, and trimming a little at a time keeps any one append
 * short (deleting a line costs about what storing it did: its words leave the search index).
 */
const TRIM_START = 0.9;
const TRIM_STEP = 0.01;
const MAX_TRIM_STEP_BYTES = 8 * 1024 * 1024;
/** A write that found the cap reached all the same deletes down to this share of it. */
const FORCED_TRIM_TARGET = 0.4;
/** A batch takes about this many times its bytes in the file: rows, the search index, slack. */
const STORED_BYTES_FACTOR = 2;
/**
 * Deleting writes too: the search index records what went, and merging it (which is what
 * frees the space) writes its new segments before the old ones go. Trimming may therefore
 * pass the cap by this share of it; it merges at most half of that, and deletes lines worth a
 * quarter of it, at a time.
 */
const TRIM_ALLOWANCE = 0.05;
const MIN_TRIM_ALLOWANCE_PAGES = 64;
/** SQLite's own largest page count: no cap. */
const UNCAPPED_PAGES = 4_294_967_294;
/** Rounds of trimming that free nothing before trimming gives up. */
const TRIM_STALLED_ROUNDS = 8;
const DEFAULT_PURGE_INTERVAL_MS = 60 * 60 * 1000;
/** A batch bigger than this is written as several transactions. */
const MAX_LINES_PER_TRANSACTION = 10_000;
/** Lines deleted per transaction by a purge, so no single one holds the file for long. */
const PURGE_CHUNK = 5_000;
const EXPORT_PAGE_LINES = 1_000;
/** The LIKE fallback scans at most this many of the newest lines per search. */
const DEFAULT_LIKE_SCAN_LINES = 1_000_000;
const MAX_ROOMS_LISTED = 500;
// eslint-disable-next-line no-control-regex -- finding control characters is this regex's job
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

export interface TranscriptStoreOptions {
  /** The database file. Its folder is created. Not written in 'session' retention. */
  file: string;
  retention?: Retention;
  /** 'auto': FTS5 when this SQLite has it, else LIKE. 'like' forces the fallback. */
  search?: SearchPreference;
  /** Epoch ms; tests move time. */
  now?: () => number;
  /** Oldest lines are deleted past this many in the file. Default 2,000,000. */
  maxLines?: number;
  /** The same for the in-memory database of 'session' retention. Default 200,000. */
  maxMemoryLines?: number;
  /** The file's size cap: past it SQLite refuses to grow the file; nearing it, the oldest lines go. Default 4 GiB. */
  maxDatabaseBytes?: number;
  /** The same for the in-memory database of 'session' retention. Default 256 MiB. */
  maxMemoryBytes?: number;
  /** How often 'days30' purges. Default one hour. */
  purgeIntervalMs?: number;
  /** Newest lines the LIKE fallback scans per search. */
  likeScanLines?: number;
}

export type HistoryStoreEvent =
  | { type: 'status'; status: HistoryStatus }
  /** Something the user should know that did not make history unavailable. */
  | { type: 'notice'; message: string };

export type HistoryStoreListener = (event: HistoryStoreEvent) => void;

export interface AppendStats {
  /** Lines written since the store opened. */
  stored: number;
  /** Lines given to append that were not written (history unavailable, bad room). */
  dropped: number;
  /** Oldest lines deleted to stay under the caps in lines and bytes. */
  trimmed: number;
  batches: number;
  /** Time spent in append, all batches together, and the longest one. */
  appendMsTotal: number;
  appendMsMax: number;
}

export interface ExportSummary {
  lines: number;
  bytes: number;
}

export { UNAVAILABLE_PREFIX };

function boundedText(text: string, max: number): string {
  let bounded = text.length > max ? text.slice(0, max) : text;
  // Do not leave half a surrogate pair at the cut.
  const last = bounded.charCodeAt(bounded.length - 1);
  if (bounded.length < text.length && last >= 0xd800 && last <= 0xdbff) bounded = bounded.slice(0, -1);
  // One stored line is one transcript line: nothing a terminal or the export would act on.
  return CONTROL_CHARACTER.test(bounded) ? stripControls(bounded) : bounded;
}

/** About what cleaned lines take in the database before its indexes: their text, sender and row. */
function storedBytes(lines: readonly NewHistoryLine[]): number {
  let bytes = 0;
  for (const line of lines) bytes += Buffer.byteLength(line.text, 'utf8') + Buffer.byteLength(line.sender, 'utf8') + LINE_OVERHEAD_BYTES;
  return bytes;
}

function checkRoom(room: RoomAddress): RoomAddress | null {
  // Typed, yet checked: a caller's mistake must drop lines, not reach SQLite.
  const value: unknown = room;
  if (typeof value !== 'object' || value === null) return null;
  const { host, port } = value as Record<string, unknown>;
  if (typeof host !== 'string' || host.length === 0 || host.length > HISTORY_LIMITS.maxHostChars) return null;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) return null;
  return { host, port };
}

function clampCount(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.max(1, Math.min(max, Math.floor(value)));
}

function messageOf(error: unknown): string {
  return error instanceof Error && error.message.length > 0 ? error.message : String(error);
}

function pathExists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

export class TranscriptStore {
  private readonly file: string;
  private readonly searchPreference: SearchPreference;
  private readonly now: () => number;
  private readonly maxLines: number;
  private readonly maxMemoryLines: number;
  private readonly maxPageCount: number;
  private readonly maxMemoryPageCount: number;
  private readonly purgeIntervalMs: number;
  private readonly likeScanLines: number;

  private retention: Retention;
  private connection: HistoryConnection | null = null;
  private unavailableReason: string | null = null;
  private lineCount = 0;
  /** The newest id in the file when it was opened: lines after it are this run's. */
  private firstIdOfRun = 0;
  private purgeTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly listeners = new ListenerSet<HistoryStoreEvent>();
  private readonly appendStats: AppendStats = { stored: 0, dropped: 0, trimmed: 0, batches: 0, appendMsTotal: 0, appendMsMax: 0 };

  private constructor(options: TranscriptStoreOptions) {
    this.file = path.resolve(options.file);
    this.searchPreference = options.search ?? 'auto';
    this.now = options.now ?? Date.now;
    this.maxLines = Math.max(1, options.maxLines ?? DEFAULT_MAX_LINES);
    this.maxMemoryLines = Math.max(1, options.maxMemoryLines ?? DEFAULT_MAX_MEMORY_LINES);
    this.maxPageCount = Math.max(0, Math.floor((options.maxDatabaseBytes ?? DEFAULT_MAX_DATABASE_BYTES) / PAGE_SIZE_BYTES));
    this.maxMemoryPageCount = Math.max(0, Math.floor((options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES) / PAGE_SIZE_BYTES));
    this.purgeIntervalMs = Math.max(1000, options.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS);
    this.likeScanLines = Math.max(1, options.likeScanLines ?? DEFAULT_LIKE_SCAN_LINES);
    this.retention = options.retention ?? 'forever';
  }

  /**
   * Opens the store; never throws. Check `status`: a locked, unreadable or too-new file gives
   * an unavailable store (the chat goes on without history); a damaged one is set aside and
   * the notice is in `startupNotices`.
   */
  static open(options: TranscriptStoreOptions): TranscriptStore {
    const store = new TranscriptStore(options);
    store.connectForRetention(store.retention, (message) => store.startupNotices.push(message));
    store.schedulePurge();
    store.purgeExpired();
    return store;
  }

  /** Notices from opening (a damaged file set aside), for whoever shows them first. */
  readonly startupNotices: string[] = [];

  get status(): HistoryStatus {
    const connection = this.connection;
    if (connection === null) {
      return { available: false, reason: this.unavailableReason ?? 'history is closed.', retention: this.retention };
    }
    return { available: true, engine: connection.engine, persistent: connection.persistent, retention: this.retention };
  }

  /** The database file (also where a damaged one was, for messages). */
  get path(): string {
    return this.file;
  }

  onEvent(listener: HistoryStoreListener): () => void {
    return this.listeners.add(listener);
  }

  stats(): AppendStats {
    return { ...this.appendStats };
  }

  // ---- writing -----------------------------------------------------------------------------

  /**
   * Stores a batch of lines of one room in one transaction (a very large batch in a few) and
   * returns their ids, in order; `roomName` (when known) is the name the room is shown under.
   * Never throws: when history is unavailable, or the write fails, the lines are dropped and
   * an empty list comes back. Near the size cap the oldest lines make room first; a write
   * that still finds the cap reached makes more room and is tried once more.
   */
  append(room: RoomAddress, lines: readonly NewHistoryLine[], roomName: string | null = null): number[] {
    if (lines.length === 0) return [];
    const started = performance.now();
    const checkedRoom = checkRoom(room);
    const connection = this.connection;
    if (connection === null || checkedRoom === null) {
      this.appendStats.dropped += lines.length;
      return [];
    }
    const name = typeof roomName === 'string' ? boundedText(roomName.trim(), HISTORY_LIMITS.maxRoomNameChars) : '';
    const ids: number[] = [];
    try {
      for (let from = 0; from < lines.length; from += MAX_LINES_PER_TRANSACTION) {
        const cleaned = lines.slice(from, from + MAX_LINES_PER_TRANSACTION).map((line) => this.cleanLine(line));
        const write = (): void => {
          const written = connection.transaction(() => {
            const roomId = connection.roomIdFor(checkedRoom);
            if (name.length > 0) connection.nameRoom(roomId, name);
            return connection.insert(roomId, cleaned);
          });
          for (const id of written) ids.push(id);
        };
        const incomingBytes = storedBytes(cleaned);
        this.makeRoom(connection, incomingBytes, false);
        try {
          write();
        } catch (error) {
          // The cap reached all the same (a batch bigger than the headroom): make more room once.
          if (classifyFault(error) !== 'full' || this.makeRoom(connection, incomingBytes, true) === 0) throw error;
          write();
        }
        this.lineCount += cleaned.length;
      }
    } catch (error) {
      this.appendStats.dropped += lines.length - ids.length;
      this.fault(error, 'write');
      this.recordAppend(started, ids.length);
      return ids;
    }
    this.recordAppend(started, ids.length);
    this.enforceLineLimit();
    return ids;
  }

  private cleanLine(line: NewHistoryLine): NewHistoryLine {
    const at = typeof line.at === 'number' && Number.isFinite(line.at) ? Math.trunc(line.at) : this.now();
    return {
      at,
      sender: typeof line.sender === 'string' ? boundedText(line.sender, HISTORY_LIMITS.maxSenderChars) : '',
      text: typeof line.text === 'string' ? boundedText(line.text, HISTORY_LIMITS.maxTextChars) : '',
      kind: readStoredKind(line.kind),
      ours: line.ours === true,
    };
  }

  private recordAppend(started: number, stored: number): void {
    const elapsed = performance.now() - started;
    const stats = this.appendStats;
    stats.stored += stored;
    stats.batches += 1;
    stats.appendMsTotal += elapsed;
    if (elapsed > stats.appendMsMax) stats.appendMsMax = elapsed;
  }

  private enforceLineLimit(): void {
    const connection = this.connection;
    if (connection === null) return;
    const limit = connection.persistent ? this.maxLines : this.maxMemoryLines;
    if (this.lineCount <= limit) return;
    // Trim a tenth below the limit at once so this runs once in a while, not per batch.
    const excess = this.lineCount - limit + Math.ceil(limit / 10);
    this.write((open) => {
      let removed = 0;
      while (removed < excess) {
        const chunk = open.transaction(() => open.removeOldest(Math.min(PURGE_CHUNK, excess - removed)));
        if (chunk === 0) break;
        removed += chunk;
      }
      open.transaction(() => open.removeEmptyRooms());
      this.lineCount = open.count();
      this.appendStats.trimmed += removed;
      return removed;
    });
  }

  /**
   * Keeps the database under its size cap: once `incomingBytes` more would take it past
   * TRIM_START of the cap, the oldest lines are deleted until they fit under it with
   * TRIM_STEP to spare; when `force`d, down to FORCED_TRIM_TARGET of it. Returns how many
   * lines went. Throws SQLite's error; append handles it.
   */
  private makeRoom(connection: HistoryConnection, incomingBytes: number, force: boolean): number {
    const maxPages = connection.persistent ? this.maxPageCount : this.maxMemoryPageCount;
    if (maxPages <= 0) return 0;
    const incomingPages = Math.ceil((incomingBytes * STORED_BYTES_FACTOR) / PAGE_SIZE_BYTES);
    // A batch that could not fit even in an empty file must not empty it for nothing.
    if (incomingPages >= maxPages * TRIM_START) return 0;
    let used = connection.usedPages();
    if (!force && used + incomingPages <= maxPages * TRIM_START) return 0;
    const step = Math.ceil(Math.min(maxPages * TRIM_STEP, MAX_TRIM_STEP_BYTES / PAGE_SIZE_BYTES));
    const target = Math.max(0, Math.floor(maxPages * (force ? FORCED_TRIM_TARGET : TRIM_START)) - incomingPages - (force ? 0 : step));
    const allowance = Math.max(MIN_TRIM_ALLOWANCE_PAGES, Math.ceil(maxPages * TRIM_ALLOWANCE));
    let removed = 0;
    connection.setMaxPageCount(maxPages + allowance);
    // The search index merges its segments when it sees fit, writing the new one before the
    // old ones go: a merge bigger than the allowance gets what it needs, once. The file may
    // pass its cap by that much for a moment; the pages the trimmed lines free are reused.
    const roomy = <T>(work: () => T): T => {
      try {
        return work();
      } catch (error) {
        if (classifyFault(error) !== 'full') throw error;
        connection.setMaxPageCount(UNCAPPED_PAGES);
        try {
          return work();
        } finally {
          connection.setMaxPageCount(maxPages + allowance);
        }
      }
    };
    try {
      let stalled = 0;
      while (used > target && stalled < TRIM_STALLED_ROUNDS) {
        // What earlier deletes left in the search index goes first; then the oldest lines.
        const merged = roomy(() => connection.mergeIndex(allowance / 2));
        let now = connection.usedPages();
        if (now > target) {
          // A little at a time: each deleted line adds to the index until the next merge.
          const excessBytes = Math.min(now - target, allowance / 4) * PAGE_SIZE_BYTES;
          const chunk = roomy(() => connection.transaction(() => connection.removeOldestBytes(excessBytes, PURGE_CHUNK)));
          removed += chunk;
          if (chunk === 0 && !merged) break;
          now = connection.usedPages();
        }
        stalled = now < used ? 0 : stalled + 1;
        used = now;
      }
      if (removed > 0) connection.transaction(() => connection.removeEmptyRooms());
    } finally {
      this.lineCount = Math.max(0, this.lineCount - removed);
      this.appendStats.trimmed += removed;
      connection.setMaxPageCount(maxPages);
    }
    return removed;
  }

  // ---- reading -----------------------------------------------------------------------------

  /**
   * The newest line id so far (0 when empty). Lines stored later get bigger ids, so this is
   * the boundary between what was there before a moment and what came after it.
   */
  lastId(): Result<number> {
    return this.read((connection) => connection.maxId());
  }

  /**
   * Up to `limit` (≤ 200) lines of the room older than `beforeId` (newest lines when null),
   * oldest first, and whether more exist before them.
   */
  pageBefore(address: RoomAddress, beforeId: number | null, limit: number = HISTORY_LIMITS.maxPageLines): Result<HistoryPage> {
    const checkedRoom = checkRoom(address);
    if (checkedRoom === null) return fail('That is not a room address.');
    const count = clampCount(limit, HISTORY_LIMITS.maxPageLines, HISTORY_LIMITS.maxPageLines);
    const cursor = beforeId === null ? Number.MAX_SAFE_INTEGER : beforeId;
    return this.read((connection) => {
      const room = connection.findRoom(checkedRoom);
      if (room === null) return { room: null, lines: [], hasMore: false };
      const newestFirst = connection.linesBefore(room.id, cursor, count + 1);
      const hasMore = newestFirst.length > count;
      return { room, lines: newestFirst.slice(0, count).reverse(), hasMore };
    });
  }

  /** Up to `limit` (≤ 200) lines of the room newer than `afterId`, oldest first. */
  pageAfter(address: RoomAddress, afterId: number, limit: number = HISTORY_LIMITS.maxPageLines): Result<HistoryPage> {
    const checkedRoom = checkRoom(address);
    if (checkedRoom === null) return fail('That is not a room address.');
    const count = clampCount(limit, HISTORY_LIMITS.maxPageLines, HISTORY_LIMITS.maxPageLines);
    return this.read((connection) => {
      const room = connection.findRoom(checkedRoom);
      if (room === null) return { room: null, lines: [], hasMore: false };
      const lines = connection.linesAfter(room.id, afterId, count + 1);
      const hasMore = lines.length > count;
      return { room, lines: lines.slice(0, count), hasMore };
    });
  }

  /** The line `lineId` with up to `radius` (≤ 100) lines of its room on each side. */
  context(lineId: number, radius = 20): Result<LineContext> {
    const around = Number.isFinite(radius) ? Math.max(0, Math.min(HISTORY_LIMITS.maxContextLines, Math.floor(radius))) : 20;
    if (!Number.isSafeInteger(lineId) || lineId < 1) return fail('That is not a line of the history.');
    const found = this.read<LineContext | null>((connection) => {
      const target = connection.line(lineId);
      const room = target === null ? null : connection.roomById(target.roomId);
      if (target === null || room === null) return null;
      const older = connection.linesBefore(room.id, target.id, around + 1);
      const newer = connection.linesAfter(room.id, target.id, around + 1);
      return {
        room,
        lines: [...older.slice(0, around).reverse(), target, ...newer.slice(0, around)],
        targetId: target.id,
        hasOlder: older.length > around,
        hasNewer: newer.length > around,
      };
    });
    if (found.ok && found.value === null) return fail('That line is no longer in the history.');
    return found as Result<LineContext>;
  }

  /**
   * Lines holding every word of the query at the start of a word (case-insensitive), newest
   * first, with the matched ranges for highlighting. Bounded: at most 200 hits per call,
   * `beforeId` pages on. A query with no words finds nothing.
   */
  search(request: SearchRequest): Result<SearchResults> {
    if (typeof request.query !== 'string') return fail('The search must be text.');
    if (request.query.length > HISTORY_LIMITS.maxQueryChars) {
      return fail(`The search is too long: at most ${HISTORY_LIMITS.maxQueryChars} characters.`);
    }
    const limit = clampCount(request.limit, HISTORY_LIMITS.defaultSearchResults, HISTORY_LIMITS.maxSearchResults);
    const beforeId = request.beforeId ?? Number.MAX_SAFE_INTEGER;
    const parsed = parseQuery(request.query);
    let scope: RoomAddress | null = null;
    if (request.room !== undefined) {
      scope = checkRoom(request.room);
      if (scope === null) return fail('That is not a room address.');
    }
    return this.read((connection) => {
      const engine = connection.engine;
      if (parsed === null) return { hits: [], hasMore: false, terms: [], engine };
      let roomId: number | null = null;
      if (scope !== null) {
        const room = connection.findRoom(scope);
        if (room === null) return { hits: [], hasMore: false, terms: parsed.terms, engine };
        roomId = room.id;
      }
      let rows: SearchRow[] | null = null;
      if (engine === 'fts5') {
        try {
          rows = connection.searchFts(parsed.ftsQuery, roomId, beforeId, limit + 1);
        } catch (error) {
          // A word SQLite's tokenizer splits differently (newer Unicode) can make a query
          // FTS5 refuses; the scan answers it instead. Real faults are handled as usual.
          if (classifyFault(error) !== 'other') throw error;
        }
      }
      if (rows === null) {
        rows = [];
        const lowestId = Math.max(0, connection.maxId() - this.likeScanLines);
        for (const row of connection.searchLike(parsed.likePatterns, roomId, beforeId, lowestId)) {
          if (!matchesAll(parsed, row.line.text)) continue;
          rows.push(row);
          if (rows.length > limit) break;
        }
      }
      const hits: SearchHit[] = rows.slice(0, limit).map((row) => ({
        line: row.line,
        room: row.room,
        matches: parsed.highlighter.find(row.line.text),
      }));
      return { hits, hasMore: rows.length > limit, terms: parsed.terms, engine };
    });
  }

  // ---- export --------------------------------------------------------------------------------

  /**
   * Writes the room's history to `target` as UTF-8 text, one transcript line per stored line,
   * oldest first (see transcript-format.ts). Streams page by page; lines stored after the
   * export started are not included. Written to a temporary sibling and renamed, so a
   * failed export leaves no half file.
   */
  async exportRoom(address: RoomAddress, target: string): Promise<Result<ExportSummary>> {
    const checkedRoom = checkRoom(address);
    if (checkedRoom === null) return fail('That is not a room address.');
    const start = this.read((connection) => {
      const room = connection.findRoom(checkedRoom);
      return room === null ? null : { connection, room, lastId: connection.maxId() };
    });
    if (!start.ok) return start;
    if (start.value === null) return fail('There is no history for this room yet.');
    const { connection, room, lastId } = start.value;
    const roomId = room.id;
    const destination = path.resolve(target);
    const temporary = temporaryPath(destination);
    let stream: fs.WriteStream | null = null;
    try {
      stream = fs.createWriteStream(temporary, { flags: 'wx', encoding: 'utf8' });
      const opened = stream;
      await once(opened, 'open');
      let lines = 0;
      let bytes = 0;
      let afterId = 0;
      const names = new NameBook();
      const heading = formatTranscriptHeading(room);
      if (heading !== null) {
        bytes += Buffer.byteLength(`${heading}\n`, 'utf8');
        if (!opened.write(`${heading}\n`)) await once(opened, 'drain');
      }
      for (;;) {
        if (this.connection !== connection) throw new Error('history became unavailable during the export');
        const page = connection.exportPage(roomId, afterId, lastId, EXPORT_PAGE_LINES);
        const last = page[page.length - 1];
        if (last === undefined) break;
        afterId = last.id;
        const chunk = `${page.map((line) => formatTranscriptLine(line, names)).join('\n')}\n`;
        lines += page.length;
        bytes += Buffer.byteLength(chunk, 'utf8');
        if (!opened.write(chunk)) await once(opened, 'drain');
      }
      opened.end();
      await once(opened, 'finish');
      await fs.promises.rename(temporary, destination);
      return ok({ lines, bytes });
    } catch (error) {
      stream?.destroy();
      await fs.promises.rm(temporary, { force: true }).catch(() => undefined);
      return fail(`Could not save the transcript: ${messageOf(error)}`);
    }
  }

  // ---- retention and clearing -----------------------------------------------------------

  /**
   * Switches retention. To 'session': this run's lines move to memory and the file is
   * emptied. From 'session': this run's lines are written to the file. A store that was
   * unavailable tries to open again.
   */
  setRetention(retention: Retention): HistoryStatus {
    if (this.closed || retention === this.retention) return this.status;
    const previous = this.connection;
    const wasInMemory = this.retention === 'session';
    this.retention = retention;
    const notice = (message: string): void => this.emit({ type: 'notice', message });
    if (retention === 'session' && !wasInMemory) {
      const runStartId = this.firstIdOfRun;
      this.connection = null;
      this.openConnection(() => HistoryConnection.openMemory(this.searchPreference, this.maxMemoryPageCount), notice);
      const memory = this.connection as HistoryConnection | null;
      if (previous === null) {
        this.emptyFileIfPresent(notice);
      } else {
        if (memory !== null) this.copyRunLines(previous, memory, runStartId);
        // The lock is ours already: empty the file through the connection that holds it.
        try {
          previous.transaction(() => previous.removeAll());
          previous.scrub(true);
        } catch (error) {
          notice(`Could not empty the history file: ${describeFault(classifyFault(error), error, this.file)}`);
        }
        previous.close();
      }
      this.lineCount = memory?.count() ?? 0;
    } else if (retention !== 'session' && (wasInMemory || previous === null)) {
      this.connection = null;
      this.connectForRetention(retention, notice);
      const file = this.connection as HistoryConnection | null;
      if (previous !== null && file !== null) {
        this.copyRunLines(previous, file, 0);
        this.lineCount = file.count();
        this.firstIdOfRun = 0;
      }
      previous?.close();
    }
    this.schedulePurge();
    this.purgeExpired();
    this.enforceLineLimit();
    this.emit({ type: 'status', status: this.status });
    return this.status;
  }

  /** 'days30': deletes lines older than 30 days; returns how many went. Otherwise nothing. */
  purgeExpired(): Result<number> {
    if (this.retention !== 'days30') return ok(0);
    const cutoff = this.now() - RETENTION_DAYS * DAY_MS;
    return this.write((connection) => {
      let removed = 0;
      for (;;) {
        const chunk = connection.transaction(() => connection.removeExpired(cutoff, PURGE_CHUNK));
        removed += chunk;
        if (chunk < PURGE_CHUNK) break;
      }
      // A room none of whose lines is left goes too: its address and name are history as well.
      const rooms = connection.transaction(() => connection.removeEmptyRooms());
      if (removed > 0 || rooms > 0) connection.scrub(false);
      this.lineCount = Math.max(0, this.lineCount - removed);
      return removed;
    });
  }

  /** Deletes a room's history; returns how many lines went. */
  clearRoom(address: RoomAddress): Result<number> {
    const checkedRoom = checkRoom(address);
    if (checkedRoom === null) return fail('That is not a room address.');
    return this.write((connection) => {
      const room = connection.findRoom(checkedRoom);
      if (room === null) return 0;
      const removed = connection.transaction(() => connection.removeRoom(room.id));
      connection.scrub(false);
      this.lineCount = Math.max(0, this.lineCount - removed);
      return removed;
    });
  }

  /** Deletes every line and room; the file is rebuilt so nothing of them remains in it. */
  clearAll(): Result<null> {
    return this.write((connection) => {
      connection.transaction(() => connection.removeAll());
      connection.scrub(true);
      this.lineCount = 0;
      return null;
    });
  }

  /** Closes the database. Idempotent; the store is unavailable afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.purgeTimer !== null) clearInterval(this.purgeTimer);
    this.purgeTimer = null;
    this.connection?.close();
    this.connection = null;
    this.unavailableReason = 'history is closed.';
    this.listeners.clear();
  }

  // ---- connections and faults -------------------------------------------------------------

  private connectForRetention(retention: Retention, notice: (message: string) => void): void {
    if (retention === 'session') {
      this.emptyFileIfPresent(notice);
      this.openConnection(() => HistoryConnection.openMemory(this.searchPreference, this.maxMemoryPageCount), notice);
    } else {
      this.openConnection(() => this.openFile(), notice);
    }
  }

  private openFile(): HistoryConnection {
    return HistoryConnection.openFile(this.file, { search: this.searchPreference, maxPageCount: this.maxPageCount });
  }

  /** Opens with `opener`; a damaged file is set aside and opened afresh once. */
  private openConnection(opener: () => HistoryConnection, notice: (message: string) => void): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      let connection: HistoryConnection | null = null;
      try {
        connection = opener();
        // Counting reads every entry of an index: damage there shows now, not mid-chat.
        const count = connection.count();
        const maxId = connection.maxId();
        this.connection = connection;
        this.lineCount = count;
        this.firstIdOfRun = connection.persistent ? maxId : 0;
        this.unavailableReason = null;
        return;
      } catch (error) {
        connection?.close();
        const fault = classifyFault(error);
        if (fault === 'damaged' && attempt === 0 && this.setDamagedFileAside(notice)) continue;
        this.connection = null;
        this.unavailableReason = describeFault(fault, error, this.file);
        return;
      }
    }
  }

  /**
   * 'session' retention keeps nothing on disk: a file left from before is emptied (and
   * rebuilt, so no deleted text remains in it). A file we cannot open is left as it is.
   */
  private emptyFileIfPresent(notice: (message: string) => void): void {
    if (!pathExists(this.file)) return;
    let connection: HistoryConnection | null = null;
    try {
      connection = HistoryConnection.openFile(this.file, { search: this.searchPreference, maxPageCount: 0 });
      const open = connection;
      open.transaction(() => open.removeAll());
      open.scrub(true);
    } catch (error) {
      notice(`Could not empty the history file: ${describeFault(classifyFault(error), error, this.file)}`);
    } finally {
      connection?.close();
    }
  }

  /** Moves the damaged file aside and says so; false when it could not be moved. */
  private setDamagedFileAside(notice: (message: string) => void): boolean {
    const aside = this.moveDamagedFileAside();
    if (aside === null) return false;
    notice(`The history file was damaged. It was set aside as ${path.basename(aside)} and a new one was started.`);
    return true;
  }

  /** Renames the file and its WAL to `<file>.damaged-<time>`; null if that failed. */
  private moveDamagedFileAside(): string | null {
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
    let aside = `${this.file}.damaged-${stamp}`;
    for (let n = 2; pathExists(aside); n++) aside = `${this.file}.damaged-${stamp}-${n}`;
    try {
      fs.renameSync(this.file, aside);
    } catch {
      return null;
    }
    for (const suffix of ['-wal', '-shm', '-journal']) {
      try {
        if (pathExists(`${this.file}${suffix}`)) fs.renameSync(`${this.file}${suffix}`, `${aside}${suffix}`);
      } catch {
        // A sidecar we cannot move is recreated by SQLite; the main file is what mattered.
      }
    }
    return aside;
  }

  private read<T>(work: (connection: HistoryConnection) => T): Result<T> {
    return this.run(work, 'read');
  }

  private write<T>(work: (connection: HistoryConnection) => T): Result<T> {
    return this.run(work, 'write');
  }

  private run<T>(work: (connection: HistoryConnection) => T, kind: 'read' | 'write'): Result<T> {
    const connection = this.connection;
    if (connection === null) return fail(`${UNAVAILABLE_PREFIX}${this.unavailableReason ?? 'history is closed.'}`);
    try {
      return ok(work(connection));
    } catch (error) {
      return fail(this.fault(error, kind));
    }
  }

  /**
   * Acts on a failed operation and returns the sentence for the caller: a damaged file is
   * set aside and replaced; a failed write (or an I/O error) makes history unavailable; a
   * failed read is only reported.
   */
  private fault(error: unknown, kind: 'read' | 'write'): string {
    const fault: Fault = classifyFault(error);
    const connection = this.connection;
    if (fault === 'damaged' && connection !== null) {
      connection.close();
      this.connection = null;
      const notice = (message: string): void => this.emit({ type: 'notice', message });
      let answer = 'The history file was damaged and has been set aside; older lines are not available.';
      if (!connection.persistent) {
        this.openConnection(() => HistoryConnection.openMemory(this.searchPreference, this.maxMemoryPageCount), notice);
      } else if (this.setDamagedFileAside(notice)) {
        this.openConnection(() => this.openFile(), notice);
      } else {
        this.unavailableReason = describeFault('damaged', error, this.file);
        answer = `${UNAVAILABLE_PREFIX}${this.unavailableReason}`;
      }
      this.emit({ type: 'status', status: this.status });
      return answer;
    }
    if (kind === 'write' || fault === 'full' || fault === 'io' || fault === 'read-only') {
      connection?.close();
      this.connection = null;
      this.unavailableReason = describeFault(fault, error, this.file);
      this.emit({ type: 'status', status: this.status });
      return `${UNAVAILABLE_PREFIX}${this.unavailableReason}`;
    }
    return `Could not read the history: ${describeFault(fault, error, this.file)}`;
  }

  private copyRunLines(from: HistoryConnection, to: HistoryConnection, afterId: number): void {
    try {
      for (const room of from.rooms(MAX_ROOMS_LISTED)) {
        let cursor = afterId;
        for (;;) {
          const page = from.linesAfter(room.id, cursor, EXPORT_PAGE_LINES);
          const last = page[page.length - 1];
          if (last === undefined) break;
          cursor = last.id;
          to.transaction(() => {
            const roomId = to.roomIdFor(room);
            if (room.name !== null) to.nameRoom(roomId, room.name);
            to.insert(roomId, page);
          });
        }
      }
    } catch (error) {
      this.emit({ type: 'notice', message: `Could not keep this session's lines: ${messageOf(error)}` });
    }
  }

  private schedulePurge(): void {
    if (this.purgeTimer !== null) clearInterval(this.purgeTimer);
    this.purgeTimer = null;
    if (this.closed || this.retention !== 'days30') return;
    this.purgeTimer = setInterval(() => this.purgeExpired(), this.purgeIntervalMs);
    this.purgeTimer.unref();
  }

  private emit(event: HistoryStoreEvent): void {
    this.listeners.emit(event);
  }
}

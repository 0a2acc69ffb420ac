/**
 * One open history database (a file, or memory for 'session' retention) and the SQL the
 * store runs on it, every statement prepared once. Methods throw SQLite's errors as they
 * come; TranscriptStore decides what a failure means.
 */
import { readStoredKind } from '../../common/line-kind';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type SQLOutputValue, type StatementSync } from 'node:sqlite';
import {
  type HistoryLine,
  type HistoryRoom,
  type NewHistoryLine,
  type RoomAddress,
  type SearchEngine,
} from '../../common/history';
import { NewerSchemaError } from './faults';
import { ensureSearchIndex, hasFts5, migrate, SCHEMA_VERSION, schemaVersion } from './schema';

export type SearchPreference = 'auto' | 'like';

export interface OpenFileOptions {
  search: SearchPreference;
  /** Pages the file may grow to before writes fail with SQLITE_FULL (0: SQLite's own limit). */
  maxPageCount: number;
}

/** What a line takes in the file besides its text and sender: the row, its index entries. */
export const LINE_OVERHEAD_BYTES = 64;

export const PAGE_SIZE_BYTES = 4096;

type Row = Record<string, SQLOutputValue>;

const LINE_COLUMNS = 'id, room_id, at, sender, text, kind, ours';
const ROWS_PER_INSERT = 64;
const HIT_COLUMNS = 'l.id, l.room_id, l.at, l.sender, l.text, l.kind, l.ours, r.host, r.port, r.name, r.last_at';

function toLine(row: Row): HistoryLine {
  return {
    id: Number(row.id),
    roomId: Number(row.room_id),
    at: Number(row.at),
    sender: String(row.sender),
    text: String(row.text),
    kind: readStoredKind(row.kind),
    ours: row.ours === 1,
  };
}

function toRoom(row: Row, idColumn = 'id'): HistoryRoom {
  return {
    id: Number(row[idColumn]),
    host: String(row.host),
    port: Number(row.port),
    name: typeof row.name === 'string' ? row.name : null,
    lastAt: typeof row.last_at === 'number' ? row.last_at : null,
  };
}

export interface SearchRow {
  line: HistoryLine;
  room: HistoryRoom;
}

function toSearchRow(row: Row): SearchRow {
  return { line: toLine(row), room: toRoom(row, 'room_id') };
}

/** Creates the file (and folder) private to this user before SQLite opens it. */
function preparePrivateFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  // An existing file keeps its mode on open; history is private whoever created it.
  // SQLite gives the -wal file the database file's mode.
  for (const name of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      fs.chmodSync(name, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

export class HistoryConnection {
  readonly engine: SearchEngine;
  private readonly roomIds = new Map<string, number>();
  /** The name each room id was last given here, so a batch does not rewrite it. */
  private readonly roomNames = new Map<number, string>();
  /** Statements whose SQL is built at run time (per term count, per delete condition). */
  private readonly builtStatements = new Map<string, StatementSync>();
  private closed = false;

  private readonly findRoomStatement: StatementSync;
  private readonly roomByIdStatement: StatementSync;
  private readonly insertRoomStatement: StatementSync;
  private readonly touchRoomStatement: StatementSync;
  private readonly nameRoomStatement: StatementSync;
  private readonly roomsStatement: StatementSync;
  private readonly removeEmptyRoomsStatement: StatementSync;
  private readonly oldestSizesStatement: StatementSync;
  private readonly insertLineStatement: StatementSync;
  private readonly insertRowsStatement: StatementSync;
  private readonly indexRangeStatement: StatementSync | null;
  private readonly pageBeforeStatement: StatementSync;
  private readonly pageAfterStatement: StatementSync;
  private readonly lineByIdStatement: StatementSync;
  private readonly exportPageStatement: StatementSync;
  private readonly countStatement: StatementSync;
  private readonly maxIdStatement: StatementSync;
  private readonly nthOldestStatement: StatementSync;
  private readonly lastExpiredStatement: StatementSync;
  private readonly searchRoomStatement: StatementSync | null;
  private readonly searchAllStatement: StatementSync | null;

  private constructor(
    private readonly db: DatabaseSync,
    readonly persistent: boolean,
    search: SearchPreference,
  ) {
    this.engine = search === 'auto' && hasFts5(db) ? 'fts5' : 'like';
    // Always a write transaction, even with nothing to migrate: in EXCLUSIVE locking mode it
    // takes the file's lock now, so a second Tincan is refused at open, not at its first line.
    this.transaction(() => {
      migrate(db);
      ensureSearchIndex(db, this.engine === 'fts5' ? 'fts5' : 'none');
    });
    const fts = this.engine === 'fts5';
    this.findRoomStatement = db.prepare('SELECT id, host, port, name, last_at FROM rooms WHERE host = ? AND port = ?');
    this.roomByIdStatement = db.prepare('SELECT id, host, port, name, last_at FROM rooms WHERE id = ?');
    this.insertRoomStatement = db.prepare('INSERT INTO rooms (host, port) VALUES (?, ?) RETURNING id');
    this.touchRoomStatement = db.prepare('UPDATE rooms SET last_at = max(coalesce(last_at, 0), ?) WHERE id = ?');
    this.nameRoomStatement = db.prepare('UPDATE rooms SET name = ? WHERE id = ?');
    this.roomsStatement = db.prepare(
      'SELECT id, host, port, name, last_at FROM rooms ORDER BY coalesce(last_at, 0) DESC, id DESC LIMIT ?',
    );
    this.removeEmptyRoomsStatement = db.prepare(
      'DELETE FROM rooms WHERE NOT EXISTS (SELECT 1 FROM lines WHERE lines.room_id = rooms.id)',
    );
    this.oldestSizesStatement = db.prepare(
      `SELECT id, length(CAST(text AS BLOB)) + length(CAST(sender AS BLOB)) + ${LINE_OVERHEAD_BYTES} AS size FROM lines ORDER BY id LIMIT ?`,
    );
    this.insertLineStatement = db.prepare(
      'INSERT INTO lines (room_id, at, sender, text, kind, ours) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // Many rows per statement: each call into SQLite costs about as much as the row itself.
    this.insertRowsStatement = db.prepare(
      `INSERT INTO lines (room_id, at, sender, text, kind, ours) VALUES ${Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`,
    );
    this.indexRangeStatement = fts
      ? db.prepare('INSERT INTO lines_fts (rowid, text) SELECT id, text FROM lines WHERE id BETWEEN ? AND ?')
      : null;
    this.pageBeforeStatement = db.prepare(
      `SELECT ${LINE_COLUMNS} FROM lines WHERE room_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    );
    this.pageAfterStatement = db.prepare(
      `SELECT ${LINE_COLUMNS} FROM lines WHERE room_id = ? AND id > ? ORDER BY id ASC LIMIT ?`,
    );
    this.lineByIdStatement = db.prepare(`SELECT ${LINE_COLUMNS} FROM lines WHERE id = ?`);
    this.exportPageStatement = db.prepare(
      'SELECT id, at, sender, text, kind FROM lines WHERE room_id = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?',
    );
    this.countStatement = db.prepare('SELECT count(*) AS n FROM lines');
    this.maxIdStatement = db.prepare('SELECT coalesce(max(id), 0) AS id FROM lines');
    this.nthOldestStatement = db.prepare('SELECT id FROM lines ORDER BY id LIMIT 1 OFFSET ?');
    this.lastExpiredStatement = db.prepare(
      'SELECT max(id) AS id FROM (SELECT id FROM lines WHERE at < ? ORDER BY id LIMIT ?)',
    );
    // CROSS JOIN keeps the index as the outer loop: it yields matches newest first and the
    // LIMIT stops it early, whatever the planner would guess about the room filter.
    this.searchRoomStatement = fts
      ? db.prepare(
          `SELECT ${HIT_COLUMNS} FROM lines_fts f CROSS JOIN lines l ON l.id = f.rowid CROSS JOIN rooms r ON r.id = l.room_id
           WHERE lines_fts MATCH ? AND f.rowid < ? AND l.room_id = ? ORDER BY f.rowid DESC LIMIT ?`,
        )
      : null;
    this.searchAllStatement = fts
      ? db.prepare(
          `SELECT ${HIT_COLUMNS} FROM lines_fts f CROSS JOIN lines l ON l.id = f.rowid CROSS JOIN rooms r ON r.id = l.room_id
           WHERE lines_fts MATCH ? AND f.rowid < ? ORDER BY f.rowid DESC LIMIT ?`,
        )
      : null;
  }

  /**
   * Opens (creating if needed) a history file: private to this user, WAL, and locked for
   * this process alone (EXCLUSIVE locking mode, no busy wait), so a second Tincan on the same
   * file fails here with SQLITE_BUSY instead of interleaving writes.
   */
  static openFile(file: string, options: OpenFileOptions): HistoryConnection {
    preparePrivateFile(file);
    const db = new DatabaseSync(file, { timeout: 0, defensive: true });
    try {
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      // Before anything writes (switching to WAL rewrites the header): a newer Tincan's file
      // is left exactly as it is.
      const version = schemaVersion(db);
      if (version > SCHEMA_VERSION) throw new NewerSchemaError(version, SCHEMA_VERSION);
      db.prepare('PRAGMA journal_mode = WAL').get();
      // NORMAL in WAL mode: a power cut may lose the last transactions, never corrupt the file.
      // secure_delete: cleared lines are overwritten, not left in free pages.
      db.exec('PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY; PRAGMA trusted_schema = OFF;');
      if (options.maxPageCount > 0) db.exec(`PRAGMA max_page_count = ${Math.floor(options.maxPageCount)}`);
      return new HistoryConnection(db, true, options.search);
    } catch (error) {
      closeQuietly(db);
      throw error;
    }
  }

  /** A database in memory; `maxPageCount` bounds it as it bounds a file. */
  static openMemory(search: SearchPreference, maxPageCount = 0): HistoryConnection {
    const db = new DatabaseSync(':memory:', { defensive: true });
    try {
      db.exec('PRAGMA temp_store = MEMORY; PRAGMA trusted_schema = OFF;');
      if (maxPageCount > 0) db.exec(`PRAGMA max_page_count = ${Math.floor(maxPageCount)}`);
      return new HistoryConnection(db, false, search);
    } catch (error) {
      closeQuietly(db);
      throw error;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeQuietly(this.db);
  }

  /** Runs `work` in one write transaction; rolls back if it throws. */
  transaction<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      // A room created or named in the rolled-back transaction is not in the file.
      this.roomIds.clear();
      this.roomNames.clear();
      // SQLite may already have rolled back (SQLITE_FULL does, for one).
      if (this.db.isTransaction) {
        try {
          this.db.exec('ROLLBACK');
        } catch {
          // The original error is the one worth reporting.
        }
      }
      throw error;
    }
  }

  // ---- rooms ---------------------------------------------------------------------------

  findRoom(address: RoomAddress): HistoryRoom | null {
    const row = this.findRoomStatement.get(address.host, address.port);
    return row === undefined ? null : toRoom(row);
  }

  roomById(id: number): HistoryRoom | null {
    const row = this.roomByIdStatement.get(id);
    return row === undefined ? null : toRoom(row);
  }

  /** The room's id, creating the room on first use. Call inside a transaction. */
  roomIdFor(address: RoomAddress): number {
    const key = `${address.port}\n${address.host}`;
    const cached = this.roomIds.get(key);
    if (cached !== undefined) return cached;
    const found = this.findRoomStatement.get(address.host, address.port);
    const id = Number(found?.id ?? this.insertRoomStatement.get(address.host, address.port)?.id);
    this.roomIds.set(key, id);
    return id;
  }

  /** Names the room (when the name changed). Call inside a transaction. */
  nameRoom(roomId: number, name: string): void {
    if (this.roomNames.get(roomId) === name) return;
    this.nameRoomStatement.run(name, roomId);
    this.roomNames.set(roomId, name);
  }

  rooms(limit: number): HistoryRoom[] {
    return this.roomsStatement.all(limit).map((row) => toRoom(row));
  }

  // ---- lines -------------------------------------------------------------------------------

  /**
   * Inserts lines already bounded and cleaned; returns their ids (consecutive: one writer,
   * rowids assigned in order). Call inside a transaction.
   */
  insert(roomId: number, lines: readonly NewHistoryLine[]): number[] {
    if (lines.length === 0) return [];
    let newest = 0;
    let first = -1;
    let last = -1;
    let index = 0;
    const parameters: (number | string)[] = [];
    for (; index + ROWS_PER_INSERT <= lines.length; index += ROWS_PER_INSERT) {
      parameters.length = 0;
      for (let row = index; row < index + ROWS_PER_INSERT; row++) {
        const line = lines[row]!;
        parameters.push(roomId, line.at, line.sender, line.text, line.kind, line.ours ? 1 : 0);
        if (line.at > newest) newest = line.at;
      }
      last = Number(this.insertRowsStatement.run(...parameters).lastInsertRowid);
      if (first < 0) first = last - ROWS_PER_INSERT + 1;
    }
    for (; index < lines.length; index++) {
      const line = lines[index]!;
      last = Number(this.insertLineStatement.run(roomId, line.at, line.sender, line.text, line.kind, line.ours ? 1 : 0).lastInsertRowid);
      if (first < 0) first = last;
      if (line.at > newest) newest = line.at;
    }
    this.indexRangeStatement?.run(first, last);
    this.touchRoomStatement.run(newest, roomId);
    return Array.from({ length: last - first + 1 }, (_, offset) => first + offset);
  }

  /** Up to `limit` lines of the room older than `beforeId`, newest first. */
  linesBefore(roomId: number, beforeId: number, limit: number): HistoryLine[] {
    return this.pageBeforeStatement.all(roomId, beforeId, limit).map(toLine);
  }

  /** Up to `limit` lines of the room newer than `afterId`, oldest first. */
  linesAfter(roomId: number, afterId: number, limit: number): HistoryLine[] {
    return this.pageAfterStatement.all(roomId, afterId, limit).map(toLine);
  }

  line(id: number): HistoryLine | null {
    const row = this.lineByIdStatement.get(id);
    return row === undefined ? null : toLine(row);
  }

  exportPage(roomId: number, afterId: number, lastId: number, limit: number): (Pick<HistoryLine, 'id' | 'at' | 'sender' | 'text' | 'kind'>)[] {
    return this.exportPageStatement.all(roomId, afterId, lastId, limit).map((row) => ({
      id: Number(row.id),
      at: Number(row.at),
      sender: String(row.sender),
      text: String(row.text),
      kind: readStoredKind(row.kind),
    }));
  }

  count(): number {
    return Number(this.countStatement.get()?.n ?? 0);
  }

  /** Pages holding data (free pages, which new rows reuse, not counted). */
  usedPages(): number {
    const pages = Number(this.db.prepare('PRAGMA page_count').get()?.page_count ?? 0);
    const free = Number(this.db.prepare('PRAGMA freelist_count').get()?.freelist_count ?? 0);
    return pages - free;
  }

  /**
   * Sets the most pages the database may grow to (0 leaves it as it is) and answers the
   * limit now in force. SQLite never sets it below the current size.
   */
  setMaxPageCount(pages: number): number {
    const row = pages > 0 ? this.db.prepare(`PRAGMA max_page_count = ${Math.floor(pages)}`).get() : this.db.prepare('PRAGMA max_page_count').get();
    return Number(row?.max_page_count ?? 0);
  }

  maxId(): number {
    return Number(this.maxIdStatement.get()?.id ?? 0);
  }

  // ---- search ----------------------------------------------------------------------------

  searchFts(match: string, roomId: number | null, beforeId: number, limit: number): SearchRow[] {
    if (roomId === null) return (this.searchAllStatement?.all(match, beforeId, limit) ?? []).map(toSearchRow);
    return (this.searchRoomStatement?.all(match, beforeId, roomId, limit) ?? []).map(toSearchRow);
  }

  /**
   * Lines newest first that hold every pattern (LIKE, `\` escapes), between `lowestId`
   * (exclusive) and `beforeId` (exclusive). A generator: the caller stops when it has enough.
   */
  *searchLike(patterns: readonly string[], roomId: number | null, beforeId: number, lowestId: number): Generator<SearchRow> {
    const conditions = patterns.map(() => "l.text LIKE ? ESCAPE '\\'").join(' AND ');
    const scope = roomId === null ? '' : 'l.room_id = ? AND ';
    const statement = this.built(
      `SELECT ${HIT_COLUMNS} FROM lines l CROSS JOIN rooms r ON r.id = l.room_id
       WHERE ${scope}l.id < ? AND l.id > ? AND ${conditions} ORDER BY l.id DESC`,
    );
    const parameters = roomId === null ? [beforeId, lowestId, ...patterns] : [roomId, beforeId, lowestId, ...patterns];
    for (const row of statement.iterate(...parameters)) yield toSearchRow(row);
  }

  // ---- deleting ----------------------------------------------------------------------------
  //
  // The FTS5 index keeps no copy of the text, so it must be told what each deleted line
  // said before the line goes: every delete goes through removeWhere.

  private removeWhere(condition: string, parameters: readonly (number | string)[]): number {
    if (this.engine === 'fts5') {
      this.built(`INSERT INTO lines_fts (lines_fts, rowid, text) SELECT 'delete', id, text FROM lines WHERE ${condition}`).run(
        ...parameters,
      );
    }
    return Number(this.built(`DELETE FROM lines WHERE ${condition}`).run(...parameters).changes);
  }

  /** A statement from SQL assembled here (never from input), prepared on first use. */
  private built(sql: string): StatementSync {
    let statement = this.builtStatements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.builtStatements.set(sql, statement);
    }
    return statement;
  }

  /** Deletes a room and its lines; returns how many lines went. Call inside a transaction. */
  removeRoom(roomId: number): number {
    const removed = this.removeWhere('room_id = ?', [roomId]);
    this.built('DELETE FROM rooms WHERE id = ?').run(roomId);
    for (const [key, id] of this.roomIds) if (id === roomId) this.roomIds.delete(key);
    this.roomNames.delete(roomId);
    return removed;
  }

  /** Deletes up to `chunk` of the oldest lines received before `cutoff`. Call inside a transaction. */
  removeExpired(cutoff: number, chunk: number): number {
    const last = this.lastExpiredStatement.get(cutoff, chunk)?.id;
    if (typeof last !== 'number') return 0;
    return this.removeWhere('at < ? AND id <= ?', [cutoff, last]);
  }

  /**
   * Deletes the oldest lines, up to `maxLines` of them, until their text, sender and
   * overhead add up to `bytes`; returns how many went. Call inside a transaction.
   */
  removeOldestBytes(bytes: number, maxLines: number): number {
    if (bytes <= 0 || maxLines <= 0) return 0;
    let last: number | null = null;
    let total = 0;
    for (const row of this.oldestSizesStatement.iterate(maxLines)) {
      last = Number(row.id);
      total += Number(row.size);
      if (total >= bytes) break;
    }
    return last === null ? 0 : this.removeWhere('id <= ?', [last]);
  }

  /**
   * Merges the search index for about `pages` pages of work, which is what drops the
   * entries of deleted lines from it (until then deleting a line grows the index). True when
   * there was something to merge. Outside any transaction.
   */
  mergeIndex(pages: number): boolean {
    if (this.engine !== 'fts5') return false;
    const changes = this.built('SELECT total_changes() AS n');
    const before = Number(changes.get()?.n ?? 0);
    this.transaction(() => this.db.exec(`INSERT INTO lines_fts (lines_fts, rank) VALUES ('merge', ${-Math.max(1, Math.floor(pages))})`));
    // The command's own row counts as one change; more means segments were merged.
    return Number(changes.get()?.n ?? 0) - before > 1;
  }

  /** Deletes rooms that have no lines left; returns how many went. Call inside a transaction. */
  removeEmptyRooms(): number {
    const removed = Number(this.removeEmptyRoomsStatement.run().changes);
    if (removed > 0) {
      // Ids of deleted rooms must not be reused from the cache: the next line creates its room again.
      this.roomIds.clear();
      this.roomNames.clear();
    }
    return removed;
  }

  /** Deletes the `count` oldest lines. Call inside a transaction. */
  removeOldest(count: number): number {
    if (count <= 0) return 0;
    const last = this.nthOldestStatement.get(count - 1)?.id;
    if (typeof last !== 'number') return 0;
    return this.removeWhere('id <= ?', [last]);
  }

  /** Everything, rooms included. Call inside a transaction. */
  removeAll(): void {
    if (this.engine === 'fts5') this.db.exec("INSERT INTO lines_fts (lines_fts) VALUES ('delete-all')");
    this.db.exec('DELETE FROM lines; DELETE FROM rooms;');
    this.roomIds.clear();
    this.roomNames.clear();
  }

  /**
   * After a delete: merges the search index (dropping what the deleted lines left in it),
   * optionally rebuilds the file without free pages, and empties the WAL, so what was
   * cleared is no longer anywhere in the files. Outside any transaction.
   */
  scrub(vacuum: boolean): void {
    if (this.engine === 'fts5') this.db.exec("INSERT INTO lines_fts (lines_fts) VALUES ('optimize')");
    if (vacuum) this.db.exec('VACUUM');
    if (this.persistent) this.db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
  }
}

function closeQuietly(db: DatabaseSync): void {
  try {
    if (db.isOpen) db.close();
  } catch {
    // Closing a connection that failed half-way may fail too; nothing is left to release.
  }
}

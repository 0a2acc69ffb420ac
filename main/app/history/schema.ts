/**
 * The history database's schema, as numbered migrations. `PRAGMA user_version` holds the
 * number of the last one applied; opening a file applies the rest, each in the open
 * transaction. Never edit a released migration: add the next one.
 */
import type { DatabaseSync } from 'node:sqlite';
import { NewerSchemaError } from './faults';

interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    // The first schema: rooms and their lines, paged by (room, id).
    version: 1,
    sql: `
      CREATE TABLE rooms (
        id INTEGER PRIMARY KEY,
        host TEXT NOT NULL,
        port INTEGER NOT NULL CHECK (port BETWEEN 0 AND 65535),
        name TEXT,
        UNIQUE (host, port)
      );
      CREATE TABLE lines (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        room_id INTEGER NOT NULL REFERENCES rooms (id),
        at INTEGER NOT NULL,
        sender TEXT NOT NULL,
        text TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('message', 'join', 'leave', 'system')),
        ours INTEGER NOT NULL CHECK (ours IN (0, 1))
      );
      CREATE INDEX lines_by_room ON lines (room_id, id);
    `,
  },
  {
    // Retention purges by age, rooms are listed by recent activity, and the store records
    // which search index it keeps (see search index below).
    version: 2,
    sql: `
      CREATE INDEX lines_by_time ON lines (at);
      ALTER TABLE rooms ADD COLUMN last_at INTEGER;
      UPDATE rooms SET last_at = (SELECT max(at) FROM lines WHERE lines.room_id = rooms.id);
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    `,
  },
  {
    // Lines are stored with the app's one vocabulary of kinds (main/common/line-kind.ts),
    // with no CHECK on them: a new kind needs no migration (readers show unknown ones as raw).
    // SQLite cannot drop a CHECK, so the table is rebuilt with the same ids (the search
    // index's rowids) and the same AUTOINCREMENT high-water mark.
    version: 3,
    sql: `
      ALTER TABLE lines RENAME TO lines_v2;
      CREATE TABLE lines (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        room_id INTEGER NOT NULL REFERENCES rooms (id),
        at INTEGER NOT NULL,
        sender TEXT NOT NULL,
        text TEXT NOT NULL,
        kind TEXT NOT NULL,
        ours INTEGER NOT NULL CHECK (ours IN (0, 1))
      );
      INSERT INTO lines (id, room_id, at, sender, text, kind, ours)
        SELECT id, room_id, at, sender, text,
          CASE kind
            WHEN 'join' THEN 'connected'
            WHEN 'leave' THEN 'disconnected'
            WHEN 'system' THEN CASE WHEN substr(text, 1, 8) = 'Tincan: ' THEN 'notice' ELSE 'raw' END
            ELSE kind
          END,
          ours
        FROM lines_v2 ORDER BY id;
      UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'lines_v2')
        WHERE name = 'lines' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'lines_v2');
      INSERT INTO sqlite_sequence (name, seq)
        SELECT 'lines', seq FROM sqlite_sequence WHERE name = 'lines_v2'
          AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'lines');
      DROP TABLE lines_v2;
      CREATE INDEX lines_by_room ON lines (room_id, id);
      CREATE INDEX lines_by_time ON lines (at);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get();
  return Number(row?.user_version ?? 0);
}

/** Brings the schema to `target` (default: the latest). Call inside a write transaction. */
export function migrate(db: DatabaseSync, target = SCHEMA_VERSION): void {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) throw new NewerSchemaError(current, SCHEMA_VERSION);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current || migration.version > target) continue;
    db.exec(migration.sql);
    db.exec(`PRAGMA user_version = ${migration.version}`);
  }
}

// ---- the search index ---------------------------------------------------------------------
//
// FTS5 over lines.text as an external-content table (the text is stored once, in lines).
// Its rows are written and deleted explicitly, a whole batch per statement, which costs a
// third of what a per-row trigger does. detail=none: the store only asks "which lines hold
// these word prefixes", never for phrases or positions (highlights are found in JS).
// Marks count as word characters and diacritics are kept, matching WordMatcher.

const FTS_TABLE = `
  CREATE VIRTUAL TABLE lines_fts USING fts5 (
    text,
    content = 'lines',
    content_rowid = 'id',
    detail = none,
    tokenize = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'"
  );
`;

/** True when this SQLite can create FTS5 tables (checked in the temp schema, the file is not touched). */
export function hasFts5(db: DatabaseSync): boolean {
  try {
    db.exec('CREATE VIRTUAL TABLE temp.tincan_fts5_probe USING fts5 (x); DROP TABLE temp.tincan_fts5_probe;');
    return true;
  } catch {
    return false;
  }
}

export type SearchIndex = 'fts5' | 'none';

function recordedIndex(db: DatabaseSync): SearchIndex {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'search_index'").get();
  return row?.value === 'fts5' ? 'fts5' : 'none';
}

function tableExists(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 AS found FROM sqlite_schema WHERE name = ?").get(name) !== undefined;
}

/**
 * Makes the file's search index the one wanted now. A file last used without FTS5 (another
 * runtime, or the forced fallback) may hold an index that missed lines: it is dropped and
 * rebuilt from lines. Call inside a write transaction.
 */
export function ensureSearchIndex(db: DatabaseSync, wanted: SearchIndex): void {
  const recorded = recordedIndex(db);
  if (wanted === 'fts5') {
    if (recorded === 'fts5' && tableExists(db, 'lines_fts')) return;
    if (tableExists(db, 'lines_fts')) db.exec('DROP TABLE lines_fts');
    db.exec(FTS_TABLE);
    db.exec("INSERT INTO lines_fts (lines_fts) VALUES ('rebuild')");
  }
  db.prepare("INSERT INTO meta (key, value) VALUES ('search_index', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(wanted);
}

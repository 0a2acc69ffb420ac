/**
 * The transcript store on real SQLite files in a temporary folder: writing in batches,
 * paging, context, export, retention, clearing, migrations and every fault it must survive.
 * Search has its own file (search.test.ts), run on both engines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION, ensureSearchIndex, migrate } from '../../../main/app/history/schema';
import { DAY_MS, TranscriptStore, UNAVAILABLE_PREFIX, type HistoryStoreEvent } from '../../../main/app/history/store';
import { HISTORY_LIMITS, type HistoryStatus } from '../../../main/common/history';
import {
  filesContain,
  holdStoreInAnotherProcess,
  message,
  messages,
  ROOM_A,
  ROOM_B,
  temporaryFolder,
  walCommits,
} from './helpers';
import { value } from '../../support/result';

let folder: ReturnType<typeof temporaryFolder>;
let file: string;
const opened: TranscriptStore[] = [];

function open(options: Partial<Parameters<typeof TranscriptStore.open>[0]> = {}): TranscriptStore {
  const store = TranscriptStore.open({ file, ...options });
  opened.push(store);
  return store;
}

function recordEvents(store: TranscriptStore): HistoryStoreEvent[] {
  const events: HistoryStoreEvent[] = [];
  store.onEvent((event) => events.push(event));
  return events;
}

beforeEach(() => {
  folder = temporaryFolder();
  file = path.join(folder.dir, 'profile', 'history.sqlite');
});

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  vi.useRealTimers();
  folder.remove();
});

describe('opening', () => {
  it('creates the folder and a private WAL database at the latest schema', () => {
    const store = open();
    expect(store.status).toEqual({ available: true, engine: 'fts5', persistent: true, retention: 'forever' });
    store.append(ROOM_A, [message('hello')]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    store.close();
    const raw = new DatabaseSync(file, { readOnly: true });
    expect(raw.prepare('PRAGMA user_version').get()?.user_version).toBe(SCHEMA_VERSION);
    expect(raw.prepare('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    raw.close();
  });

  it('makes an existing file private again', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o644);
    open();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('keeps lines across a close and a reopen', () => {
    const first = open();
    first.append(ROOM_A, messages(3));
    first.close();
    const page = value(open().pageBefore(ROOM_A, null));
    expect(page.lines.map((line) => line.text)).toEqual(['line 0', 'line 1', 'line 2']);
  });
});

describe('appending', () => {
  it('writes one transaction per batch, never one per line', () => {
    const store = open();
    const before = walCommits(file);
    store.append(ROOM_A, messages(100));
    store.append(ROOM_A, messages(100));
    store.append(ROOM_B, messages(100));
    expect(walCommits(file) - before).toBe(3);
    expect(store.stats()).toMatchObject({ stored: 300, dropped: 0, batches: 3 });
  });

  it('returns the new ids in order, increasing across batches and rooms', () => {
    const store = open();
    const first = store.append(ROOM_A, messages(3));
    const second = store.append(ROOM_B, messages(2));
    const all = [...first, ...second];
    expect(all).toHaveLength(5);
    expect([...all].sort((a, b) => a - b)).toEqual(all);
    expect(new Set(all).size).toBe(5);
  });

  it('each returned id names its own line, across many-row inserts and their remainder', () => {
    const store = open();
    const ids = store.append(ROOM_A, messages(150));
    expect(ids).toHaveLength(150);
    for (const index of [0, 63, 64, 127, 128, 149]) {
      expect(value(store.context(ids[index]!, 0)).lines.map((line) => line.text)).toEqual([`line ${index}`]);
    }
  });

  it('stores every field: room, time, sender, text, kind and whether it was ours', () => {
    const store = open();
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    store.append(ROOM_B, [
      { at, sender: '[fe80::2]:5000', text: 'hi', kind: 'message', ours: true },
      { at: at + 1, sender: '[fe80::3]:5001', text: '', kind: 'connected', ours: false },
      { at: at + 2, sender: '[fe80::3]:5001', text: '', kind: 'disconnected', ours: false },
      { at: at + 3, sender: '', text: 'Tincan: this room is full', kind: 'notice', ours: false },
    ]);
    const page = value(store.pageBefore(ROOM_B, null));
    expect(page.room).toMatchObject({ host: 'fe80::1', port: 60004, name: null, lastAt: at + 3 });
    expect(page.lines.map(({ at: time, sender, text, kind, ours }) => ({ at: time, sender, text, kind, ours }))).toEqual([
      { at, sender: '[fe80::2]:5000', text: 'hi', kind: 'message', ours: true },
      { at: at + 1, sender: '[fe80::3]:5001', text: '', kind: 'connected', ours: false },
      { at: at + 2, sender: '[fe80::3]:5001', text: '', kind: 'disconnected', ours: false },
      { at: at + 3, sender: '', text: 'Tincan: this room is full', kind: 'notice', ours: false },
    ]);
  });

  it('bounds text and sender, strips control characters and repairs bad fields', () => {
    const store = open();
    const long = 'x'.repeat(HISTORY_LIMITS.maxTextChars - 1) + '😀tail';
    store.append(ROOM_A, [
      message(long, { sender: 's'.repeat(1000) }),
      message('bell\u0007 and \u001b[2Jclear\nnewline'),
      { at: Number.NaN, sender: 42, text: null, kind: 'bogus', ours: 'yes' } as never,
    ]);
    const [cut, cleaned, repaired] = value(store.pageBefore(ROOM_A, null)).lines;
    // The emoji would straddle the limit: it is dropped whole, not halved.
    expect(cut!.text).toBe('x'.repeat(HISTORY_LIMITS.maxTextChars - 1));
    expect(cut!.sender).toHaveLength(HISTORY_LIMITS.maxSenderChars);
    expect(cleaned!.text).toBe('bell and clearnewline');
    expect(repaired).toMatchObject({ sender: '', text: '', kind: 'raw', ours: false });
    expect(Number.isFinite(repaired!.at)).toBe(true);
  });

  it('drops lines for an address that is not a room, and says so in the stats', () => {
    const store = open();
    expect(store.append({ host: '', port: 1 }, messages(2))).toEqual([]);
    expect(store.append({ host: 'a', port: 70000 }, messages(1))).toEqual([]);
    expect(store.append({ host: 'h'.repeat(301), port: 1 }, messages(1))).toEqual([]);
    expect(store.stats()).toMatchObject({ stored: 0, dropped: 4 });
  });

  it('writes a huge batch in bounded transactions and keeps every line', () => {
    const store = open();
    const ids = store.append(ROOM_A, messages(25_000));
    expect(ids).toHaveLength(25_000);
    expect(value(store.pageBefore(ROOM_A, null, 1)).lines[0]!.text).toBe('line 24999');
  });

  it('keeps at most maxLines, dropping the oldest', () => {
    const store = open({ maxLines: 100 });
    for (let batch = 0; batch < 5; batch++) store.append(ROOM_A, messages(50, (index) => `b${batch} ${index}`));
    const newest = value(store.pageBefore(ROOM_A, null, 200)).lines;
    expect(newest.length).toBeLessThanOrEqual(100);
    expect(newest.at(-1)!.text).toBe('b4 49');
    expect(newest[0]!.text).not.toBe('b0 0');
  });
});

describe('the size cap', () => {
  /** About 8 KiB of many different words: what a hostile room's long lines cost in the file and its search index. */
  const longLine = (batch: number, index: number): string =>
    `long ${batch} ${index} ` + Array.from({ length: 300 }, (_, word) => `w${(batch * 7919 + index * 104_729 + word * 31) % 50_000}${'-abcdefghijklmnopqrstu'}`).join(' ');

  it('a history file with a small size cap, filled with long lines, keeps saving: the oldest lines make room', () => {
    const cap = 2 * 1024 * 1024;
    const store = open({ maxDatabaseBytes: cap });
    const events = recordEvents(store);
    const batches = 60;
    const perBatch = 10;
    let stored = 0;
    for (let batch = 0; batch < batches; batch++) {
      stored += store.append(ROOM_A, messages(perBatch, (index) => longLine(batch, index))).length;
    }
    // About 4 MiB of text, twice that with its search index, into a 2 MiB file: every batch stored, history still available.
    expect(store.status.available).toBe(true);
    expect(events.filter((event) => event.type === 'status')).toEqual([]);
    expect(stored).toBe(batches * perBatch);
    expect(store.stats()).toMatchObject({ stored: batches * perBatch, dropped: 0 });
    expect(store.stats().trimmed).toBeGreaterThan(0);
    const kept = value(store.pageBefore(ROOM_A, null, 200)).lines;
    expect(kept.at(-1)!.text.startsWith(`long ${batches - 1} ${perBatch - 1} `)).toBe(true);
    expect(kept[0]!.text.startsWith('long 0 0 ')).toBe(false);
    expect(kept.length).toBeGreaterThan(50);
    expect(value(store.search({ query: `long ${batches - 1}` })).hits.length).toBeGreaterThan(0);
    store.close();
    // Within the cap, but for what trimming may use past it while it deletes (a twentieth, at least 256 KiB).
    expect(fs.statSync(file).size).toBeLessThanOrEqual(cap + Math.max(cap / 20, 256 * 1024));
  });

  it('the in-memory history of "this session only" has a size cap too, and keeps saving past it', () => {
    const store = open({ retention: 'session', maxMemoryBytes: 2 * 1024 * 1024 });
    let stored = 0;
    for (let batch = 0; batch < 60; batch++) stored += store.append(ROOM_A, messages(10, (index) => longLine(batch, index))).length;
    expect(store.status.available).toBe(true);
    expect(stored).toBe(600);
    expect(store.stats().trimmed).toBeGreaterThan(0);
    expect(value(store.pageBefore(ROOM_A, null, 1)).lines[0]!.text.startsWith('long 59 9 ')).toBe(true);
  });

  it('a room whose lines were all trimmed away goes too', () => {
    const store = open({ maxDatabaseBytes: 2 * 1024 * 1024 });
    store.append(ROOM_B, [message('the attic was here')], 'Attic');
    for (let batch = 0; batch < 40; batch++) store.append(ROOM_A, messages(10, (index) => longLine(batch, index)));
    expect(store.stats().trimmed).toBeGreaterThan(0);
    expect(value(store.pageBefore(ROOM_B, null)).room).toBeNull();
    expect(value(store.pageBefore(ROOM_A, null)).room).not.toBeNull();
  });
});

describe('paging', () => {
  it('pages older lines 200 at a time with a cursor, oldest first within a page', () => {
    const store = open();
    store.append(ROOM_A, messages(450));
    store.append(ROOM_B, messages(10, (index) => `other ${index}`));
    const first = value(store.pageBefore(ROOM_A, null));
    expect(first.lines).toHaveLength(200);
    expect(first.lines[0]!.text).toBe('line 250');
    expect(first.lines.at(-1)!.text).toBe('line 449');
    expect(first.hasMore).toBe(true);
    const second = value(store.pageBefore(ROOM_A, first.lines[0]!.id));
    expect(second.lines[0]!.text).toBe('line 50');
    const third = value(store.pageBefore(ROOM_A, second.lines[0]!.id));
    expect(third.lines.map((line) => line.text)).toEqual(messages(50).map((line) => line.text));
    expect(third.hasMore).toBe(false);
  });

  it('never serves more than 200 lines a page, whatever is asked', () => {
    const store = open();
    store.append(ROOM_A, messages(500));
    expect(value(store.pageBefore(ROOM_A, null, 10_000)).lines).toHaveLength(HISTORY_LIMITS.maxPageLines);
    expect(value(store.pageBefore(ROOM_A, null, -5)).lines).toHaveLength(1);
    expect(value(store.pageAfter(ROOM_A, 0, 1e9)).lines).toHaveLength(HISTORY_LIMITS.maxPageLines);
  });

  it('pages newer lines after a cursor', () => {
    const store = open();
    const ids = store.append(ROOM_A, messages(10));
    const page = value(store.pageAfter(ROOM_A, ids[6]!, 2));
    expect(page.lines.map((line) => line.text)).toEqual(['line 7', 'line 8']);
    expect(page.hasMore).toBe(true);
  });

  it('answers an empty page for a room it has never seen', () => {
    expect(value(open().pageBefore({ host: '192.0.2.1', port: 1 }, null))).toEqual({ room: null, lines: [], hasMore: false });
  });

  it('serves a line with its neighbours in the same room', () => {
    const store = open();
    store.append(ROOM_A, messages(5));
    const other = store.append(ROOM_B, messages(1, () => 'between'));
    const ids = store.append(ROOM_A, messages(5, (index) => `late ${index}`));
    const context = value(store.context(ids[0]!, 3));
    expect(context.lines.map((line) => line.text)).toEqual(['line 2', 'line 3', 'line 4', 'late 0', 'late 1', 'late 2', 'late 3']);
    expect(context).toMatchObject({ targetId: ids[0], hasOlder: true, hasNewer: true, room: { host: ROOM_A.host } });
    expect(value(store.context(other[0]!, 100)).lines.map((line) => line.text)).toEqual(['between']);
    expect(store.context(999_999)).toEqual({ ok: false, error: 'That line is no longer in the history.' });
    expect(store.context(-1).ok).toBe(false);
  });

  it('stores the name a room is given with its lines, cleaned, and follows a new one', () => {
    const store = open();
    store.append(ROOM_A, [message('a', { at: 1000 })], '  Kitchen\u0007  ');
    store.append(ROOM_B, [message('b', { at: 2000 })]);
    expect(value(store.pageBefore(ROOM_A, null)).room).toMatchObject({ host: '10.0.0.5', name: 'Kitchen', lastAt: 1000 });
    expect(value(store.pageBefore(ROOM_B, null)).room).toMatchObject({ host: 'fe80::1', name: null });
    // A batch without a name leaves the name alone; a new name replaces it.
    store.append(ROOM_A, [message('c', { at: 3000 })]);
    expect(value(store.pageBefore(ROOM_A, null)).room?.name).toBe('Kitchen');
    store.append(ROOM_A, [message('d', { at: 4000 })], 'Kitchen (2)');
    expect(value(store.pageBefore(ROOM_A, null)).room?.name).toBe('Kitchen (2)');
  });
});

describe('export', () => {
  it('writes the room as plain UTF-8 lines in local time, exactly', async () => {
    const store = open();
    const at = new Date(2026, 11, 1, 14, 3, 7).getTime();
    store.append(ROOM_A, [
      message('hello, wörld ✓', { at, sender: '10.0.0.5:50123' }),
      message('', { at: at + 1000, sender: '10.0.0.6:40000', kind: 'connected' }),
      message('', { at: at + 2000, sender: '10.0.0.6:40000', kind: 'disconnected' }),
      message('Tincan: reconnected', { at: at + 3000, sender: '', kind: 'notice' }),
    ]);
    store.append(ROOM_B, [message('not this room', { at })]);
    const target = path.join(folder.dir, 'transcript.txt');
    expect(value(await store.exportRoom(ROOM_A, target))).toEqual({ lines: 4, bytes: fs.statSync(target).size });
    expect(fs.readFileSync(target, 'utf8')).toBe(
      '2026-12-01 14:03:07 10.0.0.5:50123: hello, wörld ✓\n' +
        '2026-12-01 14:03:08 10.0.0.6:40000 joined\n' +
        '2026-12-01 14:03:09 10.0.0.6:40000 left\n' +
        '2026-12-01 14:03:10 Tincan: reconnected\n',
    );
  });

  it('names a sender from the stored name lines before its line, the address kept; own lines keep their address', async () => {
    const store = open();
    const at = new Date(2026, 11, 1, 14, 3, 7).getTime();
    const alice = '10.0.0.5:50123';
    store.append(ROOM_A, [
      message('before the name', { at, sender: alice }),
      message(`Tincan: [${alice}] is now alice`, { at: at + 1000, sender: alice, kind: 'notice' }),
      message('hi', { at: at + 2000, sender: alice }),
      message('', { at: at + 3000, sender: alice, kind: 'disconnected' }),
      message('mine', { at: at + 4000, sender: '10.0.0.9:40000', ours: true }),
      message(`Tincan: [${alice}] is no longer alice`, { at: at + 5000, sender: alice, kind: 'notice' }),
      message('nameless again', { at: at + 6000, sender: alice }),
    ]);
    const target = path.join(folder.dir, 'named.txt');
    expect(value(await store.exportRoom(ROOM_A, target)).lines).toBe(7);
    expect(fs.readFileSync(target, 'utf8')).toBe(
      '2026-12-01 14:03:07 10.0.0.5:50123: before the name\n' +
        '2026-12-01 14:03:08 Tincan: 10.0.0.5:50123 is now alice\n' +
        '2026-12-01 14:03:09 alice (10.0.0.5:50123): hi\n' +
        '2026-12-01 14:03:10 alice (10.0.0.5:50123) left\n' +
        '2026-12-01 14:03:11 10.0.0.9:40000: mine\n' +
        '2026-12-01 14:03:12 Tincan: 10.0.0.5:50123 is no longer alice\n' +
        '2026-12-01 14:03:13 10.0.0.5:50123: nameless again\n',
    );
  });

  it('streams a big history page by page and leaves no temporary file', async () => {
    const store = open();
    for (let batch = 0; batch < 5; batch++) store.append(ROOM_A, messages(5000, (index) => `b${batch} ${index}`));
    const target = path.join(folder.dir, 'big.txt');
    expect(value(await store.exportRoom(ROOM_A, target)).lines).toBe(25_000);
    const lines = fs.readFileSync(target, 'utf8').split('\n');
    expect(lines).toHaveLength(25_001);
    expect(lines[0]).toMatch(/ 10\.0\.0\.7:50123: b0 0$/);
    expect(lines[24_999]).toMatch(/ b4 4999$/);
    expect(fs.readdirSync(folder.dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('does not include lines stored after the export began', async () => {
    const store = open();
    store.append(ROOM_A, messages(3000));
    const target = path.join(folder.dir, 'snapshot.txt');
    const exporting = store.exportRoom(ROOM_A, target);
    store.append(ROOM_A, messages(10, () => 'after'));
    expect(value(await exporting).lines).toBe(3000);
    expect(fs.readFileSync(target, 'utf8')).not.toContain('after');
  });

  it('fails with a sentence, and writes nothing, when the folder does not exist', async () => {
    const store = open();
    store.append(ROOM_A, messages(1));
    const result = await store.exportRoom(ROOM_A, path.join(folder.dir, 'missing', 'out.txt'));
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(/^Could not save the transcript: /);
    expect(fs.existsSync(path.join(folder.dir, 'missing'))).toBe(false);
  });

  it('refuses a room with no history', async () => {
    const result = await open().exportRoom(ROOM_B, path.join(folder.dir, 'none.txt'));
    expect(result).toEqual({ ok: false, error: 'There is no history for this room yet.' });
  });
});

describe('retention', () => {
  const day = (n: number): number => Date.UTC(2026, 0, 1) + n * DAY_MS;

  it('30 days: purges older lines at open and leaves the rest', () => {
    const forever = open();
    forever.append(ROOM_A, [message('old', { at: day(0) }), message('edge', { at: day(10) }), message('new', { at: day(39) })]);
    forever.close();
    const store = open({ retention: 'days30', now: () => day(40) });
    expect(value(store.pageBefore(ROOM_A, null)).lines.map((line) => line.text)).toEqual(['edge', 'new']);
    expect(filesContain(file, 'old')).toBe(false);
  });

  it('30 days: a room with no line left goes too, name and address and all', () => {
    const forever = open();
    forever.append(ROOM_A, [message('old in the attic', { at: day(0) })], 'Attic');
    forever.append(ROOM_B, [message('recent', { at: day(39) })], 'Kitchen');
    forever.close();
    const store = open({ retention: 'days30', now: () => day(40) });
    expect(value(store.pageBefore(ROOM_A, null)).room).toBeNull();
    expect(value(store.pageBefore(ROOM_B, null)).room).toMatchObject({ name: 'Kitchen' });
    store.close();
    expect(filesContain(file, 'Attic')).toBe(false);
    const raw = new DatabaseSync(file, { readOnly: true });
    expect(raw.prepare('SELECT host, port, name FROM rooms').all()).toEqual([{ host: ROOM_B.host, port: ROOM_B.port, name: 'Kitchen' }]);
    raw.close();
  });

  it('30 days: purges again on its timer as time passes', () => {
    vi.useFakeTimers();
    let now = day(0);
    const store = open({ retention: 'days30', now: () => now, purgeIntervalMs: 60_000 });
    store.append(ROOM_A, [message('first', { at: day(0) }), message('second', { at: day(5) })]);
    now = day(31);
    vi.advanceTimersByTime(60_000);
    expect(value(store.pageBefore(ROOM_A, null)).lines.map((line) => line.text)).toEqual(['second']);
    now = day(36);
    vi.advanceTimersByTime(60_000);
    expect(value(store.pageBefore(ROOM_A, null)).lines).toEqual([]);
  });

  it('switching to 30 days purges at once; forever never purges', () => {
    const store = open({ now: () => day(100) });
    store.append(ROOM_A, [message('ancient', { at: day(1) }), message('recent', { at: day(99) })]);
    expect(value(store.purgeExpired())).toBe(0);
    expect(store.setRetention('days30')).toMatchObject({ available: true, retention: 'days30' });
    expect(value(store.pageBefore(ROOM_A, null)).lines.map((line) => line.text)).toEqual(['recent']);
  });

  it('this session only: no file is ever created, yet the session can page and search', () => {
    const store = open({ retention: 'session' });
    expect(store.status).toEqual({ available: true, engine: 'fts5', persistent: false, retention: 'session' });
    store.append(ROOM_A, messages(3, (index) => `ephemeral ${index}`));
    expect(value(store.pageBefore(ROOM_A, null)).lines).toHaveLength(3);
    expect(value(store.search({ query: 'ephemeral' })).hits).toHaveLength(3);
    store.close();
    expect(fs.existsSync(path.dirname(file))).toBe(false);
  });

  it('this session only: an existing file is emptied, nothing of it remains on disk', () => {
    const forever = open();
    forever.append(ROOM_A, messages(500, (index) => `zebrafish${index} secret`));
    forever.close();
    expect(filesContain(file, 'zebrafish1')).toBe(true);
    const store = open({ retention: 'session' });
    store.append(ROOM_A, messages(5, () => 'okapi only in memory'));
    expect(filesContain(file, 'zebrafish')).toBe(false);
    expect(filesContain(file, 'okapi')).toBe(false);
    const raw = new DatabaseSync(file, { readOnly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM lines').get()?.n).toBe(0);
    raw.close();
  });

  it('switching to this session only empties the file and keeps this run’s lines in memory', () => {
    const before = open();
    before.append(ROOM_A, [message('from an earlier run')]);
    before.close();
    const store = open();
    store.append(ROOM_A, [message('from this run')]);
    const events = recordEvents(store);
    expect(store.setRetention('session')).toMatchObject({ available: true, persistent: false });
    expect(events.map((event) => event.type)).toContain('status');
    expect(value(store.pageBefore(ROOM_A, null)).lines.map((line) => line.text)).toEqual(['from this run']);
    store.append(ROOM_A, [message('still in memory')]);
    expect(filesContain(file, 'earlier run')).toBe(false);
    expect(filesContain(file, 'this run')).toBe(false);
    expect(filesContain(file, 'still in memory')).toBe(false);
  });

  it('switching back from this session only writes the session’s lines to the file', () => {
    const store = open({ retention: 'session' });
    store.append(ROOM_A, [message('kept after all')]);
    store.setRetention('forever');
    store.append(ROOM_A, [message('and this')]);
    store.close();
    expect(value(open().pageBefore(ROOM_A, null)).lines.map((line) => line.text)).toEqual(['kept after all', 'and this']);
  });
});

describe('clearing', () => {
  it('clears one room and leaves the others; its text is gone from the files', () => {
    const store = open();
    store.append(ROOM_A, messages(300, (index) => `narwhal${index} private`));
    store.append(ROOM_B, messages(3, (index) => `keep ${index}`));
    expect(value(store.clearRoom(ROOM_A))).toBe(300);
    expect(value(store.pageBefore(ROOM_A, null))).toEqual({ room: null, lines: [], hasMore: false });
    expect(value(store.search({ query: 'narwhal1' })).hits).toEqual([]);
    expect(value(store.pageBefore(ROOM_B, null)).lines).toHaveLength(3);
    expect(filesContain(file, 'narwhal')).toBe(false);
    expect(value(store.clearRoom({ host: '192.0.2.9', port: 9 }))).toBe(0);
  });

  it('clears everything; the file holds nothing of it and keeps working', () => {
    const store = open();
    store.append(ROOM_A, messages(300, (index) => `axolotl${index}`));
    store.append(ROOM_B, messages(300, (index) => `quokka${index}`));
    value(store.clearAll());
    expect(value(store.pageBefore(ROOM_A, null)).room).toBeNull();
    expect(value(store.pageBefore(ROOM_B, null)).room).toBeNull();
    expect(filesContain(file, 'axolotl')).toBe(false);
    expect(filesContain(file, 'quokka')).toBe(false);
    const ids = store.append(ROOM_A, [message('fresh start')]);
    expect(value(store.context(ids[0]!)).lines.map((line) => line.text)).toEqual(['fresh start']);
  });
});

describe('migrations', () => {
  /** A file as the first released schema left it. */
  function writeFirstSchemaFile(): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const raw = new DatabaseSync(file);
    raw.exec(MIGRATIONS[0]!.sql);
    raw.exec('PRAGMA user_version = 1');
    raw.exec("INSERT INTO rooms (id, host, port) VALUES (1, '10.0.0.5', 60003)");
    const insert = raw.prepare("INSERT INTO lines (room_id, at, sender, text, kind, ours) VALUES (1, ?, '10.0.0.7:1', ?, 'message', 0)");
    insert.run(Date.UTC(2020, 0, 1), 'from schema one, long ago');
    insert.run(Date.now(), 'from schema one, recently');
    raw.close();
  }

  it('migrates a first-schema file: lines kept, searchable, pageable, purgeable', () => {
    writeFirstSchemaFile();
    const store = open({ retention: 'days30' });
    expect(store.status.available).toBe(true);
    expect(value(store.pageBefore(ROOM_A, null)).lines.map((line) => line.text)).toEqual(['from schema one, recently']);
    expect(value(store.search({ query: 'schema recent' })).hits).toHaveLength(1);
    expect(value(store.pageBefore(ROOM_A, null)).room?.lastAt).not.toBeNull();
    store.close();
    const raw = new DatabaseSync(file, { readOnly: true });
    expect(raw.prepare('PRAGMA user_version').get()?.user_version).toBe(SCHEMA_VERSION);
    expect(raw.prepare("SELECT name FROM sqlite_schema WHERE name = 'lines_by_time'").get()).toBeDefined();
    raw.close();
  });

  it('migrates a second-schema file to the one vocabulary of kinds, without the CHECK: rows, ids and search survive', () => {
    // A file as the second schema left it, search index and all, written with its own SQL.
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const raw = new DatabaseSync(file);
    raw.exec('BEGIN');
    migrate(raw, 2);
    ensureSearchIndex(raw, 'fts5');
    raw.exec('COMMIT');
    raw.exec("INSERT INTO rooms (id, host, port) VALUES (1, '10.0.0.5', 60003)");
    const insert = raw.prepare('INSERT INTO lines (room_id, at, sender, text, kind, ours) VALUES (1, ?, ?, ?, ?, 0) RETURNING id');
    const now = Date.now();
    const rows: [string, string, string][] = [
      ['10.0.0.7:1', 'an old kingfisher', 'message'],
      ['10.0.0.7:1', '', 'join'],
      ['10.0.0.7:1', '', 'leave'],
      ['', 'Tincan: topic: kingfishers', 'system'],
      ['', 'garbage from a host', 'system'],
      ['10.0.0.7:1', 'the last one, deleted', 'message'],
    ];
    const ids = rows.map(([sender, text, kind], index) => Number(insert.get(now + index, sender, text, kind)!.id));
    raw.exec("INSERT INTO lines_fts (rowid, text) SELECT id, text FROM lines");
    // The newest line was deleted: its id must never be used again (AUTOINCREMENT).
    raw.exec(`DELETE FROM lines WHERE id = ${ids[5]!}`);
    raw.exec(`INSERT INTO lines_fts (lines_fts, rowid, text) VALUES ('delete', ${ids[5]!}, 'the last one, deleted')`);
    expect(() => raw.exec("INSERT INTO lines (room_id, at, sender, text, kind, ours) VALUES (1, 0, '', '', 'notice', 0)")).toThrow(/CHECK/);
    raw.close();

    const store = open();
    const page = value(store.pageBefore(ROOM_A, null));
    expect(page.lines.map((line) => [line.id, line.kind, line.text])).toEqual([
      [ids[0], 'message', 'an old kingfisher'],
      [ids[1], 'connected', ''],
      [ids[2], 'disconnected', ''],
      [ids[3], 'notice', 'Tincan: topic: kingfishers'],
      [ids[4], 'raw', 'garbage from a host'],
    ]);
    expect(value(store.search({ query: 'kingfisher' })).hits.map((hit) => hit.line.id)).toEqual([ids[3], ids[0]]);
    const [next] = store.append(ROOM_A, [message('after the migration')]);
    expect(next).toBeGreaterThan(ids[5]!);
    store.close();

    const after = new DatabaseSync(file);
    expect(after.prepare('PRAGMA user_version').get()?.user_version).toBe(SCHEMA_VERSION);
    // A kind this version does not know can be stored (a newer version's), and reads back as raw.
    after.exec("INSERT INTO lines (room_id, at, sender, text, kind, ours) VALUES (1, 1, '', 'from the future', 'some-new-kind', 0)");
    expect(after.prepare("SELECT name FROM sqlite_schema WHERE name IN ('lines_by_room', 'lines_by_time', 'lines_v2') ORDER BY name").all().map((row) => row.name)).toEqual([
      'lines_by_room',
      'lines_by_time',
    ]);
    after.close();
    const reopened = open();
    expect(value(reopened.pageBefore(ROOM_A, null)).lines.at(-1)).toMatchObject({ text: 'from the future', kind: 'raw' });
    reopened.close();
  });

  it('refuses a file from a newer Tincan and leaves it untouched', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const raw = new DatabaseSync(file);
    raw.exec('CREATE TABLE future (x); PRAGMA user_version = 99;');
    raw.close();
    const bytes = fs.readFileSync(file);
    const store = open();
    expect(store.status).toMatchObject({ available: false });
    expect((store.status as { reason: string }).reason).toMatch(/newer version of Tincan/);
    store.close();
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    expect(fs.readdirSync(path.dirname(file)).filter((name) => name.includes('damaged'))).toEqual([]);
  });
});

describe('faults', () => {
  it('moves a file that is not a database aside, keeps its bytes, and starts afresh', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const garbage = Buffer.from('this is not a database at all, just some bytes\n'.repeat(200));
    fs.writeFileSync(file, garbage);
    const store = open();
    expect(store.status.available).toBe(true);
    expect(store.startupNotices).toHaveLength(1);
    expect(store.startupNotices[0]).toMatch(/^The history file was damaged\. It was set aside as history\.sqlite\.damaged-.+ and a new one was started\.$/);
    const aside = fs.readdirSync(path.dirname(file)).filter((name) => name.startsWith('history.sqlite.damaged-'));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(path.dirname(file), aside[0]!)).equals(garbage)).toBe(true);
    store.append(ROOM_A, [message('works again')]);
    expect(value(store.pageBefore(ROOM_A, null)).lines).toHaveLength(1);
  });

  it('notices damage found later, sets the file aside and goes on', () => {
    const first = open();
    for (let batch = 0; batch < 20; batch++) first.append(ROOM_A, messages(1000, (index) => `page filler ${batch} ${index} ${'x'.repeat(60)}`));
    first.close();
    // Scribble over the older half of the lines table's leaf pages: opening (schema, indexes,
    // the newest lines) still works, reading an old line does not.
    const raw = new DatabaseSync(file, { readOnly: true });
    const leaves = raw
      .prepare("SELECT pageno FROM dbstat WHERE name = 'lines' AND pagetype = 'leaf' ORDER BY path")
      .all()
      .map((row) => Number(row.pageno));
    const pageSize = Number(raw.prepare('PRAGMA page_size').get()?.page_size);
    raw.close();
    expect(leaves.length).toBeGreaterThan(10);
    const fd = fs.openSync(file, 'r+');
    const junk = Buffer.alloc(pageSize, 0xa5);
    for (const page of leaves.slice(0, leaves.length / 2)) fs.writeSync(fd, junk, 0, pageSize, (page - 1) * pageSize);
    fs.closeSync(fd);

    const store = open();
    expect(store.startupNotices).toEqual([]);
    const events = recordEvents(store);
    expect(value(store.pageBefore(ROOM_A, null)).lines).toHaveLength(200);
    expect(store.context(5)).toEqual({
      ok: false,
      error: 'The history file was damaged and has been set aside; older lines are not available.',
    });
    expect(events.some((event) => event.type === 'notice' && /set aside as history\.sqlite\.damaged-/.test(event.message))).toBe(true);
    expect(events).toContainEqual({ type: 'status', status: store.status });
    expect(store.status.available).toBe(true);
    store.append(ROOM_A, [message('after the damage')]);
    expect(value(store.pageBefore(ROOM_A, null)).lines.map((line) => line.text)).toEqual(['after the damage']);
    // Sidecar files (-wal, -shm) move with it, under the same new name.
    const aside = fs.readdirSync(path.dirname(file)).filter((name) => name.startsWith('history.sqlite.damaged-'));
    const main = aside.filter((name) => !/-(wal|shm|journal)$/.test(name));
    expect(main).toHaveLength(1);
    for (const sidecar of aside) expect(sidecar.startsWith(main[0]!)).toBe(true);
  });

  it('refuses a file another process holds, cleanly, and touches nothing', async () => {
    const holder = holdStoreInAnotherProcess(file);
    try {
      expect(await holder.ready).toMatchObject({ available: true });
      const store = open();
      const status = store.status as Extract<HistoryStatus, { available: false }>;
      expect(status.available).toBe(false);
      expect(status.reason).toBe(`another Tincan is using the history file (${file}).`);
      expect(store.append(ROOM_A, [message('dropped')])).toEqual([]);
      expect(store.search({ query: 'holder' })).toEqual({ ok: false, error: `${UNAVAILABLE_PREFIX}${status.reason}` });
      expect(fs.readdirSync(path.dirname(file)).filter((name) => name.includes('damaged'))).toEqual([]);
      store.close();
    } finally {
      await holder.release();
    }
    // Once the other process let go, the file opens and holds what that process wrote.
    const after = open();
    expect(value(after.pageBefore(ROOM_A, null)).lines.map((line) => line.text)).toEqual(['written by the holder']);
  });

  it('a write that cannot fit even in an emptied file makes history unavailable without throwing; the caller goes on', () => {
    const store = open({ maxDatabaseBytes: 256 * 1024 });
    const events = recordEvents(store);
    const stored = store.append(ROOM_A, messages(10, (index) => `kept ${index}`)).length;
    // One batch bigger than the whole cap: no trimming makes room for it.
    expect(() => store.append(ROOM_A, messages(100, (index) => `filling ${index} ${'y'.repeat(8000)}`))).not.toThrow();
    expect(store.status.available).toBe(false);
    expect((store.status as { reason: string }).reason).toMatch(/disk is full/);
    expect(events).toContainEqual({ type: 'status', status: store.status });
    expect(stored).toBe(10);
    expect(store.stats().dropped).toBe(100);
    expect(store.append(ROOM_A, [message('later')])).toEqual([]);
    const search = store.search({ query: 'filling' });
    expect(search.ok ? '' : search.error).toMatch(/^History is unavailable: the disk is full/);
    // Nothing was trimmed for a batch that could never fit: the lines before it are all there.
    store.close();
    expect(value(open({ maxDatabaseBytes: 256 * 1024 }).pageBefore(ROOM_A, null)).lines.map((line) => line.text)).toEqual(
      messages(10, (index) => `kept ${index}`).map((line) => line.text),
    );
  });

  it('a listener that throws does not break the store or other listeners', () => {
    const store = open({ maxDatabaseBytes: 64 * 1024 });
    store.onEvent(() => {
      throw new Error('listener bug');
    });
    const events = recordEvents(store);
    expect(() => store.append(ROOM_A, messages(100, () => 'z'.repeat(3000)))).not.toThrow();
    expect(events.some((event) => event.type === 'status')).toBe(true);
  });

  it('after close every call answers without throwing', async () => {
    const store = open();
    store.close();
    expect(store.append(ROOM_A, messages(1))).toEqual([]);
    expect(store.pageBefore(ROOM_A, null).ok).toBe(false);
    expect((await store.exportRoom(ROOM_A, path.join(folder.dir, 'x.txt'))).ok).toBe(false);
    expect(store.setRetention('session')).toMatchObject({ available: false });
    store.close();
  });
});

/**
 * Search, on both engines: SQLite FTS5 and the LIKE fallback (forced with search: 'like').
 * Both must give the same answers; hostile queries must never throw.
 */
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseQuery } from '../../../main/app/history/search';
import { TranscriptStore } from '../../../main/app/history/store';
import { HISTORY_LIMITS, type SearchRequest, type SearchResults } from '../../../main/common/history';
import { message, messages, ROOM_A, ROOM_B, temporaryFolder } from './helpers';
import { value } from '../../support/result';

let folder: ReturnType<typeof temporaryFolder>;
let file: string;
const opened: TranscriptStore[] = [];

beforeEach(() => {
  folder = temporaryFolder();
  file = path.join(folder.dir, 'history.sqlite');
});

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  folder.remove();
});

describe('parseQuery', () => {
  it('turns words into quoted prefix terms, so FTS5 syntax is only text', () => {
    expect(parseQuery('hello  NEAR(world, 2) "x" *y* AND col:z')).toMatchObject({
      terms: ['hello', 'NEAR', 'world', '2', 'x', 'y', 'AND', 'col'],
      ftsQuery: '"hello"* AND "NEAR"* AND "world"* AND "2"* AND "x"* AND "y"* AND "AND"* AND "col"*',
    });
  });

  it('drops repeated words (ignoring case) and bounds count and length', () => {
    expect(parseQuery('Bob bob BOB alice')!.terms).toEqual(['Bob', 'alice']);
    const many = Array.from({ length: 20 }, (_, index) => `w${index}`).join(' ');
    expect(parseQuery(many)!.terms).toHaveLength(HISTORY_LIMITS.maxQueryTerms);
    expect(parseQuery('a'.repeat(200))!.terms[0]).toHaveLength(HISTORY_LIMITS.maxTermChars);
  });

  it('finds nothing to search in punctuation alone', () => {
    expect(parseQuery('')).toBeNull();
    expect(parseQuery('  "*" ( ) -- ')).toBeNull();
  });

  it('escapes LIKE wildcards and lets any character stand in for a non-ASCII one', () => {
    expect(parseQuery('café 100')!.likePatterns).toEqual(['%caf_%', '%100%']);
  });
});

describe.each([
  { search: 'auto' as const, engine: 'fts5' },
  { search: 'like' as const, engine: 'like' },
])('search with $engine', ({ search, engine }) => {
  function open(): TranscriptStore {
    const store = TranscriptStore.open({ file, search });
    opened.push(store);
    return store;
  }

  function find(store: TranscriptStore, request: SearchRequest): SearchResults {
    const results = value(store.search(request));
    expect(results.engine).toBe(engine);
    return results;
  }

  const texts = (results: SearchResults): string[] => results.hits.map((hit) => hit.line.text);

  it('matches words and word starts, case-insensitively, newest first', () => {
    const store = open();
    store.append(ROOM_A, [
      message('Hello there'),
      message('nothing here'),
      message('say HELLO to the helicopter'),
      message('othello is a play'),
    ]);
    expect(store.status).toMatchObject({ engine });
    expect(texts(find(store, { query: 'hello' }))).toEqual(['say HELLO to the helicopter', 'Hello there']);
    expect(texts(find(store, { query: 'HEL' }))).toEqual(['say HELLO to the helicopter', 'Hello there']);
    expect(texts(find(store, { query: 'ello' }))).toEqual([]);
  });

  it('needs every word of the query', () => {
    const store = open();
    store.append(ROOM_A, [message('red apple'), message('green apple'), message('red car')]);
    expect(texts(find(store, { query: 'apple red' }))).toEqual(['red apple']);
    expect(texts(find(store, { query: 'apple blue' }))).toEqual([]);
  });

  it('folds case beyond ASCII and keeps accents significant', () => {
    const store = open();
    store.append(ROOM_A, [message('Ünïcode ÉCOLE Straße'), message('ecole sans accent'), message('ΣΟΦΊΑ σοφία')]);
    expect(texts(find(store, { query: 'école' }))).toEqual(['Ünïcode ÉCOLE Straße']);
    expect(texts(find(store, { query: 'ünï' }))).toEqual(['Ünïcode ÉCOLE Straße']);
    expect(texts(find(store, { query: 'STRASSE' }))).toEqual([]);
    expect(texts(find(store, { query: 'σοφ' }))).toEqual(['ΣΟΦΊΑ σοφία']);
  });

  it('reports where each word matched, for highlighting', () => {
    const store = open();
    store.append(ROOM_A, [message('Hello hello, HELicopter! shell')]);
    const [hit] = find(store, { query: 'hel' }).hits;
    expect(hit!.matches).toEqual([
      [0, 3],
      [6, 9],
      [13, 16],
    ]);
    const [both] = find(store, { query: 'heli hello' }).hits;
    expect(both!.matches).toEqual([
      [0, 5],
      [6, 11],
      [13, 17],
    ]);
  });

  it('searches one room or all, and says which room and when', () => {
    const store = open();
    store.append(ROOM_A, [message('meeting at noon', { at: 1000 })]);
    store.append(ROOM_B, [message('meeting moved', { at: 2000 })], 'Lab');
    expect(texts(find(store, { query: 'meeting', room: ROOM_A }))).toEqual(['meeting at noon']);
    const all = find(store, { query: 'meeting' });
    expect(all.hits.map((hit) => [hit.line.text, hit.room.host, hit.room.port, hit.room.name, hit.line.at])).toEqual([
      ['meeting moved', 'fe80::1', 60004, 'Lab', 2000],
      ['meeting at noon', '10.0.0.5', 60003, null, 1000],
    ]);
    expect(find(store, { query: 'meeting', room: { host: '192.0.2.1', port: 5 } }).hits).toEqual([]);
  });

  it('bounds the results and pages on with a cursor', () => {
    const store = open();
    store.append(ROOM_A, messages(600, (index) => `match ${index}`));
    const first = find(store, { query: 'match', limit: 10_000 });
    expect(first.hits).toHaveLength(HISTORY_LIMITS.maxSearchResults);
    expect(first.hasMore).toBe(true);
    expect(first.hits[0]!.line.text).toBe('match 599');
    expect(find(store, { query: 'match' }).hits).toHaveLength(HISTORY_LIMITS.defaultSearchResults);
    const next = find(store, { query: 'match', limit: 200, beforeId: first.hits.at(-1)!.line.id });
    expect(next.hits[0]!.line.text).toBe('match 399');
    const last = find(store, { query: 'match', limit: 200, beforeId: next.hits.at(-1)!.line.id });
    expect(last.hits).toHaveLength(200);
    expect(last.hasMore).toBe(false);
  });

  it('treats query syntax as text and never throws on it', () => {
    const store = open();
    store.append(ROOM_A, [message('NEAR the "quoted" star* and 100% of col:x, a_b back\\slash')]);
    for (const query of ['"', '""', '*', 'NEAR(', 'NEAR(a b)', '(', ')', 'AND', 'OR NOT', '^x', 'col:', '-x', '+', '%', '_', '\\', "'; DROP TABLE lines; --"]) {
      const result = store.search({ query });
      expect(result.ok, query).toBe(true);
    }
    expect(texts(find(store, { query: '"quoted"' }))).toHaveLength(1);
    expect(texts(find(store, { query: 'NEAR(' }))).toHaveLength(1);
    expect(texts(find(store, { query: '100%' }))).toHaveLength(1);
    expect(texts(find(store, { query: 'a_b' }))).toHaveLength(1);
    expect(texts(find(store, { query: '1%0' }))).toEqual([]);
    expect(value(store.pageBefore(ROOM_A, null)).lines).toHaveLength(1);
  });

  it('refuses an over-long query with a sentence', () => {
    const store = open();
    expect(store.search({ query: 'x'.repeat(HISTORY_LIMITS.maxQueryChars + 1) })).toEqual({
      ok: false,
      error: `The search is too long: at most ${HISTORY_LIMITS.maxQueryChars} characters.`,
    });
    expect(store.search({ query: 5 } as never).ok).toBe(false);
    expect(store.search({ query: 'x', room: { host: '', port: -1 } }).ok).toBe(false);
  });

  it('answers any text without throwing (property)', () => {
    const store = open();
    store.append(ROOM_A, [message('a few words to find'), message('"quotes" and (parens)')]);
    fc.assert(
      fc.property(fc.string({ maxLength: 80, unit: 'grapheme' }), (query) => {
        const result = store.search({ query });
        return result.ok && result.value.hits.every((hit) => hit.matches.every(([start, end]) => start < end && end <= hit.line.text.length));
      }),
      { numRuns: 300 },
    );
  });
});

describe('switching engines', () => {
  it('rebuilds the FTS5 index for lines stored while the fallback was in use', () => {
    const fts = TranscriptStore.open({ file });
    fts.append(ROOM_A, [message('indexed by fts first')]);
    fts.close();
    const like = TranscriptStore.open({ file, search: 'like' });
    like.append(ROOM_A, [message('stored without the index')]);
    value(like.clearRoom(ROOM_B));
    like.close();
    const again = TranscriptStore.open({ file });
    opened.push(again);
    expect(again.status).toMatchObject({ engine: 'fts5' });
    expect(value(again.search({ query: 'stored' })).hits.map((hit) => hit.line.text)).toEqual(['stored without the index']);
    expect(value(again.search({ query: 'indexed' })).hits).toHaveLength(1);
  });
});

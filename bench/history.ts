/**
 * `npm run bench -- history`: what storing the transcript costs.
 *
 *   (a) load: the `saturate` load against the desktop app's host (a hosting ChatSession in
 *       its own process, bench/history-host.ts) with history off, on with FTS5, and on with
 *       the LIKE fallback, next to the headless server. Reports the server's deliveries/s,
 *       the lines the host stored per second, and whether it stored every line it saw.
 *   (b) store: on a 100,000-line history, search and paging latency of the store (FTS5 and
 *       LIKE) next to a plain in-memory baseline (arrays, the same matchers).
 *   (c) limits (only when asked, `--part limits`): the pending backlog's memory when long
 *       lines are posted straight to the service, and whether a file with a small size cap
 *       filled with long lines keeps saving (bench/history-limits.ts, a process per figure).
 *       `--before DIR` runs the same against DIR/main (another commit, unpacked with
 *       `git archive COMMIT main | tar -x -C DIR`) in a column of its own.
 *
 * Options: --part load,store,limits (default load,store), --hosts headless,off,fts5,like (default all),
 * --lines N (history size of the store part, default 100,000), --backlog-lines N (default
 * 50,000), --before DIR, --quick, --duration SECONDS, --workers N, --markdown FILE. Exit code 0
 * only if every target passed.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { matchesAll, parseQuery } from '../main/app/history/search';
import { TranscriptStore } from '../main/app/history/store';
import type { NewHistoryLine, RoomAddress } from '../main/common/history';
import { runLoad, type LoadResult } from './coordinator';
import { planScenario } from './scenarios';
import type { ServerOptions } from './servers';

type Log = (text: string) => void;

type HostVariant = 'headless' | 'off' | 'fts5' | 'like';
const HOST_VARIANTS: readonly HostVariant[] = ['headless', 'off', 'fts5', 'like'];

type HistoryPart = 'load' | 'store' | 'limits';

interface HistoryCli {
  parts: HistoryPart[];
  /** Lines posted in the limits part's backlog figure. */
  backlogLines: number;
  /** A folder holding main/ of another commit, measured next to this one (limits part). */
  before?: string;
  hosts: HostVariant[];
  /** Lines in the history of the store part. */
  lines: number;
  quick: boolean;
  durationMs?: number;
  workers: number;
  markdown?: string;
}

function parseHistoryCli(argv: string[]): HistoryCli {
  const cli: HistoryCli = { parts: [], backlogLines: 50_000, hosts: [], lines: 100_000, quick: false, workers: 2 };
  for (let i = 0; i < argv.length; i++) {
    const option = argv[i]!;
    const next = (): string => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${option} needs a value`);
      return value;
    };
    switch (option) {
      case '--part':
        for (const part of next().split(',')) {
          if (part !== 'load' && part !== 'store' && part !== 'limits') throw new Error(`unknown part ${part} (load, store, limits)`);
          cli.parts.push(part);
        }
        break;
      case '--backlog-lines':
        cli.backlogLines = Math.max(1000, Math.floor(Number(next())));
        break;
      case '--before':
        cli.before = path.resolve(next());
        break;
      case '--hosts':
        for (const host of next().split(',')) {
          if (!HOST_VARIANTS.includes(host as HostVariant)) throw new Error(`unknown host ${host} (${HOST_VARIANTS.join(', ')})`);
          cli.hosts.push(host as HostVariant);
        }
        break;
      case '--lines':
        cli.lines = Math.max(1000, Math.floor(Number(next())));
        break;
      case '--quick':
        cli.quick = true;
        break;
      case '--duration':
        cli.durationMs = Number(next()) * 1000;
        break;
      case '--workers':
        cli.workers = Number(next());
        break;
      case '--markdown':
        cli.markdown = path.resolve(next());
        break;
      default:
        throw new Error(
          `unknown option ${option} (history takes --part, --hosts, --lines, --backlog-lines, --before, --quick, --duration, --workers, --markdown)`,
        );
    }
  }
  if (cli.parts.length === 0) cli.parts = ['load', 'store'];
  if (cli.hosts.length === 0) cli.hosts = [...HOST_VARIANTS];
  return cli;
}

const fmt = (value: number | null | undefined, digits: number): string =>
  value === null || value === undefined || !Number.isFinite(value)
    ? '–'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mark = (ok: boolean | null): string => (ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL');

// ---- (a) the saturating room ----------------------------------------------------------------

interface LoadVariant {
  variant: HostVariant;
  label: string;
  server: ServerOptions;
}

interface LoadRecord {
  label: string;
  result: LoadResult | null;
  error?: string;
}

async function runLoadPart(cli: HistoryCli, scratch: string, log: Log, quiet: boolean): Promise<{ table: string; pass: boolean; records: LoadRecord[] }> {
  const plan = planScenario('saturate', {
    quick: cli.quick,
    workers: cli.workers,
    server: 'tincan',
    ...(cli.durationMs ? { durationMs: cli.durationMs } : {}),
  });
  const load = plan.main;
  if (load === undefined) throw new Error('the saturate scenario has no main load');
  const base = { host: '127.0.0.1', maxClients: 0 };
  const variants: LoadVariant[] = [
    { variant: 'headless' as const, label: 'headless server', server: { ...base, kind: 'tincan' as const } },
    { variant: 'off' as const, label: 'GUI host, history off', server: { ...base, kind: 'session' as const, history: 'off' as const } },
    {
      variant: 'fts5' as const,
      label: 'GUI host, history FTS5',
      server: { ...base, kind: 'session' as const, history: 'fts5' as const, historyFile: path.join(scratch, 'load-fts5.sqlite') },
    },
    {
      variant: 'like' as const,
      label: 'GUI host, history LIKE',
      server: { ...base, kind: 'session' as const, history: 'like' as const, historyFile: path.join(scratch, 'load-like.sqlite') },
    },
  ].filter((variant) => cli.hosts.includes(variant.variant));
  const records: LoadRecord[] = [];
  for (const variant of variants) {
    log(`saturate on ${variant.label}: ${plan.description}`);
    try {
      const result = await runLoad(variant.server, load, log);
      const report = result.serverReport;
      if (report) log(`  host: ${JSON.stringify(report)}`);
      records.push({ label: variant.label, result });
    } catch (err) {
      log(`  error: ${(err as Error).stack ?? String(err)}`);
      records.push({ label: variant.label, result: null, error: (err as Error).message.split('\n')[0] });
    }
    if (!quiet) process.stdout.write(`${JSON.stringify({ bench: 'history-load', ...records[records.length - 1] })}\n`);
  }

  const num = (record: LoadRecord, key: string): number | null => {
    const value = record.result?.serverReport?.[key];
    return typeof value === 'number' ? value : null;
  };
  const seconds = (record: LoadRecord): number | null => record.result?.traffic?.durationS ?? null;
  const storedPerSecond = (record: LoadRecord): number | null => {
    const stored = num(record, 'stored');
    const s = seconds(record);
    return stored === null || s === null || stored === 0 ? null : stored / s;
  };
  const off = records.find((record) => record.label === 'GUI host, history off');
  const stores = (record: LoadRecord): boolean => record.label.includes('history FTS5') || record.label.includes('history LIKE');
  const rows: [string, (record: LoadRecord) => string][] = [
    ['deliveries/s (M)', (r) => fmt((r.result?.traffic?.deliveriesPerSec ?? NaN) / 1e6, 3)],
    ['vs GUI host, history off', (r) => {
      const a = r.result?.traffic?.deliveriesPerSec;
      const b = off?.result?.traffic?.deliveriesPerSec;
      return a && b ? `${(a / b).toFixed(2)}×` : '–';
    }],
    ['latency p99 (ms)', (r) => fmt(r.result?.traffic?.latency.p99Ms, 2)],
    ['completeness', (r) => fmt(r.result?.traffic?.completeness, 6)],
    ['lines the host saw', (r) => fmt(num(r, 'received'), 0)],
    ['lines stored', (r) => fmt(num(r, 'stored'), 0)],
    ['lines stored/s', (r) => fmt(storedPerSecond(r), 0)],
    ['behind (seen − stored)', (r) => (stores(r) ? fmt((num(r, 'received') ?? 0) - (num(r, 'stored') ?? 0), 0) : '–')],
    ['most lines waiting for the store', (r) => (stores(r) ? fmt(num(r, 'pendingHighWater'), 0) : '–')],
    ['lines dropped', (r) => (stores(r) ? fmt(num(r, 'dropped'), 0) : '–')],
    ['store time, worker thread (% of traffic phase)', (r) => {
      const ms = num(r, 'appendMsTotal');
      const s = seconds(r);
      return ms === null || s === null || num(r, 'appendBatches') === 0 ? '–' : fmt((ms / (s * 1000)) * 100, 1);
    }],
    ['longest batch write, worker thread (ms)', (r) => (num(r, 'appendBatches') ? fmt(num(r, 'appendMsMax'), 2) : '–')],
    ['server process CPU, all threads (s)', (r) => fmt(r.result?.serverCpuS, 2)],
    ['generator busiest worker (%)', (r) => fmt((r.result?.traffic?.generatorBusiest ?? NaN) * 100, 0)],
  ];
  const out: string[] = [];
  out.push(`### history (a)${cli.quick ? ' (quick)' : ''}: ${plan.description}, against the desktop host`, '');
  out.push(`| figure | ${records.map((r) => r.label).join(' | ')} |`, `|---|${records.map(() => '---:').join('|')}|`);
  for (const [label, get] of rows) {
    const cells = records.map((r) => (r.error !== undefined ? `error: ${r.error}` : get(r)));
    out.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  const keptUp = records.filter(stores).map((r) => {
    const received = num(r, 'received');
    return r.result !== null && received !== null && received > 0 && num(r, 'stored') === received && r.result.traffic?.completeness === 1;
  });
  const pass = keptUp.every(Boolean);
  out.push('', `Targets: the host stores every line it saw, and every client got every line (FTS5, LIKE): **${keptUp.map(mark).join(', ')}**`, '');
  for (const r of records) if (r.result && r.result.notes.length > 0) out.push(`Notes (${r.label}): ${r.result.notes.join('; ')}`, '');
  return { table: out.join('\n'), pass, records };
}

// ---- (b) a 100,000-line history -------------------------------------------------------------

/** Deterministic pseudo-random numbers (mulberry32), so every run searches the same history. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'be', 'da', 'fu', 'go', 'hi', 'jo', 'pe', 'ze', 'qua', 'tri', 'an', 'el'];

interface History {
  vocabulary: string[];
  rooms: { address: RoomAddress; lines: number }[];
  total: number;
}

function makeVocabulary(next: () => number, size: number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const length = 1 + Math.floor(next() * 4);
    let word = '';
    for (let i = 0; i < length; i++) word += SYLLABLES[Math.floor(next() * SYLLABLES.length)]!;
    if (word.length >= 3) words.add(word);
  }
  return [...words];
}

/** Zipf-like: word of rank r drawn with probability ∝ 1/r, as in real text. */
function zipfSampler(next: () => number, size: number): () => number {
  const cumulative: number[] = [];
  let sum = 0;
  for (let rank = 1; rank <= size; rank++) cumulative.push((sum += 1 / rank));
  return () => {
    const target = next() * sum;
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

interface BaselineLine {
  id: number;
  roomIndex: number;
  text: string;
}

function buildHistory(stores: TranscriptStore[], total: number, log: Log): { history: History; baseline: BaselineLine[][] } {
  const next = random(20261201);
  const vocabulary = makeVocabulary(next, 5000);
  const pick = zipfSampler(next, vocabulary.length);
  const rooms = [
    { address: { host: '10.0.0.5', port: 60003 }, share: 0.7 },
    { address: { host: '10.0.0.6', port: 60003 }, share: 0.2 },
    { address: { host: 'fe80::1', port: 60003 }, share: 0.1 },
  ];
  const counts = rooms.map(() => 0);
  const baseline: BaselineLine[][] = rooms.map(() => []);
  const start = Date.now() - total * 1000;
  const batch = 200;
  const began = performance.now();
  for (let written = 0; written < total; written += batch) {
    const roll = next();
    const roomIndex = roll < rooms[0]!.share ? 0 : roll < rooms[0]!.share + rooms[1]!.share ? 1 : 2;
    const lines: NewHistoryLine[] = [];
    for (let i = 0; i < batch && written + i < total; i++) {
      const words = 3 + Math.floor(next() * 12);
      const text = Array.from({ length: words }, () => vocabulary[pick()]!).join(' ');
      lines.push({ at: start + (written + i) * 1000, sender: `10.0.0.${10 + Math.floor(next() * 20)}:5${Math.floor(next() * 9000) + 1000}`, text, kind: 'message', ours: false });
    }
    let ids: number[] = [];
    for (const store of stores) ids = store.append(rooms[roomIndex]!.address, lines);
    lines.forEach((line, i) => baseline[roomIndex]!.push({ id: ids[i]!, roomIndex, text: line.text }));
    counts[roomIndex]! += lines.length;
  }
  log(`  built a ${total.toLocaleString('en-US')}-line history in ${((performance.now() - began) / 1000).toFixed(1)} s (${counts.join(' + ')} lines in 3 rooms, written to ${stores.length} stores)`);
  return { history: { vocabulary, rooms: rooms.map((room, i) => ({ address: room.address, lines: counts[i]! })), total }, baseline };
}

interface Timing {
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

function time(runs: number, work: () => unknown): Timing {
  for (let i = 0; i < 3; i++) work();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return {
    medianMs: samples[Math.floor(samples.length / 2)]!,
    p95Ms: samples[Math.min(samples.length - 1, Math.ceil(samples.length * 0.95) - 1)]!,
    maxMs: samples[samples.length - 1]!,
  };
}

/** The in-memory baseline: newest first through plain arrays with the same matchers, 50 hits. */
function baselineSearch(lines: readonly BaselineLine[], query: string, limit: number): number {
  const parsed = parseQuery(query);
  if (parsed === null) return 0;
  let hits = 0;
  for (let i = lines.length - 1; i >= 0 && hits <= limit; i--) {
    const line = lines[i]!;
    if (matchesAll(parsed, line.text)) {
      parsed.highlighter.find(line.text);
      hits++;
    }
  }
  return Math.min(hits, limit);
}

function baselinePage(lines: readonly BaselineLine[], beforeId: number, limit: number): BaselineLine[] {
  let low = 0;
  let high = lines.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (lines[middle]!.id < beforeId) low = middle + 1;
    else high = middle;
  }
  return lines.slice(Math.max(0, low - limit), low);
}

async function runStorePart(cli: HistoryCli, scratch: string, log: Log, quiet: boolean): Promise<{ table: string; pass: boolean }> {
  const total = cli.lines;
  const runs = cli.quick ? 10 : 30;
  log(`store: ${total.toLocaleString('en-US')}-line history, ${runs} runs per figure`);
  const fts = TranscriptStore.open({ file: path.join(scratch, 'store-fts5.sqlite') });
  const like = TranscriptStore.open({ file: path.join(scratch, 'store-like.sqlite'), search: 'like' });
  try {
    const { history, baseline } = buildHistory([fts, like], total, log);
    const all = baseline.flat().sort((a, b) => a.id - b.id);
    const mainRoom = history.rooms[0]!.address;
    const word = (rank: number): string => history.vocabulary[rank]!;
    const queries: { label: string; query: string }[] = [
      { label: 'most common word', query: word(0) },
      { label: 'word of rank 200', query: word(200) },
      { label: 'rare word (rank 4,000)', query: word(4000) },
      { label: 'two words', query: `${word(3)} ${word(60)}` },
      { label: 'two-letter prefix', query: word(1).slice(0, 2) },
      { label: 'word not in the history', query: 'zyxwvut' },
    ];
    type Row = { label: string; baseline: Timing; fts: Timing; like: Timing; hits: string; kind: 'search' | 'page' };
    const rows: Row[] = [];
    for (const scope of ['this room', 'all rooms'] as const) {
      for (const { label, query } of queries) {
        const room = scope === 'this room' ? mainRoom : undefined;
        const request = { query, limit: 50, ...(room ? { room } : {}) };
        const counted = fts.search(request);
        const liked = like.search(request);
        const hitsFts = counted.ok ? counted.value.hits.length : -1;
        const hitsLike = liked.ok ? liked.value.hits.length : -1;
        const source = scope === 'this room' ? baseline[0]! : all;
        const hitsBaseline = baselineSearch(source, query, 50);
        rows.push({
          kind: 'search',
          label: `search ${scope}: ${label} “${query}”`,
          baseline: time(runs, () => baselineSearch(source, query, 50)),
          fts: time(runs, () => fts.search(request)),
          like: time(runs, () => like.search(request)),
          hits: hitsFts === hitsLike && hitsLike === hitsBaseline ? String(hitsFts) : `differ: ${hitsBaseline}/${hitsFts}/${hitsLike}`,
        });
      }
    }
    const roomLines = baseline[0]!;
    for (const [label, index] of [
      ['newest', roomLines.length],
      ['middle', Math.floor(roomLines.length / 2)],
      ['oldest', 200],
    ] as const) {
      const beforeId = index >= roomLines.length ? Number.MAX_SAFE_INTEGER : roomLines[index]!.id;
      const page = fts.pageBefore(mainRoom, beforeId === Number.MAX_SAFE_INTEGER ? null : beforeId, 200);
      const cursor = beforeId === Number.MAX_SAFE_INTEGER ? null : beforeId;
      rows.push({
        kind: 'page',
        label: `page of 200 older lines (${label})`,
        baseline: time(runs, () => baselinePage(roomLines, beforeId, 200)),
        fts: time(runs, () => fts.pageBefore(mainRoom, cursor, 200)),
        like: time(runs, () => like.pageBefore(mainRoom, cursor, 200)),
        hits: page.ok ? String(page.value.lines.length) : 'error',
      });
    }
    const contextRow = (() => {
      const target = roomLines[Math.floor(roomLines.length / 3)]!.id;
      return {
        kind: 'page' as const,
        label: 'a search hit in context (±20 lines)',
        baseline: time(runs, () => baselinePage(roomLines, target + 1, 41)),
        fts: time(runs, () => fts.context(target, 20)),
        like: time(runs, () => like.context(target, 20)),
        hits: '41',
      };
    })();
    rows.push(contextRow);
    const exportStarted = performance.now();
    const exported = await fts.exportRoom(mainRoom, path.join(scratch, 'export.txt'));
    const exportMs = performance.now() - exportStarted;

    const out: string[] = [];
    out.push(`### history (b): ${total.toLocaleString('en-US')}-line history (${history.rooms.map((r) => r.lines.toLocaleString('en-US')).join(' + ')} lines in 3 rooms), ${runs} runs each`, '');
    out.push('| figure (median / p95 ms) | in-memory baseline | store, FTS5 | store, LIKE fallback | results |', '|---|---:|---:|---:|---:|');
    const cell = (t: Timing): string => `${fmt(t.medianMs, 2)} / ${fmt(t.p95Ms, 2)}`;
    for (const row of rows) out.push(`| ${row.label} | ${cell(row.baseline)} | ${cell(row.fts)} | ${cell(row.like)} | ${row.hits} |`);
    const worst = (kind: Row['kind'], pick: (row: Row) => Timing): number =>
      Math.max(...rows.filter((row) => row.kind === kind).map((row) => pick(row).p95Ms));
    const searchFts = worst('search', (row) => row.fts);
    const searchLike = worst('search', (row) => row.like);
    const pageFts = worst('page', (row) => row.fts);
    const pageLike = worst('page', (row) => row.like);
    const sameResults = rows.every((row) => !row.hits.startsWith('differ'));
    out.push(
      '',
      `Export of the ${history.rooms[0]!.lines.toLocaleString('en-US')}-line room: ${exported.ok ? `${fmt(exportMs, 0)} ms, ${fmt(exported.value.bytes / 1e6, 1)} MB` : exported.error}. ` +
        `Files: FTS5 ${fmt(fs.statSync(path.join(scratch, 'store-fts5.sqlite')).size / 1e6, 1)} MB, LIKE ${fmt(fs.statSync(path.join(scratch, 'store-like.sqlite')).size / 1e6, 1)} MB.`,
      '',
      `Targets (worst p95): search < 50 ms — FTS5 ${fmt(searchFts, 1)} ms **${mark(searchFts < 50)}**, LIKE ${fmt(searchLike, 1)} ms **${mark(searchLike < 50)}**; ` +
        `page of 200 < 20 ms — FTS5 ${fmt(pageFts, 1)} ms **${mark(pageFts < 20)}**, LIKE ${fmt(pageLike, 1)} ms **${mark(pageLike < 20)}**; ` +
        `same results on all three: **${mark(sameResults)}**`,
      '',
    );
    if (!quiet) process.stdout.write(`${JSON.stringify({ bench: 'history-store', total, rows, exportMs, searchFts, searchLike, pageFts, pageLike })}\n`);
    return { table: out.join('\n'), pass: searchFts < 50 && searchLike < 50 && pageFts < 20 && pageLike < 20 && sameResults };
  } finally {
    fts.close();
    like.close();
  }
}

// ---- (c) the bounds: backlog memory, the size cap -------------------------------------------

type LimitsRecord = Record<string, unknown>;

/** Runs bench/history-limits.ts in a process of its own and reads its one JSON line. */
function measureLimits(args: string[], log: Log): Promise<LimitsRecord | null> {
  log(`  history-limits ${args.join(' ')}`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'history-limits.ts'), ...args],
      { cwd: path.resolve(__dirname, '..'), maxBuffer: 1024 * 1024, timeout: 30 * 60_000 },
      (error, stdout, stderr) => {
        if (error) log(`  failed: ${stderr.trim() || error.message}`);
        const line = stdout.split('\n').find((text) => text.startsWith('{'));
        resolve(line === undefined ? null : (JSON.parse(line) as LimitsRecord));
      },
    );
  });
}

async function runLimitsPart(cli: HistoryCli, log: Log, quiet: boolean): Promise<{ table: string; pass: boolean }> {
  const capLines = cli.quick ? 1000 : 3000;
  const sources: { label: string; args: string[] }[] = [{ label: 'now', args: [] }];
  if (cli.before !== undefined) sources.unshift({ label: 'before', args: ['--source', cli.before] });
  const columns: { label: string; record: LimitsRecord | null }[] = [];
  for (const source of sources) {
    for (const poster of ['ignore', 'honor'] as const) {
      log(`backlog of ${cli.backlogLines.toLocaleString('en-US')} lines of 16 KiB, poster ${poster}, ${source.label}`);
      columns.push({
        label: `backlog, poster ${poster === 'ignore' ? 'never waits' : 'waits when told'} (${source.label})`,
        record: await measureLimits(['--what', 'backlog', '--poster', poster, '--lines', String(cli.backlogLines), ...source.args], log),
      });
    }
  }
  const capColumns: { label: string; record: LimitsRecord | null }[] = [];
  for (const source of sources) {
    log(`size cap 8 MiB, ${capLines} lines of 8 KiB, ${source.label}`);
    capColumns.push({
      label: `8 MiB cap (${source.label})`,
      record: await measureLimits(['--what', 'cap', '--cap-mib', '8', '--lines', String(capLines), ...source.args], log),
    });
  }
  for (const column of [...columns, ...capColumns]) if (!quiet) process.stdout.write(`${JSON.stringify({ bench: 'history-limits', label: column.label, ...column.record })}\n`);
  const cell = (record: LimitsRecord | null, key: string, digits: number): string => {
    const value = record?.[key];
    if (typeof value === 'number') return fmt(value, digits);
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    return typeof value === 'string' ? value : '–';
  };
  const table = (title: string, list: typeof columns, rows: [string, string, number][]): string =>
    [
      `#### ${title}`,
      '',
      `| figure | ${list.map((column) => column.label).join(' | ')} |`,
      `|---|${list.map(() => '---:').join('|')}|`,
      ...rows.map(([label, key, digits]) => `| ${label} | ${list.map((column) => cell(column.record, key, digits)).join(' | ')} |`),
    ].join('\n');
  // Only a poster that waits when told can be held to "everything stored, memory bounded".
  const now = columns.find((column) => column.label.includes('waits when told (now)'))?.record ?? null;
  const cap = capColumns.find((column) => column.label.includes('(now)'))?.record ?? null;
  const backlogPass = now !== null && now.dropped === 0 && typeof now.rssPeakGrowthMiB === 'number' && now.rssPeakGrowthMiB < 512;
  const capPass = cap !== null && cap.lost === 0 && cap.availableAtEnd === true;
  const text = [
    table(`history backlog: ${cli.backlogLines.toLocaleString('en-US')} lines of 16 KiB posted straight to the service`, columns, [
      ['told to hold back', 'backpressure', 0],
      ['lines stored', 'stored', 0],
      ['lines dropped', 'dropped', 0],
      ['most lines pending at once', 'pendingHighWater', 0],
      ['RSS before (MiB)', 'rssBeforeMiB', 0],
      ['peak RSS growth (MiB)', 'rssPeakGrowthMiB', 0],
      ['all posted after (s)', 'postedS', 1],
      ['all stored after (s)', 'storedS', 1],
    ]),
    '',
    `Target (now, poster that waits when told): every line stored, peak RSS growth < 512 MiB: **${mark(backlogPass)}**`,
    '',
    table(`history size cap: ${capLines.toLocaleString('en-US')} lines of 8 KiB into an 8 MiB file`, capColumns, [
      ['lines stored', 'stored', 0],
      ['lines lost', 'lost', 0],
      ['saving stopped at line', 'savingStoppedAtLine', 0],
      ['history available at the end', 'availableAtEnd', 0],
      ['oldest lines trimmed', 'trimmed', 0],
      ['newest line kept', 'newestLineKept', 0],
      ['file size (MiB)', 'fileMiB', 2],
      ['time (s)', 'elapsedS', 1],
    ]),
    '',
    `Target (now): every line stored, history still available: **${mark(capPass)}**`,
    '',
  ].join('\n');
  return { table: text, pass: backlogPass && capPass };
}

export interface HistoryBenchOutcome {
  table: string;
  pass: boolean;
  load: LoadRecord[];
}

/** Runs the parts asked for; the table is also printed unless `quiet`. */
export async function runHistoryBench(argv: string[], log: Log, quiet = false): Promise<HistoryBenchOutcome> {
  const cli = parseHistoryCli(argv);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-bench-history-'));
  try {
    const tables: string[] = [];
    let pass = true;
    let loadRecords: LoadRecord[] = [];
    if (cli.parts.includes('load')) {
      const load = await runLoadPart(cli, scratch, log, quiet);
      tables.push(load.table);
      loadRecords = load.records;
      pass &&= load.pass;
    }
    if (cli.parts.includes('store')) {
      const store = await runStorePart(cli, scratch, log, quiet);
      tables.push(store.table);
      pass &&= store.pass;
    }
    if (cli.parts.includes('limits')) {
      const limits = await runLimitsPart(cli, log, quiet);
      tables.push(limits.table);
      pass &&= limits.pass;
    }
    const table = tables.join('\n');
    if (!quiet) process.stdout.write(`\n${table}\n`);
    if (cli.markdown) fs.writeFileSync(cli.markdown, `${table}\n`);
    return { table, pass, load: loadRecords };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Turns run records into the markdown table: Tincan next to ncat, ratios, targets. */
import type { AttackResult } from './attack';
import type { JoinStorm, LoadResult } from './coordinator';
import type { ScenarioName } from './scenarios';
import type { ServerKind } from './servers';

export interface RunRecord {
  server: ServerKind;
  scenario: ScenarioName;
  description: string;
  quick: boolean;
  result: LoadResult;
  /** scale only: the separate 10,000-client join storm. */
  storm10k: JoinStorm | null;
  /** attack only. */
  attack?: AttackResult | null;
  error?: string;
}

type Value = number | string | null;

interface Figure {
  label: string;
  get(r: RunRecord): Value;
  digits: number;
  /** Show a Tincan/ncat ratio for this figure. */
  ratio: boolean;
}

interface Target {
  scenario: ScenarioName;
  text: string;
  /** true/false, or null when it cannot be judged (missing figure); `refC` is the C reference's run. */
  check(tincan: RunRecord, ncat: RunRecord | undefined, refC: RunRecord | undefined): boolean | null;
}

const MiB = 1024;

function stormText(s: JoinStorm | null): string | null {
  if (s === null) return null;
  if (s.stormMs !== null) return null;
  const budget = s.budgetExceeded ? ` in ${s.budgetMs / 1000} s` : '';
  return `n/a: connected ${s.connected}/${s.target}${budget}, notices ${s.notices}/${s.expectedNotices}`;
}

const traffic = (r: RunRecord): LoadResult['traffic'] => r.result.traffic;
const noTraffic = (r: RunRecord): string | null =>
  r.result.traffic === null ? (r.result.storm.stormMs === null ? 'n/a (join storm incomplete)' : 'n/a') : null;

function trafficFigure(label: string, digits: number, ratio: boolean, f: (t: NonNullable<LoadResult['traffic']>) => number | null): Figure {
  return { label, digits, ratio, get: (r) => noTraffic(r) ?? f(traffic(r)!) };
}

const FIGURES: Record<ScenarioName, Figure[]> = {
  room: [],
  saturate: [],
  big: [],
  scale: [],
  attack: [],
  'cluster-room': [],
  'cluster-saturate': [],
  'tls-saturate': [],
  'tls-room': [],
  'tls-attack': [],
};

function attackFigure(label: string, digits: number, ratio: boolean, f: (a: AttackResult) => number | null): Figure {
  return { label, digits, ratio, get: (r) => (r.attack ? f(r.attack) : 'n/a') };
}

const TRAFFIC: Figure[] = [
  trafficFigure('deliveries/s (M)', 3, true, (t) => t.deliveriesPerSec / 1e6),
  trafficFigure('MB/s received', 1, true, (t) => t.mbPerSec),
  trafficFigure('latency p50 (ms)', 3, true, (t) => t.latency.p50Ms),
  trafficFigure('latency p90 (ms)', 3, true, (t) => t.latency.p90Ms),
  trafficFigure('latency p99 (ms)', 3, true, (t) => t.latency.p99Ms),
  trafficFigure('latency max (ms)', 3, true, (t) => t.latency.maxMs),
  trafficFigure('probe latency p50 (ms)', 3, true, (t) => t.probeLatency?.p50Ms ?? null),
  trafficFigure('probe latency p99 (ms)', 3, true, (t) => t.probeLatency?.p99Ms ?? null),
  trafficFigure('lines sent', 0, false, (t) => t.sent),
  trafficFigure('completeness', 6, false, (t) => t.completeness),
  trafficFigure('duplicates / out-of-order', 0, false, (t) => t.duplicates + t.outOfOrder),
  trafficFigure('generator busiest worker (%)', 0, false, (t) => t.generatorBusiest * 100),
];

const RSS: Figure[] = [
  { label: 'server RSS before (MiB)', digits: 1, ratio: true, get: (r) => mib(r.result.rssKiB.before) },
  { label: 'server RSS connected (MiB)', digits: 1, ratio: true, get: (r) => mib(r.result.rssKiB.connected) },
  { label: 'server RSS end (MiB)', digits: 1, ratio: true, get: (r) => mib(r.result.rssKiB.end) },
  { label: 'server CPU (s)', digits: 2, ratio: true, get: (r) => r.result.serverCpuS },
];

const STORM: Figure[] = [
  { label: 'clients connected', digits: 0, ratio: false, get: (r) => r.result.storm.connected },
  {
    label: 'join storm: all connected (ms)',
    digits: 0,
    ratio: true,
    get: (r) => r.result.storm.connectMs ?? stormText(r.result.storm),
  },
  {
    label: 'join storm: all notices in (ms)',
    digits: 0,
    ratio: true,
    get: (r) => r.result.storm.stormMs ?? stormText(r.result.storm),
  },
  { label: 'notices per client exact', digits: 0, ratio: false, get: (r) => (r.result.storm.noticesExact ? 'yes' : 'no') },
  { label: 'listen-queue overflows in storm', digits: 0, ratio: false, get: (r) => r.result.storm.listenOverflows },
];

const cost = (r: RunRecord): RunRecord['result']['cluster'] => r.result.cluster;
const ORDER_AND_COST: Figure[] = [
  trafficFigure('one identical order on every client', 0, false, (t) => (t.sameOrder === null ? null : t.sameOrder ? 1 : 0)),
  trafficFigure('other lines (server notices)', 0, false, (t) => t.otherLines),
  { label: 'server CPU, all nodes (s)', digits: 2, ratio: true, get: (r) => r.result.serverCpuS },
  { label: 'server RSS end, all nodes (MiB)', digits: 1, ratio: true, get: (r) => mib(r.result.rssKiB.end) },
  { label: 'redis-server CPU (s)', digits: 2, ratio: false, get: (r) => cost(r)?.redisCpuS ?? null },
  { label: 'redis-server RSS (MiB)', digits: 1, ratio: false, get: (r) => mib(cost(r)?.redisRssKiB ?? null) },
  { label: 'Redis used_memory / peak (MiB)', digits: 1, ratio: false, get: (r) => {
    const c = cost(r);
    const used = c?.redisUsedMemory ?? null;
    const peak = c?.redisPeakMemory ?? null;
    return used === null || peak === null ? null : `${(used / 2 ** 20).toFixed(1)} / ${(peak / 2 ** 20).toFixed(1)}`;
  } },
  { label: 'Redis commands in traffic phase', digits: 0, ratio: false, get: (r) => cost(r)?.redisCommands ?? null },
  { label: '… of which XREAD / scripts', digits: 0, ratio: false, get: (r) => {
    const c = cost(r);
    return c === null || c.redisXreads === null || c.redisScripts === null ? null : `${c.redisXreads.toLocaleString('en-US')} / ${c.redisScripts.toLocaleString('en-US')}`;
  } },
  trafficFigure('generator CPU (s)', 2, false, (t) => t.generatorCpuS),
];

FIGURES['cluster-room'] = [...TRAFFIC, ...ORDER_AND_COST];
FIGURES['cluster-saturate'] = [...TRAFFIC, ...ORDER_AND_COST];
const CPU_PER_DELIVERY = trafficFigure('server CPU per delivery (µs)', 3, true, (t) => t.serverCpuPerDeliveryUs ?? null);
FIGURES.room = [...TRAFFIC, CPU_PER_DELIVERY, ...RSS];
FIGURES.saturate = [...TRAFFIC, CPU_PER_DELIVERY, ...RSS];
FIGURES['tls-room'] = FIGURES.room;
FIGURES['tls-saturate'] = FIGURES.saturate;
FIGURES.big = [...STORM, ...TRAFFIC, ...RSS];
FIGURES.scale = [
  ...STORM,
  {
    label: 'RSS growth per idle client (KiB)',
    digits: 2,
    ratio: true,
    get: (r) => r.result.rssPerClientKiB ?? stormText(r.result.storm) ?? 'n/a',
  },
  ...RSS.slice(0, 3),
  { label: '10,000-client join storm (ms)', digits: 0, ratio: true, get: (r) => r.storm10k?.stormMs ?? stormText(r.storm10k) ?? 'n/a' },
];

FIGURES.attack = [
  attackFigure('honest latency p50 (ms)', 3, true, (a) => a.honest.latency.p50Ms),
  attackFigure('honest latency p90 (ms)', 3, true, (a) => a.honest.latency.p90Ms),
  attackFigure('honest latency p99 (ms)', 3, true, (a) => a.honest.latency.p99Ms),
  attackFigure('honest latency max (ms)', 3, true, (a) => a.honest.latency.maxMs),
  attackFigure('honest lines sent', 0, false, (a) => a.honest.sent),
  attackFigure('honest lines lost', 0, false, (a) => a.honest.lost),
  attackFigure('honest duplicates / out-of-order', 0, false, (a) => a.honest.duplicates + a.honest.outOfOrder),
  attackFigure('honest clients cut (of 2)', 0, false, (a) => a.honest.cut),
  attackFigure('attacker clients cut and reopened', 0, false, (a) => a.attacker.reconnects),
  attackFigure('flood taken by the server (MB)', 0, true, (a) => a.attacker.floodMB),
  attackFigure('server RSS before (MiB)', 1, true, (a) => mib(a.rssKiB.before)),
  attackFigure('server RSS max (MiB)', 1, true, (a) => mib(a.rssKiB.max)),
  attackFigure('server CPU (s)', 2, true, (a) => a.serverCpuS),
];
FIGURES['tls-attack'] = FIGURES.attack;

function mib(kib: number | null): number | null {
  return kib === null ? null : kib / MiB;
}

const num = (v: Value): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const TARGETS: Target[] = [
  {
    scenario: 'room',
    text: 'p99 <= 1 ms',
    check: (t) => opt(t.result.traffic?.latency.p99Ms, (p) => p <= 1),
  },
  {
    scenario: 'saturate',
    text: 'deliveries/s >= 3.5x ncat',
    check: (t, n) => opt2(t.result.traffic?.deliveriesPerSec, n?.result.traffic?.deliveriesPerSec, (a, b) => a >= 3.5 * b),
  },
  {
    scenario: 'saturate',
    text: 'p99 < 0.5x ncat',
    check: (t, n) => opt2(t.result.traffic?.latency.p99Ms, n?.result.traffic?.latency.p99Ms, (a, b) => a < 0.5 * b),
  },
  { scenario: 'big', text: 'deliveries/s >= 4 M', check: (t) => opt(t.result.traffic?.deliveriesPerSec, (d) => d >= 4e6) },
  { scenario: 'big', text: '5,000-client join storm <= 1.5 s', check: (t) => opt(t.result.storm.stormMs, (ms) => ms <= 1500) },
  {
    scenario: 'scale',
    text: '>= 19,000 clients all served',
    check: (t) =>
      t.result.storm.target >= 19_000 &&
      t.result.storm.connected === t.result.storm.target &&
      t.result.storm.closedByServer === 0 &&
      t.result.storm.noticesExact,
  },
  { scenario: 'scale', text: '10,000-client join storm <= 5 s', check: (t) => opt(t.storm10k?.stormMs, (ms) => ms <= 5000) },
  { scenario: 'scale', text: 'RSS growth <= 4 KiB per idle client', check: (t) => opt(t.result.rssPerClientKiB, (k) => k <= 4) },
  {
    scenario: 'attack',
    text: 'honest p99 <= 3x ref-c',
    check: (t, _n, c) => opt2(t.attack?.honest.latency.p99Ms, c?.attack?.honest.latency.p99Ms, (a, b) => a <= 3 * b),
  },
  { scenario: 'attack', text: 'honest max < 200 ms', check: (t) => opt(t.attack?.honest.latency.maxMs, (ms) => ms < 200) },
  { scenario: 'attack', text: 'no honest line lost', check: (t) => opt(t.attack?.honest.lost, (lost) => lost === 0) },
  { scenario: 'attack', text: 'no honest client cut', check: (t) => opt(t.attack?.honest.cut, (cut) => cut === 0) },
  // TLS: judged against the C reference behind stunnel, every client on TLS in both.
  {
    scenario: 'tls-saturate',
    text: 'deliveries/s >= 0.8x stunnel + ref-c',
    check: (t, _n, c) => opt2(t.result.traffic?.deliveriesPerSec, c?.result.traffic?.deliveriesPerSec, (a, b) => a >= 0.8 * b),
  },
  {
    scenario: 'tls-room',
    text: 'p99 <= 2x stunnel + ref-c',
    check: (t, _n, c) => opt2(t.result.traffic?.latency.p99Ms, c?.result.traffic?.latency.p99Ms, (a, b) => a <= 2 * b),
  },
  {
    scenario: 'tls-attack',
    text: 'honest p99 <= 3x stunnel + ref-c',
    check: (t, _n, c) => opt2(t.attack?.honest.latency.p99Ms, c?.attack?.honest.latency.p99Ms, (a, b) => a <= 3 * b),
  },
  { scenario: 'tls-attack', text: 'honest max < 200 ms', check: (t) => opt(t.attack?.honest.latency.maxMs, (ms) => ms < 200) },
  { scenario: 'tls-attack', text: 'no honest line lost', check: (t) => opt(t.attack?.honest.lost, (lost) => lost === 0) },
  { scenario: 'tls-attack', text: 'no honest client cut', check: (t) => opt(t.attack?.honest.cut, (cut) => cut === 0) },
];

const isTls = (scenario: ScenarioName): boolean => scenario.startsWith('tls-');
const isAttack = (scenario: ScenarioName): boolean => scenario === 'attack' || scenario === 'tls-attack';

/** A column's name: in the TLS scenarios, how each server got its TLS. */
function serverLabel(r: RunRecord): string {
  if (!isTls(r.scenario)) return r.server;
  if (r.server === 'ref-c') return 'stunnel + ref-c';
  if (r.server === 'ncat') return 'ncat --ssl';
  return `${r.server} (TLS)`;
}

/** Cluster scenarios: judged on the cluster's record, against the single node's in the same run. */
const CLUSTER_TARGETS: Target[] = [
  {
    scenario: 'cluster-room',
    text: 'p99 added by the cluster < 2 ms',
    check: (cluster, single) => opt2(cluster.result.traffic?.latency.p99Ms, single?.result.traffic?.latency.p99Ms, (c, s) => c - s < 2),
  },
  { scenario: 'cluster-room', text: 'one identical order on every client', check: (c, s) => sameOrderBoth(c, s) },
  { scenario: 'cluster-saturate', text: 'one identical order on every client', check: (c, s) => sameOrderBoth(c, s) },
  { scenario: 'cluster-room', text: 'no server notices', check: (c) => opt(c.result.traffic?.otherLines, (n) => n === 0) },
  { scenario: 'cluster-saturate', text: 'no server notices', check: (c) => opt(c.result.traffic?.otherLines, (n) => n === 0) },
];

function sameOrderBoth(cluster: RunRecord, single: RunRecord | undefined): boolean | null {
  const a = cluster.result.traffic?.sameOrder;
  const b = single?.result.traffic?.sameOrder;
  return a === undefined || a === null ? null : a && b !== false;
}

function opt(v: number | null | undefined, f: (v: number) => boolean): boolean | null {
  return v === null || v === undefined ? null : f(v);
}
function opt2(a: number | null | undefined, b: number | null | undefined, f: (a: number, b: number) => boolean): boolean | null {
  return a === null || a === undefined || b === null || b === undefined ? null : f(a, b);
}

/** Completeness exactly 1.0, no duplicates, no reordering, every notice delivered. */
function exactness(r: RunRecord): boolean {
  if (isAttack(r.scenario)) {
    const a = r.attack;
    return a !== null && a !== undefined && a.honest.duplicates === 0 && a.honest.outOfOrder === 0 && !a.serverDied && r.error === undefined;
  }
  const t = r.result.traffic;
  const s = r.result.storm;
  const stormOk = s.connected === s.target && s.noticesExact && s.closedByServer === 0;
  const trafficOk = r.result.load.mode === 'idle' || (t !== null && t.completeness === 1 && t.duplicates === 0 && t.outOfOrder === 0);
  const storm10kOk = r.storm10k === null || (r.storm10k.stormMs !== null && r.storm10k.noticesExact);
  return stormOk && trafficOk && storm10kOk && !r.result.serverDied && r.error === undefined;
}

function fmt(v: Value, digits: number): string {
  if (v === null) return '–';
  if (typeof v === 'string') return v;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const mark = (ok: boolean | null): string => (ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL');

export function renderTable(records: RunRecord[]): string {
  const out: string[] = [];
  const scenarios = [...new Set(records.map((r) => r.scenario))];
  for (const scenario of scenarios) {
    if (scenario === 'cluster-room' || scenario === 'cluster-saturate') {
      out.push(...renderCluster(records.filter((r) => r.scenario === scenario)));
      continue;
    }
    const tincan = records.find((r) => r.scenario === scenario && r.server === 'tincan');
    const ncat = records.find((r) => r.scenario === scenario && r.server === 'ncat');
    const refC = records.find((r) => r.scenario === scenario && r.server === 'ref-c');
    const others = records.filter((r) => r.scenario === scenario && r.server !== 'tincan' && r.server !== 'ncat');
    const first = tincan ?? ncat ?? others[0]!;
    out.push(`### ${scenario}${first.quick ? ' (quick)' : ''}: ${first.description}`, '');
    // TLS scenarios put their yardstick (ref-c behind stunnel) next to Tincan.
    const columns = (isTls(scenario) ? [tincan, ...others, ncat] : [tincan, ncat, ...others]).filter((r): r is RunRecord => r !== undefined);
    const header = ['figure', ...columns.map(serverLabel)];
    // The attack and the TLS scenarios are judged against the C reference; everything else against ncat.
    const versus = isAttack(scenario) || isTls(scenario) ? refC : ncat;
    const showRatio = tincan !== undefined && versus !== undefined;
    if (showRatio) header.push(`Tincan/${serverLabel(versus)}`);
    out.push(`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const f of FIGURES[scenario]) {
      const values = columns.map((r) => (r.error !== undefined ? `error: ${r.error}` : f.get(r)));
      const row = [f.label, ...values.map((v) => fmt(v, f.digits))];
      if (showRatio) {
        const a = num(tincan.error === undefined ? f.get(tincan) : null);
        const b = num(versus.error === undefined ? f.get(versus) : null);
        row.push(f.ratio && a !== null && b !== null && b !== 0 ? `${(a / b).toFixed(2)}×` : '');
      }
      out.push(`| ${row.join(' | ')} |`);
    }
    out.push('');
    if (tincan !== undefined) {
      const checks = TARGETS.filter((t) => t.scenario === scenario).map((t) => `${t.text}: **${mark(tincan.error === undefined ? t.check(tincan, ncat, refC) : false)}**`);
      checks.push(`completeness exactly 1.0, no duplicates/reordering, every notice: **${mark(exactness(tincan))}**`);
      out.push(`Targets (Tincan): ${checks.join('; ')}`, '');
    }
    for (const r of columns) {
      const notes = [...r.result.notes, ...(r.attack?.notes ?? []), ...(r.result.storm.errors.length > 0 ? [`socket errors: ${r.result.storm.errors.join(', ')}`] : [])];
      if (notes.length > 0) out.push(`Notes (${serverLabel(r)}): ${notes.join('; ')}`, '');
    }
  }
  return out.join('\n');
}

// One node next to the cluster: figures side by side, the difference, Redis's own cost.
function renderCluster(rows: RunRecord[]): string[] {
  const out: string[] = [];
  const single = rows.find((r) => r.server === 'tincan');
  const cluster = rows.find((r) => r.server === 'cluster');
  const first = cluster ?? single ?? rows[0]!;
  out.push(`### ${first.scenario}${first.quick ? ' (quick)' : ''}: ${first.description}`, '');
  const columns = [single, cluster].filter((r): r is RunRecord => r !== undefined);
  const header = ['figure', ...columns.map((r) => (r.server === 'cluster' ? 'cluster (3 nodes + Redis)' : 'one node'))];
  const both = single !== undefined && cluster !== undefined;
  if (both) header.push('cluster − one node');
  out.push(`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const f of FIGURES[first.scenario]) {
    const values = columns.map((r) => (r.error !== undefined ? `error: ${r.error}` : f.get(r)));
    const row = [f.label, ...values.map((v) => (f.label.startsWith('one identical order') && typeof v === 'number' ? (v === 1 ? 'yes' : 'NO') : fmt(v, f.digits)))];
    if (both) {
      const a = num(single.error === undefined ? f.get(single) : null);
      const b = num(cluster.error === undefined ? f.get(cluster) : null);
      row.push(f.ratio && a !== null && b !== null ? `${b - a >= 0 ? '+' : ''}${fmt(b - a, f.digits)}` : '');
    }
    out.push(`| ${row.join(' | ')} |`);
  }
  out.push('');
  if (cluster !== undefined) {
    const checks = CLUSTER_TARGETS.filter((t) => t.scenario === first.scenario).map((t) => `${t.text}: **${mark(cluster.error === undefined ? t.check(cluster, single, undefined) : false)}**`);
    checks.push(`completeness exactly 1.0, no duplicates/reordering, every notice (both): **${mark(exactness(cluster) && (single === undefined || exactness(single)))}**`);
    out.push(`Targets: ${checks.join('; ')}`, '');
  }
  for (const r of columns) {
    const notes = [...r.result.notes, ...(r.result.storm.errors.length > 0 ? [`socket errors: ${r.result.storm.errors.join(', ')}`] : [])];
    if (notes.length > 0) out.push(`Notes (${r.server}): ${notes.join('; ')}`, '');
  }
  return out;
}

/** Pass/fail of every Tincan target, for the exit code. */
export function allTargetsPass(records: RunRecord[]): boolean {
  const tincan = records
    .filter((r) => r.server === 'tincan' && !r.scenario.startsWith('cluster-'))
    .every((t) => {
      const ncat = records.find((r) => r.scenario === t.scenario && r.server === 'ncat');
      const refC = records.find((r) => r.scenario === t.scenario && r.server === 'ref-c');
      return exactness(t) && TARGETS.filter((x) => x.scenario === t.scenario).every((x) => x.check(t, ncat, refC) !== false);
    });
  const clusters = records
    .filter((r) => r.scenario.startsWith('cluster-') && (r.server === 'cluster' || r.server === 'tincan'))
    .every((r) => {
      if (!exactness(r)) return false;
      if (r.server !== 'cluster') return true;
      const single = records.find((x) => x.scenario === r.scenario && x.server === 'tincan');
      return CLUSTER_TARGETS.filter((x) => x.scenario === r.scenario).every((x) => x.check(r, single, undefined) !== false);
    });
  return tincan && clusters;
}

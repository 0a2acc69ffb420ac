/**
 * Runs one load against one freshly started server: spawns the worker processes,
 * times the join storm, drives the senders, waits for delivery and gathers the figures.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { mergeCounts, newCounts, summarize, type LatencySummary } from './histogram';
import { expectedNotices, noticeRange, receiversPerLine } from './lines';
import type { ConnectProgress, FromWorker, SentReport, ToWorker, WorkerStats } from './messages';
import { startServer, tcpCounters, type RunningServer, type ServerOptions } from './servers';

export type Load =
  | { mode: 'open'; linesPerSecond: number }
  | { mode: 'closed'; window: number }
  | { mode: 'idle' };

export interface LoadSpec {
  /** A number, or 'max': as many as the server's descriptor limit leaves room for. */
  clients: number | 'max';
  /** Upper bound for 'max' (a quick run uses fewer). */
  maxClientsCap?: number;
  senders: number;
  lineBytes: number;
  load: Load;
  durationMs: number;
  /** Give up on the join storm after this long and report how far it got. */
  connectBudgetMs: number;
  workers: number;
  connectConcurrency: number;
  /** How long delivery may make no progress after the senders stop before we call it lost. */
  drainStallMs: number;
  /**
   * Non-sending clients that live alone in one extra generator process. A process reading
   * many sockets sees each line late by the time it spends on the sockets before it (with
   * 50 sockets per process that alone is ~0.5 ms); a probe's latency is close to what the
   * server itself adds.
   */
  probeClients?: number;
  /** Check that every client received the bench lines in one identical order. */
  orderCheck?: boolean;
}

/** A cluster run: what Redis itself cost during the traffic phase, and what the nodes did. */
export interface ClusterCost {
  nodes: number;
  redisCpuS: number | null;
  redisRssKiB: number | null;
  /** INFO memory: used_memory and used_memory_peak, in bytes. */
  redisUsedMemory: number | null;
  redisPeakMemory: number | null;
  /** Commands Redis processed during the traffic phase (INFO stats). */
  redisCommands: number | null;
  /** Of which XREAD (every node's reads) and EVALSHA (appends, heartbeats). */
  redisXreads: number | null;
  redisScripts: number | null;
  nodeCpuS: Array<number | null>;
  nodeRssKiB: Array<number | null>;
}

export interface JoinStorm {
  target: number;
  connected: number;
  failed: number;
  closedByServer: number;
  /** From the first connect until the last socket finished its handshake. */
  connectMs: number | null;
  /** From the first connect until the last connected-notice arrived; null if they did not all arrive. */
  stormMs: number | null;
  notices: number;
  expectedNotices: number;
  /** Every client got exactly the notices its join position implies. */
  noticesExact: boolean;
  budgetExceeded: boolean;
  budgetMs: number;
  errors: string[];
  /** Busiest worker's event-loop utilisation during the storm. */
  generatorBusiest: number;
  /**
   * Machine-wide listen-queue overflows and SYN retransmissions during the storm: when the
   * server accepts slower than clients arrive, handshakes are dropped and retried on TCP's
   * back-off timers, and the storm's duration then depends on those timers.
   */
  listenOverflows: number | null;
  synRetransmits: number | null;
  /** Socket reads the generator needed for the storm: fewer means the server batched its notices. */
  reads: number;
  bytes: number;
}

export interface LoadResult {
  clients: number;
  senders: number;
  lineBytes: number;
  load: Load;
  storm: JoinStorm;
  /** Null when there was no traffic phase (idle, or the join storm did not complete). */
  traffic: {
    durationS: number;
    sent: number;
    expected: number;
    delivered: number;
    completeness: number;
    deliveriesPerSec: number;
    mbPerSec: number;
    latency: LatencySummary;
    duplicates: number;
    outOfOrder: number;
    otherLines: number;
    /** CPU seconds all generator workers used during the traffic phase (incl. the drain). */
    generatorCpuS: number;
    generatorSystemCpuS: number;
    bytesPerRead: number;
    /** Busiest worker's event-loop utilisation: near 1.0 means the generator, not the server, set the pace. */
    generatorBusiest: number;
    /** Latency seen by the probe clients only; null without probes. */
    probeLatency: LatencySummary | null;
    /** Server CPU (all its processes) in the traffic phase and drain, per line delivered, in µs. */
    serverCpuPerDeliveryUs?: number;
    /** With orderCheck: whether every client received the bench lines in one identical order. */
    sameOrder: boolean | null;
    /** How many different orders were seen (1 = one order everywhere). */
    orders: number | null;
  } | null;
  cluster: ClusterCost | null;
  rssKiB: { before: number | null; connected: number | null; end: number | null };
  /** (RSS once every notice was drained - RSS before connecting) / clients. */
  rssPerClientKiB: number | null;
  serverCpuS: number | null;
  serverFdsBefore: number | null;
  serverFdLimit: number | null;
  serverDied: boolean;
  /** What the server process said about itself after the run (session hosts only). */
  serverReport: Record<string, number | string | null> | null;
  notes: string[];
}

/** Descriptors kept free in the server when sizing a 'max' run (accept reserve, logging…). */
const FD_HEADROOM = 16;
const POLL_MS = 20;
const STORM_STALL_MS = 10_000;

const nowNs = (base: bigint): number => Number(process.hrtime.bigint() - base);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class WorkerPool {
  readonly progress = new Map<number, ConnectProgress>();
  readonly sent = new Map<number, SentReport>();
  private readonly waiters = new Map<string, Array<(m: FromWorker) => void>>();
  private readonly children: ChildProcess[] = [];

  constructor(count: number) {
    const workerPath = path.join(__dirname, 'worker.ts');
    for (let i = 0; i < count; i++) {
      // BENCH_WORKER_PROF=DIR profiles the generator itself (to check it is not the bottleneck).
      const prof = process.env.BENCH_WORKER_PROF;
      const execArgv = ['--import', 'tsx', ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])];
      const child = fork(workerPath, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (m) => this.onMessage(m as FromWorker));
      this.children.push(child);
    }
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'observed') {
      this.children.forEach((c, i) => {
        if (i !== m.workerIndex && c.connected) c.send(m);
      });
      return;
    }
    if (m.type === 'progress') this.progress.set(m.workerIndex, m);
    if (m.type === 'sent') this.sent.set(m.workerIndex, m);
    const key = `${m.type}:${m.workerIndex}`;
    const list = this.waiters.get(key);
    const resolve = list?.shift();
    if (resolve) resolve(m);
  }

  private next(type: string, worker: number): Promise<FromWorker> {
    return new Promise((resolve) => {
      const key = `${type}:${worker}`;
      const list = this.waiters.get(key) ?? [];
      list.push(resolve);
      this.waiters.set(key, list);
    });
  }

  get size(): number {
    return this.children.length;
  }

  send(worker: number, m: ToWorker): void {
    this.children[worker]!.send(m);
  }

  broadcast(m: ToWorker): void {
    for (const c of this.children) c.send(m);
  }

  async request(type: 'ready' | 'stats', make: (worker: number) => ToWorker | null): Promise<FromWorker[]> {
    const waits = this.children.map((_, i) => this.next(type, i));
    this.children.forEach((c, i) => {
      const m = make(i);
      if (m) c.send(m);
    });
    return Promise.all(waits);
  }

  async stats(withNoticeCounts: boolean): Promise<WorkerStats[]> {
    return (await this.request('stats', () => ({ type: 'stats', withNoticeCounts }))) as WorkerStats[];
  }

  totals(): { connected: number; failed: number; closedByServer: number; notices: number; lastNoticeNs: number; lastConnectNs: number; errors: string[] } {
    const t = { connected: 0, failed: 0, closedByServer: 0, notices: 0, lastNoticeNs: 0, lastConnectNs: 0, errors: [] as string[] };
    for (const p of this.progress.values()) {
      t.connected += p.connected;
      t.failed += p.failed;
      t.closedByServer += p.closedByServer;
      t.notices += p.notices;
      t.lastNoticeNs = Math.max(t.lastNoticeNs, p.lastNoticeNs);
      t.lastConnectNs = Math.max(t.lastConnectNs, p.lastConnectNs);
      for (const e of p.errors) if (!t.errors.includes(e)) t.errors.push(e);
    }
    return t;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            if (c.connected) c.send({ type: 'exit' } satisfies ToWorker);
            else c.kill('SIGKILL');
          }),
      ),
    );
  }
}

export async function runLoad(serverOptions: ServerOptions, spec: LoadSpec, log: (s: string) => void): Promise<LoadResult> {
  const server = await startServer({
    ...serverOptions,
    // A 'max' run must not stop at a server default (ncat's --max-conns is 100).
    maxClients: typeof spec.clients === 'number' ? spec.clients : serverOptions.kind === 'ncat' ? 100_000 : serverOptions.maxClients,
  });
  const made: WorkerPool[] = [];
  try {
    const result = await runAgainst(server, spec, log, (w) => {
      const pool = new WorkerPool(w);
      made.push(pool);
      return pool;
    });
    if (server.report && !server.exited()) {
      result.serverReport = await server.report().catch((err: unknown) => {
        result.notes.push(`no report from the server: ${(err as Error).message}`);
        return null;
      });
    }
    return result;
  } finally {
    // A profiled server must exit on its own to write its profile; others die at once.
    await server.stop(serverOptions.nodeFlags?.includes('--cpu-prof') ? 'SIGINT' : 'SIGKILL');
    for (const pool of made) await pool.close();
  }
}

async function runAgainst(
  server: RunningServer,
  spec: LoadSpec,
  log: (s: string) => void,
  makePool: (workers: number) => WorkerPool,
): Promise<LoadResult> {
  const notes: string[] = [];
  const fdsBefore = server.openFds();
  const fdLimit = server.fdLimit();
  let clients: number;
  if (spec.clients === 'max') {
    if (fdLimit === null || fdsBefore === null) throw new Error('cannot read the server descriptor limit');
    clients = fdLimit - fdsBefore - FD_HEADROOM;
    if (spec.maxClientsCap !== undefined) clients = Math.min(clients, spec.maxClientsCap);
  } else clients = spec.clients;
  const dialect = server.dialect;
  const cpuBefore = server.cpuSeconds();
  const rssBefore = server.rssKiB();

  const base = process.hrtime.bigint();
  // Probe clients get a process of their own (the last worker), see LoadSpec.probeClients.
  const probes = Math.max(0, Math.min(spec.probeClients ?? 0, clients - spec.senders - 1));
  const loadWorkers = Math.max(1, Math.min(spec.workers, clients - probes));
  const workers = loadWorkers + (probes > 0 ? 1 : 0);
  const pool = makePool(workers);
  const slices: number[][] = Array.from({ length: workers }, () => []);
  let nextLoad = 0;
  for (let i = 0; i < clients; i++) {
    if (i >= spec.senders && i < spec.senders + probes) slices[loadWorkers]!.push(i);
    else slices[nextLoad++ % loadWorkers]!.push(i);
  }
  await pool.request('ready', (w) => ({
    type: 'init',
    workerIndex: w,
    host: '127.0.0.1',
    port: server.port,
    ...(server.ports ? { ports: server.ports } : {}),
    orderCheck: spec.orderCheck ?? false,
    dialect,
    tls: server.tls,
    lineBytes: spec.lineBytes,
    senders: spec.senders,
    clients: slices[w]!,
    baseNs: base.toString(),
    connectConcurrency: spec.connectConcurrency,
    workers,
  }));

  // Join storm.
  const wantNotices = expectedNotices(dialect, clients);
  const tcpBefore = tcpCounters();
  const stormStart = nowNs(base);
  pool.broadcast({ type: 'connect' });
  const budgetEnd = Date.now() + spec.connectBudgetMs;
  let lastChange = Date.now();
  let lastSeen = '';
  let budgetExceeded = false;
  let nextLog = Date.now() + 5_000;
  for (;;) {
    await sleep(POLL_MS);
    const t = pool.totals();
    if (Date.now() > nextLog) {
      nextLog += 5_000;
      log(`    ${((nowNs(base) - stormStart) / 1e9).toFixed(0)} s: ${t.connected}/${clients} connected, ${t.notices}/${wantNotices} notices`);
    }
    if (t.connected === clients && t.notices >= wantNotices) break;
    if (server.exited()) {
      notes.push('server exited during the join storm');
      break;
    }
    const seen = `${t.connected}/${t.failed}/${t.closedByServer}/${t.notices}`;
    if (seen !== lastSeen) {
      lastSeen = seen;
      lastChange = Date.now();
    }
    if (Date.now() > budgetEnd) {
      budgetExceeded = true;
      break;
    }
    if (t.connected + t.failed === clients && Date.now() - lastChange > STORM_STALL_MS) {
      notes.push(`join storm stalled: ${t.notices}/${wantNotices} notices`);
      break;
    }
  }
  pool.broadcast({ type: 'stop-connect' });
  const tcpAfter = tcpCounters();
  const stormStats = await pool.stats(true);
  const t = pool.totals();
  const connected = stormStats.reduce((a, s) => a + s.connected, 0);
  const closedByServer = stormStats.reduce((a, s) => a + s.closedByServer, 0);
  const tlsRetries = stormStats.reduce((a, s) => a + s.tlsRetries, 0);
  if (tlsRetries > 0) notes.push(`${tlsRetries} TLS client(s) opened again: their ClientHello came after the server's silence rule`);
  const notices = stormStats.reduce((a, s) => a + s.notices, 0);
  const counts = stormStats.flatMap((s) => s.noticeCounts ?? []).sort((a, b) => a - b);
  const range = noticeRange(dialect, clients);
  const noticesExact = counts.length === clients && counts.every((c, i) => c === range.first + i);
  const allIn = connected === clients && closedByServer === 0 && notices === wantNotices;
  const storm: JoinStorm = {
    target: clients,
    connected,
    failed: t.failed,
    closedByServer,
    connectMs: connected === clients ? (t.lastConnectNs - stormStart) / 1e6 : null,
    stormMs: allIn ? (Math.max(t.lastNoticeNs, t.lastConnectNs) - stormStart) / 1e6 : null,
    notices,
    expectedNotices: wantNotices,
    noticesExact,
    budgetExceeded,
    budgetMs: spec.connectBudgetMs,
    errors: t.errors,
    generatorBusiest: Math.max(...stormStats.map((s) => s.eventLoopUtilization)),
    listenOverflows: tcpBefore && tcpAfter ? tcpAfter.listenOverflows - tcpBefore.listenOverflows : null,
    synRetransmits: tcpBefore && tcpAfter ? tcpAfter.synRetransmits - tcpBefore.synRetransmits : null,
    reads: stormStats.reduce((a, s) => a + s.reads, 0),
    bytes: stormStats.reduce((a, s) => a + s.bytes, 0),
  };
  log(
    `  join storm: ${connected}/${clients} connected` +
      (storm.stormMs !== null ? `, all notices in ${storm.stormMs.toFixed(0)} ms` : `, ${notices}/${wantNotices} notices`) +
      (budgetExceeded ? ` (budget ${spec.connectBudgetMs / 1000} s exceeded)` : '') +
      (storm.listenOverflows ? `; listen queue overflowed ${storm.listenOverflows}×, ${storm.synRetransmits} SYNs resent` : ''),
  );
  const rssConnected = server.rssKiB();

  let traffic: LoadResult['traffic'] = null;
  let cluster: ClusterCost | null = null;
  if (spec.load.mode !== 'idle') {
    if (!allIn) notes.push(`no traffic phase: only ${connected}/${clients} clients connected and announced`);
    else {
      const probeWorker = probes > 0 ? loadWorkers : null;
      const parts = server.cluster;
      const before = parts ? { redisCpu: parts.redisCpuSeconds(), nodeCpu: parts.nodeCpuSeconds(), info: await parts.redisInfo() } : null;
      const trafficCpuBefore = server.cpuSeconds();
      traffic = await runTraffic(pool, spec, clients, receiversPerLine(dialect, clients), base, probeWorker, log, notes);
      const trafficCpuAfter = server.cpuSeconds();
      if (trafficCpuBefore !== null && trafficCpuAfter !== null && traffic.delivered > 0) {
        traffic.serverCpuPerDeliveryUs = ((trafficCpuAfter - trafficCpuBefore) * 1e6) / traffic.delivered;
      }
      if (parts && before) {
        const info = await parts.redisInfo();
        const redisCpu = parts.redisCpuSeconds();
        const number = (text: string | undefined): number | null => (text === undefined || text === '' ? null : Number(text));
        const commandsBefore = number(before.info.total_commands_processed);
        const commandsAfter = number(info.total_commands_processed);
        const calls = (fields: Record<string, string>, command: string): number => Number(/calls=(\d+)/.exec(fields[`cmdstat_${command}`] ?? '')?.[1] ?? 0);
        cluster = {
          nodes: server.ports?.length ?? 1,
          redisCpuS: redisCpu !== null && before.redisCpu !== null ? redisCpu - before.redisCpu : null,
          redisRssKiB: parts.redisRssKiB(),
          redisUsedMemory: number(info.used_memory),
          redisPeakMemory: number(info.used_memory_peak),
          redisCommands: commandsAfter !== null && commandsBefore !== null ? commandsAfter - commandsBefore : null,
          redisXreads: calls(info, 'xread') - calls(before.info, 'xread'),
          redisScripts: calls(info, 'evalsha') + calls(info, 'eval') - calls(before.info, 'evalsha') - calls(before.info, 'eval'),
          nodeCpuS: parts.nodeCpuSeconds().map((cpu, i) => {
            const was = before.nodeCpu[i] ?? null;
            return cpu !== null && was !== null ? cpu - was : null;
          }),
          nodeRssKiB: parts.nodeRssKiB(),
        };
        log(
          `  redis: ${cluster.redisCpuS?.toFixed(2)} s CPU, RSS ${((cluster.redisRssKiB ?? 0) / 1024).toFixed(1)} MiB, ` +
            `used_memory ${((cluster.redisUsedMemory ?? 0) / 2 ** 20).toFixed(1)} MiB, ${cluster.redisCommands} commands ` +
            `(${cluster.redisXreads} XREAD, ${cluster.redisScripts} scripts), node CPU ${cluster.nodeCpuS.map((s) => s?.toFixed(2)).join(' / ')} s`,
        );
      }
    }
  }
  const rssEnd = server.rssKiB();
  const cpuAfter = server.cpuSeconds();
  const serverDied = server.exited();
  if (serverDied) notes.push('server process died');
  return {
    clients,
    senders: spec.senders,
    lineBytes: spec.lineBytes,
    load: spec.load,
    storm,
    traffic,
    rssKiB: { before: rssBefore, connected: rssConnected, end: rssEnd },
    rssPerClientKiB:
      allIn && rssBefore !== null && rssConnected !== null ? (rssConnected - rssBefore) / clients : null,
    serverCpuS: cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null,
    serverFdsBefore: fdsBefore,
    serverFdLimit: fdLimit,
    serverDied,
    serverReport: null,
    notes,
    cluster,
  };
}

async function runTraffic(
  pool: WorkerPool,
  spec: LoadSpec,
  clients: number,
  receivers: number,
  base: bigint,
  probeWorker: number | null,
  log: (s: string) => void,
  notes: string[],
): Promise<NonNullable<LoadResult['traffic']>> {
  const load = spec.load;
  const startNs = nowNs(base) + 100e6;
  pool.sent.clear();
  pool.broadcast({
    type: 'run',
    mode: load.mode === 'open' ? 'open' : 'closed',
    startNs,
    durationMs: spec.durationMs,
    ratePerSender: load.mode === 'open' ? load.linesPerSecond / spec.senders : 0,
    window: load.mode === 'closed' ? load.window : 0,
  });
  while (pool.sent.size < pool.size) await sleep(POLL_MS);
  let sent = 0;
  for (const r of pool.sent.values()) for (const [, n] of r.perSender) sent += n;
  const expected = sent * receivers;

  // Drain: wait until every line reached every receiver, or delivery stops moving.
  let stats = await pool.stats(false);
  let delivered = stats.reduce((a, s) => a + s.delivered, 0);
  let lastProgress = Date.now();
  while (delivered < expected && Date.now() - lastProgress < spec.drainStallMs) {
    await sleep(POLL_MS);
    stats = await pool.stats(false);
    const now = stats.reduce((a, s) => a + s.delivered, 0);
    if (now !== delivered) lastProgress = Date.now();
    delivered = now;
  }
  if (delivered < expected) notes.push(`delivery stalled at ${delivered}/${expected}`);

  const latency = newCounts();
  let maxLatencyNs = 0;
  let lastDeliveryNs = 0;
  let bytes = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let otherLines = 0;
  const probeStats = probeWorker === null ? undefined : stats.find((s) => s.workerIndex === probeWorker);
  const digests = spec.orderCheck ? stats.flatMap((s) => s.orderDigests ?? []) : null;
  const orders = digests === null ? null : new Set(digests).size;
  if (orders !== null && orders !== 1) notes.push(`clients received the lines in ${orders} different orders`);
  for (const s of stats) {
    mergeCounts(latency, s.latency);
    maxLatencyNs = Math.max(maxLatencyNs, s.maxLatencyNs);
    lastDeliveryNs = Math.max(lastDeliveryNs, s.lastDeliveryNs);
    bytes += s.bytes;
    duplicates += s.duplicates;
    outOfOrder += s.outOfOrder;
    otherLines += s.otherLines;
  }
  const seconds = Math.max(1e-9, (lastDeliveryNs - startNs) / 1e9);
  const result = {
    durationS: seconds,
    sent,
    expected,
    delivered,
    completeness: expected === 0 ? 0 : delivered / expected,
    deliveriesPerSec: delivered / seconds,
    mbPerSec: bytes / seconds / 1e6,
    latency: summarize(latency, maxLatencyNs),
    probeLatency: probeStats ? summarize(probeStats.latency, probeStats.maxLatencyNs) : null,
    duplicates,
    outOfOrder,
    otherLines,
    generatorCpuS: stats.reduce((a, s) => a + s.cpuS, 0),
    generatorSystemCpuS: stats.reduce((a, s) => a + s.systemCpuS, 0),
    bytesPerRead: bytes / Math.max(1, stats.reduce((a, s) => a + s.reads, 0)),
    generatorBusiest: Math.max(...stats.map((s) => s.eventLoopUtilization)),
    sameOrder: orders === null ? null : orders === 1 && digests!.length === clients,
    orders,
  };
  log(
    `  traffic: ${clients} clients, ${(result.deliveriesPerSec / 1e6).toFixed(2)} M deliveries/s, ` +
      `p99 ${result.latency.p99Ms?.toFixed(2)} ms` +
      (result.probeLatency ? ` (probe ${result.probeLatency.p99Ms?.toFixed(2)} ms)` : '') +
      `, completeness ${result.completeness.toFixed(6)}, ` +
      (orders !== null ? `${orders === 1 ? 'one order' : `${orders} orders`} on ${digests!.length} clients, ` : '') +
      `generator busiest ${(result.generatorBusiest * 100).toFixed(0)}%`,
  );
  return result;
}

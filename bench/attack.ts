/**
 * The `attack` scenario: the pause attack of the hostile-room issue. One attacker machine
 * (127.0.0.66) opens clients that never read and floods from one more, reconnecting whatever
 * the server cuts; an honest pair (127.0.0.1, 127.0.0.2) chats meanwhile and times every
 * line. What counts: the honest pair's latency, lines lost, honest clients cut.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { AttackCommand, AttackerStats, AttackReport, HonestStats } from './attack-worker';
import { summarize, type LatencySummary } from './histogram';
import { startServer, type ServerOptions } from './servers';

export interface AttackSpec {
  nonReaders: number;
  floodBytesPerSecond: number;
  honestLinesPerSecond: number;
  honestLineBytes: number;
  durationMs: number;
  /** After the attack, how long the honest pair may wait for lines still on their way. */
  drainMs: number;
}

export interface AttackResult {
  durationS: number;
  honest: {
    sent: number;
    expected: number;
    received: number;
    lost: number;
    duplicates: number;
    outOfOrder: number;
    cut: number;
    latency: LatencySummary;
  };
  attacker: { reconnects: number; floodMB: number; nonReadersOpen: number };
  rssKiB: { before: number | null; max: number | null; end: number | null };
  serverCpuS: number | null;
  serverDied: boolean;
  notes: string[];
}

const POLL_MS = 50;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class RoleProcess {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<string, (report: AttackReport) => void>();

  constructor() {
    this.child = fork(path.join(__dirname, 'attack-worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (report: AttackReport) => {
      const resolve = this.waiting.get(report.type);
      this.waiting.delete(report.type);
      resolve?.(report);
    });
  }

  send(command: AttackCommand): void {
    if (this.child.connected) this.child.send(command);
  }

  request<T extends AttackReport>(command: AttackCommand, answer: T['type'], timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${answer} from the ${command.type === 'init' ? command.role : 'worker'} process in ${timeoutMs} ms`)), timeoutMs);
      this.waiting.set(answer, (report) => {
        clearTimeout(timer);
        resolve(report as T);
      });
      this.send(command);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      if (this.child.connected) this.child.send({ type: 'exit' } satisfies AttackCommand);
      else this.child.kill('SIGKILL');
    });
  }
}

export async function runAttack(serverOptions: ServerOptions, spec: AttackSpec, log: (s: string) => void): Promise<AttackResult> {
  const server = await startServer({ ...serverOptions, maxClients: serverOptions.kind === 'ncat' ? 10_000 : 0 });
  const attacker = new RoleProcess();
  const honest = new RoleProcess();
  const notes: string[] = [];
  try {
    const baseNs = process.hrtime.bigint().toString();
    const common = { port: server.port, dialect: server.dialect, tls: server.tls, baseNs, ...spec };
    const rssBefore = server.rssKiB();
    const cpuBefore = server.cpuSeconds();
    await attacker.request({ type: 'init', role: 'attacker', ...common }, 'ready');
    await honest.request({ type: 'init', role: 'honest', ...common }, 'ready');
    log(`  ${spec.nonReaders} clients that never read and a flooder connected; attacking for ${spec.durationMs / 1000} s`);
    const started = Date.now();
    attacker.send({ type: 'start' });
    honest.send({ type: 'start' });
    let rssMax = server.rssKiB();
    while (Date.now() - started < spec.durationMs && !server.exited()) {
      await sleep(POLL_MS);
      rssMax = Math.max(rssMax ?? 0, server.rssKiB() ?? 0);
    }
    attacker.send({ type: 'stop' });
    honest.send({ type: 'stop' });
    const durationS = (Date.now() - started) / 1000;
    const attackStats = await attacker.request<AttackerStats>({ type: 'stats' }, 'attacker-stats');
    // The honest pair's lines still on their way: wait until all arrived or nothing moved for drainMs.
    const receiversPerLine = server.dialect === 'tincan' ? 2 : 1;
    let stats = await honest.request<HonestStats>({ type: 'stats' }, 'honest-stats');
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const got = stats.received.flat().reduce((a, b) => a + b, 0);
      const want = stats.sent.reduce((a, b) => a + b, 0) * receiversPerLine;
      if (got >= want || server.exited()) break;
      if (got !== last) {
        last = got;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > spec.drainMs) {
        notes.push(`honest lines stopped arriving: ${got}/${want}`);
        break;
      }
      await sleep(POLL_MS);
      stats = await honest.request<HonestStats>({ type: 'stats' }, 'honest-stats');
    }
    const sent = stats.sent.reduce((a, b) => a + b, 0);
    const received = stats.received.flat().reduce((a, b) => a + b, 0);
    const expected = sent * receiversPerLine;
    const serverDied = server.exited();
    if (serverDied) notes.push('server process died');
    const result: AttackResult = {
      durationS,
      honest: {
        sent,
        expected,
        received,
        lost: Math.max(0, expected - received),
        duplicates: stats.duplicates,
        outOfOrder: stats.outOfOrder,
        cut: stats.cut,
        latency: summarize(stats.latency, stats.maxLatencyNs),
      },
      attacker: { reconnects: attackStats.reconnects, floodMB: attackStats.floodBytes / 1e6, nonReadersOpen: attackStats.nonReadersOpen },
      rssKiB: { before: rssBefore, max: rssMax, end: server.rssKiB() },
      serverCpuS: cpuBefore !== null ? (server.cpuSeconds() ?? cpuBefore) - cpuBefore : null,
      serverDied,
      notes,
    };
    const l = result.honest.latency;
    log(`  honest: p50 ${l.p50Ms?.toFixed(2)} ms, p99 ${l.p99Ms?.toFixed(2)} ms, max ${l.maxMs?.toFixed(1)} ms; ` +
      `lost ${result.honest.lost}/${expected}, cut ${result.honest.cut}; attacker reconnected ${attackStats.reconnects}×, flooded ${result.attacker.floodMB.toFixed(0)} MB`);
    return result;
  } finally {
    // A profiled server must exit on its own to write its profile; others die at once.
    await server.stop(serverOptions.nodeFlags?.includes('--cpu-prof') ? 'SIGINT' : 'SIGKILL');
    await attacker.close();
    await honest.close();
  }
}

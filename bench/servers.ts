/** Starting, watching and stopping the chat servers the bench compares. */
import { SERVER_NODE_FLAGS } from '../main/headless/cli';
import { RedisServer } from '../test/support/redis-server';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import type { Dialect } from './lines';

/**
 * tincan: the server under test. ncat: `ncat --chat`, the comparison.
 * ref-node / ref-c: minimal servers in bench/ that exist only to validate the generator.
 * session: the desktop app's host (a hosting ChatSession, bench/history-host.ts), with or
 * without its transcript stored.
 * cluster: CLUSTER_NODES Tincan servers serving one room through one redis-server.
 */
export type ServerKind = 'tincan' | 'ncat' | 'ref-node' | 'ref-c' | 'session' | 'cluster';

export const CLUSTER_NODES = 3;

export interface ServerOptions {
  kind: ServerKind;
  host: string;
  /** Limit handed to the server (tincan --max-clients, ncat --max-conns); 0 = server default / none. */
  maxClients: number;
  /** tincan only: run main/headless/serve.ts through tsx instead of the built dist/main/serve.js. */
  fromSource?: boolean;
  /** Extra node flags for tincan/reference, e.g. ['--cpu-prof']. */
  nodeFlags?: string[];
  /** tincan only: more command-line options for the server. */
  serverArgs?: string[];
  cwd?: string;
  /** session only: store the transcript (FTS5 or the LIKE fallback) in `historyFile`. */
  history?: 'off' | 'fts5' | 'like';
  historyFile?: string;
  /**
   * Every client speaks TLS with this certificate and key (PEM files, see benchCertificate):
   * tincan gets --tls-cert/--tls-key, ncat --ssl, and ref-c is put behind stunnel.
   */
  tls?: BenchCertificate;
}

/** The bench's TLS certificate: ECDSA P-256, self-signed, made by openssl in a temp dir. */
export interface BenchCertificate {
  dir: string;
  cert: string;
  key: string;
}

/** What a cluster run measures besides the nodes: Redis's own cost. */
export interface ClusterParts {
  redisPid: number;
  redisCpuSeconds(): number | null;
  redisRssKiB(): number | null;
  /** INFO fields (memory, stats, cpu) as Redis reports them. */
  redisInfo(): Promise<Record<string, string>>;
  nodeCpuSeconds(): Array<number | null>;
  nodeRssKiB(): Array<number | null>;
}

export interface RunningServer {
  kind: ServerKind;
  dialect: Dialect;
  /** Clients must speak TLS to it. */
  tls: boolean;
  pid: number;
  port: number;
  /** A cluster: every node's port (clients are spread over them). */
  ports?: number[];
  cluster?: ClusterParts;
  /** Resident set size in KiB, from /proc/PID/status VmRSS; null once the process is gone. */
  rssKiB(): number | null;
  /** User + system CPU seconds the process has used so far. */
  cpuSeconds(): number | null;
  /** Open descriptors right now. */
  openFds(): number | null;
  /** Its RLIMIT_NOFILE soft limit. */
  fdLimit(): number | null;
  exited(): boolean;
  /** Kill at once: a graceful close would make the server announce thousands of departures. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** session only: the host's own figures (lines seen, stored, time spent storing). */
  report?: () => Promise<Record<string, number | string | null>>;
}

const READY_TIMEOUT_MS = 20_000;
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Machine-wide TCP counters from /proc/net/netstat: how often a listen queue overflowed
 * (the kernel then drops the handshake and the client retries on TCP's back-off timers,
 * 1 s, 3 s, 7 s…) and how many SYNs were retransmitted. Taken around a join storm.
 */
export function tcpCounters(): { listenOverflows: number; synRetransmits: number } | null {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const header = lines.find((l) => l.startsWith('TcpExt:'))?.split(/\s+/);
    const values = lines.filter((l) => l.startsWith('TcpExt:'))[1]?.split(/\s+/);
    if (!header || !values) return null;
    const get = (name: string): number => Number(values[header.indexOf(name)] ?? NaN);
    return { listenOverflows: get('ListenOverflows'), synRetransmits: get('TCPSynRetrans') };
  } catch {
    return null;
  }
}

export function projectRoot(): string {
  return path.resolve(__dirname, '..');
}

function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function cpuOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function fdsOf(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

function fdLimitOf(pid: number): number | null {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Is something listening on host:port? Read from /proc/net/tcp so no probe connection disturbs the server. */
function isListening(host: string, port: number): boolean {
  const wantHost = host
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .reverse()
    .join('')
    .toUpperCase();
  const wantPort = port.toString(16).toUpperCase().padStart(4, '0');
  const table = readFileSync('/proc/net/tcp', 'utf8').split('\n');
  return table.some((line) => {
    const cols = line.trim().split(/\s+/);
    return cols[1] === `${wantHost}:${wantPort}` && cols[3] === '0A';
  });
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server not ready after ${READY_TIMEOUT_MS} ms: ${seen}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      const m = pattern.exec(seen);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        // Keep draining so a chatty server never blocks on a full pipe.
        child.stdout?.resume();
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before it was ready: ${seen}`));
    });
  });
}

async function waitUntilListening(child: ChildProcess, host: string, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!isListening(host, port)) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before it was ready`);
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The bench measures capacity from one address (127.0.0.1), so Tincan's per-address limits
 * are lifted, as ncat's --max-conns is. Asked of the server's --help, so an older version
 * under test (BENCH_TINCAN_SERVE) that has no such options still runs.
 */
const liftedLimits = new Map<string, string[]>();
function tincanUnlimitedArgs(command: string, args: string[], cwd: string): string[] {
  const key = [command, ...args].join(' ');
  let lifted = liftedLimits.get(key);
  if (lifted === undefined) {
    let help = '';
    try {
      const probe = args.filter((arg) => !arg.startsWith('--cpu-prof')); // no profile of the probe
      help = execFileSync(command, [...probe, '--help'], { cwd, encoding: 'utf8', timeout: 20_000 });
    } catch {
      // an old server without --help: nothing to lift
    }
    lifted = [];
    if (help.includes('--max-per-address')) lifted.push('--max-per-address', '0');
    if (help.includes('--max-joins-per-minute')) lifted.push('--max-joins-per-minute', '0');
    liftedLimits.set(key, lifted);
  }
  return lifted;
}

/** Compiles bench/reference-server.c once per source change into the temp directory. */
function buildReferenceC(): string {
  const source = path.join(projectRoot(), 'bench/reference-server.c');
  const binary = path.join(os.tmpdir(), `tincan-bench-ref-server-${statSync(source).mtimeMs.toFixed(0)}`);
  if (!existsSync(binary)) execFileSync('gcc', ['-O2', '-o', binary, source], { stdio: 'inherit' });
  return binary;
}

/** Asks a session host for its figures: `stats` on stdin, `stats {json}` back on stdout. */
function statsReader(child: ChildProcess): () => Promise<Record<string, number | string | null>> {
  let buffered = '';
  const waiting: Array<(stats: Record<string, number | string | null>) => void> = [];
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.startsWith('stats ')) waiting.shift()?.(JSON.parse(line.slice(6)) as Record<string, number | string | null>);
      newline = buffered.indexOf('\n');
    }
  });
  return () =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null || !child.stdin) {
        reject(new Error('the session host has exited'));
        return;
      }
      const timer = setTimeout(() => reject(new Error('the session host did not report its stats')), 10_000);
      waiting.push((stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      child.stdin.write('stats\n');
    });
}

/**
 * Makes the bench's certificate in a new temp dir (the caller removes `dir`): the same
 * certificate for every TLS server of a run, so they all do the same cryptography.
 */
export function benchCertificate(): BenchCertificate {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tincan-bench-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=tincan-bench',
  ], { stdio: 'ignore' });
  return { dir, cert, key };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (options.kind === 'cluster') return startCluster(options);
  if (options.kind === 'ref-c' && options.tls) return startBehindStunnel(options, options.tls);
  const cwd = options.cwd ?? projectRoot();
  let child: ChildProcess;
  let port: number;
  let dialect: Dialect = 'tincan';
  const stderrTail: string[] = [];
  if (options.kind === 'ncat') {
    dialect = 'ncat';
    port = await freePort(options.host);
    const args = ['--chat', '-l', options.host, String(port)];
    if (options.tls) args.push('--ssl', '--ssl-cert', options.tls.cert, '--ssl-key', options.tls.key);
    if (options.maxClients > 0) args.push('--max-conns', String(options.maxClients));
    child = spawn('ncat', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => stderrTail.push(d.toString('utf8')));
    await waitUntilListening(child, options.host, port);
  } else {
    const args = options.kind === 'ref-c' ? [] : [...(options.nodeFlags ?? [])];
    // Tincan runs the way its launcher (the #! line of main/headless/serve.ts) runs it.
    if (options.kind === 'tincan') args.push(...SERVER_NODE_FLAGS);
    // A/B of Node runtime flags for the server alone, e.g. BENCH_TINCAN_NODE_FLAGS='--max-semi-space-size=4'.
    if (options.kind === 'tincan' && process.env.BENCH_TINCAN_NODE_FLAGS) {
      args.push(...process.env.BENCH_TINCAN_NODE_FLAGS.split(/\s+/).filter(Boolean));
    }
    if (options.kind === 'ref-node') args.push('--import', 'tsx', path.join(projectRoot(), 'bench/reference-server.ts'));
    else if (options.kind === 'session') {
      args.push('--import', 'tsx', path.join(projectRoot(), 'bench/history-host.ts'), '--history', options.history ?? 'off');
      if (options.historyFile !== undefined) args.push('--db', options.historyFile);
    } else if (options.kind === 'ref-c') {
      // The C server takes the same flags; nothing to prepend.
    } else if (process.env.BENCH_TINCAN_SERVE) {
      // A/B against another version of the server, e.g. an older commit unpacked elsewhere.
      const script = path.resolve(process.env.BENCH_TINCAN_SERVE);
      if (script.endsWith('.ts')) args.push('--import', 'tsx');
      args.push(script);
    } else if (options.fromSource) args.push('--import', 'tsx', path.join(projectRoot(), 'main/headless/serve.ts'));
    else {
      const built = path.join(projectRoot(), 'dist/main/serve.js');
      if (!existsSync(built)) throw new Error(`${built} is missing: run vite build first`);
      args.push(built);
    }
    const command = options.kind === 'ref-c' ? buildReferenceC() : process.execPath;
    if (options.kind === 'tincan') args.push(...tincanUnlimitedArgs(command, args, cwd));
    args.push('--port', '0', '--host', options.host);
    if (options.maxClients > 0) args.push('--max-clients', String(options.maxClients));
    if (options.kind === 'tincan') args.push(...(options.serverArgs ?? []));
    if (options.kind === 'tincan' && options.tls) args.push('--tls-cert', options.tls.cert, '--tls-key', options.tls.key);
    child = spawn(command, args, { cwd, stdio: [options.kind === 'session' ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => {
      stderrTail.push(d.toString('utf8'));
      if (stderrTail.length > 20) stderrTail.shift();
    });
    const m = await waitForLine(child, /Listening on \S+:(\d+)/).catch((err: unknown) => {
      child.kill('SIGKILL');
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${stderrTail.join('')}`, { cause: err });
    });
    port = Number(m[1]);
  }
  const pid = child.pid!;
  const report = options.kind === 'session' ? statsReader(child) : undefined;
  return {
    ...(report ? { report } : {}),
    kind: options.kind,
    dialect,
    tls: options.tls !== undefined && (options.kind === 'tincan' || options.kind === 'ncat'),
    pid,
    port,
    rssKiB: () => rssOf(pid),
    cpuSeconds: () => cpuOf(pid),
    openFds: () => fdsOf(pid),
    fdLimit: () => fdLimitOf(pid),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: (signal: NodeJS.Signals = 'SIGKILL') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // A graceful stop (used to get a CPU profile written) gets 15 s, then it is killed.
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(killer);
          resolve();
        });
        child.kill(signal);
      }),
  };
}

/**
 * The C reference server behind stunnel (Debian's stunnel4): the usual way to put TLS in
 * front of a plain-text server, and the TLS figures' yardstick. stunnel turns Nagle off on
 * both its sides, as the servers themselves do; the two processes' CPU and memory are
 * counted together.
 */
async function startBehindStunnel(options: ServerOptions, tls: BenchCertificate): Promise<RunningServer> {
  const { tls: _plain, ...plainOptions } = options;
  const inner = await startServer(plainOptions);
  let child: ChildProcess | null = null;
  try {
    const port = await freePort(options.host);
    const config = path.join(mkdtempSync(path.join(tls.dir, 'stunnel-')), 'stunnel.conf');
    writeFileSync(
      config,
      [
        'foreground = yes',
        'pid =',
        'syslog = no',
        'debug = 3',
        'socket = l:TCP_NODELAY=1',
        'socket = r:TCP_NODELAY=1',
        '[chat]',
        `accept = ${options.host}:${port}`,
        `connect = ${options.host}:${inner.port}`,
        `cert = ${tls.cert}`,
        `key = ${tls.key}`,
        '',
      ].join('\n'),
    );
    const stunnel = spawn('stunnel', [config], { stdio: ['ignore', 'ignore', 'ignore'] });
    child = stunnel;
    await waitUntilListening(stunnel, options.host, port);
    const pid = stunnel.pid!;
    const both = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a + b);
    return {
      kind: options.kind,
      dialect: inner.dialect,
      tls: true,
      pid,
      port,
      rssKiB: () => both(rssOf(pid), inner.rssKiB()),
      cpuSeconds: () => both(cpuOf(pid), inner.cpuSeconds()),
      openFds: () => inner.openFds(),
      fdLimit: () => inner.fdLimit(),
      exited: () => stunnel.exitCode !== null || stunnel.signalCode !== null || inner.exited(),
      async stop() {
        await new Promise<void>((resolve) => {
          if (stunnel.exitCode !== null || stunnel.signalCode !== null) return resolve();
          stunnel.once('exit', () => resolve());
          stunnel.kill('SIGKILL');
        });
        await inner.stop();
      },
    };
  } catch (error) {
    child?.kill('SIGKILL');
    await inner.stop();
    throw error;
  }
}

/**
 * CLUSTER_NODES Tincan servers on one room of one redis-server, Redis set up as the README's
 * "Running a cluster" recommends (append-only file with fsync every second, no eviction).
 */
async function startCluster(options: ServerOptions): Promise<RunningServer> {
  const redis = await RedisServer.start({ appendOnly: true, fsync: 'everysec', settings: ['--maxmemory-policy', 'noeviction'] });
  const nodes: RunningServer[] = [];
  try {
    for (let i = 0; i < CLUSTER_NODES; i++) {
      nodes.push(await startServer({ ...options, kind: 'tincan', serverArgs: [...(options.serverArgs ?? []), '--cluster', redis.url] }));
    }
  } catch (error) {
    for (const node of nodes) await node.stop();
    await redis.close();
    throw error;
  }
  const info = redis.client();
  const sum = (values: Array<number | null>): number | null =>
    values.some((v) => v === null) ? null : values.reduce((a: number, v) => a + v!, 0);
  const redisPid = redis.pid!;
  return {
    kind: 'cluster',
    dialect: 'tincan',
    tls: false,
    pid: nodes[0]!.pid,
    port: nodes[0]!.port,
    ports: nodes.map((node) => node.port),
    cluster: {
      redisPid,
      redisCpuSeconds: () => cpuOf(redisPid),
      redisRssKiB: () => rssOf(redisPid),
      async redisInfo() {
        const text = `${await info.info()}\r\n${await info.info('commandstats')}`;
        const fields: Record<string, string> = {};
        for (const line of text.split('\r\n')) {
          const colon = line.indexOf(':');
          if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
        }
        return fields;
      },
      nodeCpuSeconds: () => nodes.map((node) => node.cpuSeconds()),
      nodeRssKiB: () => nodes.map((node) => node.rssKiB()),
    },
    rssKiB: () => sum(nodes.map((node) => node.rssKiB())),
    cpuSeconds: () => sum(nodes.map((node) => node.cpuSeconds())),
    openFds: () => nodes[0]!.openFds(),
    fdLimit: () => nodes[0]!.fdLimit(),
    exited: () => nodes.some((node) => node.exited()) || !redis.running,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      for (const node of nodes) await node.stop(signal);
      await redis.close();
    },
  };
}

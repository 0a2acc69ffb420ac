/**
 * `npm run bench:cluster-amplify` (or `npx tsx bench/cluster-amplify.ts`): what a writer of
 * the room's Redis stream can do to a node by amplification. Two nodes (from source) share a
 * room on a real redis-server; an honest client on node A reads everything, an honest client
 * on node B talks. Then 1,000 forged entries of ~64 KiB of text full of newlines are added
 * in one MULTI, and a line from B follows them. Prints node A's RSS before and at its peak,
 * the longest block of its event loop, whether the honest reader was cut, and how long B's
 * line took to reach it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RedisServer } from '../test/support/redis-server';
import { projectRoot, startServer, type RunningServer } from './servers';

const ENTRIES = 1000;
const ENTRY_TEXT_BYTES = 64 * 1024;
/** Bytes per line inside an entry's text, newline included (`--line-bytes N`; 2 is the worst case: `x\n`). */
const lineArg = process.argv.indexOf('--line-bytes');
const LINE_BYTES = lineArg >= 0 ? Number(process.argv[lineArg + 1]) : 64;
const STREAM = 'tincan:{tincan}:stream';
const GIVE_UP_MS = 60_000;
const MiB = 1024;

interface Reader {
  socket: net.Socket;
  text(): string;
  closed(): boolean;
  bytes(): number;
}

function connect(port: number): Promise<Reader> {
  return new Promise((resolve, reject) => {
    let tail = '';
    let bytes = 0;
    let closed = false;
    const socket = net.connect(port, '127.0.0.1', () => resolve({ socket, text: () => tail, closed: () => closed, bytes: () => bytes }));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      bytes += chunk.length;
      tail = (tail + chunk).slice(-64 * 1024);
    });
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', reject);
  });
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return check();
}

async function main(): Promise<void> {
  const probes = mkdtempSync(path.join(os.tmpdir(), 'tincan-loop-probe-'));
  process.env.BENCH_LOOP_PROBE_DIR = probes;
  const redis = await RedisServer.start();
  const nodes: RunningServer[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      nodes.push(await startServer({
        kind: 'tincan', host: '127.0.0.1', maxClients: 0, fromSource: true,
        nodeFlags: ['--import', 'tsx', '--import', path.join(projectRoot(), 'bench/loop-probe.ts')],
        serverArgs: ['--cluster', redis.url],
      }));
    }
    const [a, b] = nodes as [RunningServer, RunningServer];
    const reader = await connect(a.port);
    reader.socket.write('reading\n');
    if (!(await until(() => reader.text().includes('reading\n'), 10_000))) throw new Error('node A never joined its client');
    const talker = await connect(b.port);
    const talkerLabel = `127.0.0.1:${talker.socket.localPort}`;
    talker.socket.write('hello\n');
    if (!(await until(() => reader.text().includes(`[${talkerLabel}] hello\n`), 10_000))) throw new Error(`the nodes never talked: ${JSON.stringify(reader.text())} ${JSON.stringify(talker.text())}`);
    const quietFrom = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const rssBefore = a.rssKiB()!;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, a.rssKiB() ?? 0);
    }, 20);

    const db = redis.client();
    const info = (await db.xinfo('STREAM', STREAM)) as unknown[];
    const ordinal = Number(info[info.indexOf('entries-added') + 1]);
    const text = `${'x'.repeat(LINE_BYTES - 1)}\n`.repeat(Math.floor(ENTRY_TEXT_BYTES / LINE_BYTES));
    const multi = db.multi();
    for (let i = 1; i <= ENTRIES; i++) {
      multi.xadd(STREAM, '*', 'k', 'l', 'o', String(ordinal + i), 'n', 'bad0bad0bad0', 's', String(i), 'c', '1', 'p', '6.6.6.6:6', 't', text);
    }
    const cpuBefore = a.cpuSeconds()!;
    const addedAt = Date.now();
    await multi.exec();
    const writtenAt = Date.now();
    talker.socket.write('after the flood\n');
    const marker = `[${talkerLabel}] after the flood\n`;
    const arrived = await until(() => reader.text().includes(marker) || reader.closed(), GIVE_UP_MS);
    const markerMs = reader.text().includes(marker) ? Date.now() - writtenAt : null;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    clearInterval(sampler);
    const cpuMs = Math.round(((a.cpuSeconds() ?? cpuBefore) - cpuBefore) * 1000);
    // The longest block since the entries were added (start-up blocked too), or the one still going on.
    // On a shared machine the probe also counts time the node was not scheduled: the quiet
    // seconds before the entries were added show that noise.
    const longestBlock = (pid: number, from = addedAt, to = Infinity): number => {
      const file = path.join(probes, `${pid}.json`);
      if (!existsSync(file)) return 0;
      const { blocks, alive } = JSON.parse(readFileSync(file, 'utf8')) as { blocks: Array<[number, number]>; alive: number };
      const ongoing = to === Infinity ? Date.now() - alive : 0; // still blocked now (the probe writes every 100 ms)
      return Math.max(ongoing > 200 ? ongoing : 0, ...blocks.filter(([end]) => end >= from && end < to).map(([, ms]) => ms));
    };
    const cut = reader.closed() || /Tincan: .*(slow|too much)/.test(reader.text());
    const result = {
      entries: ENTRIES,
      entryTextBytes: text.length,
      lineBytes: LINE_BYTES,
      nodeRssBeforeMiB: +(rssBefore / MiB).toFixed(1),
      nodeRssPeakMiB: +(rssPeak / MiB).toFixed(1),
      nodeLongestLoopBlockQuietMs: Math.round(longestBlock(a.pid, quietFrom, addedAt)),
      nodeLongestLoopBlockMs: Math.round(longestBlock(a.pid)),
      otherNodeLongestLoopBlockMs: Math.round(longestBlock(b.pid)),
      // CPU the node used from the entries' arrival until 1 s after the honest line (or the give-up): load does not inflate it.
      nodeCpuMs: cpuMs,
      honestReaderCut: cut,
      honestReaderLastNotice: reader.text().split('\n').filter((line) => line.startsWith('Tincan: ')).at(-1) ?? null,
      honestReaderBytes: reader.bytes(),
      redisMultiMs: writtenAt - addedAt,
      honestLineAfterFloodMs: arrived ? markerMs : null,
    };
    console.log(JSON.stringify(result));
    reader.socket.destroy();
    talker.socket.destroy();
  } finally {
    for (const node of nodes) await node.stop();
    await redis.close();
    rmSync(probes, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

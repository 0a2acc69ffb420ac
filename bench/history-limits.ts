/**
 * One measurement of the history's bounds, in a process of its own so its memory is its own
 * (run by bench/history.ts, `--part limits`; prints one JSON line on stdout):
 *
 *   --what backlog --poster ignore|honor: a HistoryService (its real worker thread) is posted
 *       `--lines` lines of 16 KiB, 500 a batch, as fast as the event loop allows: what a
 *       caller that never waits costs (`ignore`), or one that waits while the service says it
 *       is behind (`honor`, as the session does by pausing its socket). Reports the peak RSS
 *       growth, the lines stored and dropped, the time.
 *   --what cap: a TranscriptStore with a `--cap-mib` size cap is given `--lines` lines of
 *       8 KiB, 10 a batch, in one room. Reports whether saving went on past the cap, the lines
 *       stored and lost, the lines trimmed to make room, the file's size.
 *
 * `--source DIR` takes main/app/history from DIR/main instead of this checkout (another
 * commit unpacked with `git archive COMMIT main | tar -x -C DIR`), for before/after figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NewHistoryLine, RoomAddress } from '../main/common/history';
import type * as ServiceModule from '../main/app/history/service';
import type * as StoreModule from '../main/app/history/store';

interface LimitsCli {
  what: 'backlog' | 'cap';
  poster: 'ignore' | 'honor';
  lines: number;
  capMiB: number;
  source: string;
}

function parseCli(argv: string[]): LimitsCli {
  const cli: LimitsCli = { what: 'backlog', poster: 'ignore', lines: 200_000, capMiB: 64, source: path.resolve(__dirname, '..') };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--what':
        cli.what = value === 'cap' ? 'cap' : 'backlog';
        break;
      case '--poster':
        cli.poster = value === 'honor' ? 'honor' : 'ignore';
        break;
      case '--lines':
        cli.lines = Math.max(1, Math.floor(Number(value)));
        break;
      case '--cap-mib':
        cli.capMiB = Math.max(1, Number(value));
        break;
      case '--source':
        cli.source = path.resolve(value);
        break;
      default:
        throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return cli;
}

const ROOM: RoomAddress = { host: '10.0.0.66', port: 60003 };

function rssBytes(): number {
  return process.memoryUsage.rss();
}

/** Samples RSS every 20 ms (and on demand) and keeps the peak. */
function rssPeak(): { sample: () => void; stop: () => number } {
  let peak = rssBytes();
  const sample = (): void => {
    peak = Math.max(peak, rssBytes());
  };
  const timer = setInterval(sample, 20);
  return {
    sample,
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

function line(text: string): NewHistoryLine {
  return { at: Date.now(), sender: '10.0.0.66:40000', text, kind: 'message', ours: false };
}

async function measureBacklog(cli: LimitsCli, scratch: string): Promise<Record<string, unknown>> {
  const { HistoryService } = (await import(path.join(cli.source, 'main/app/history/service.ts'))) as typeof ServiceModule;
  const service = await HistoryService.open({ file: path.join(scratch, 'backlog.sqlite') });
  const pressure = { behind: false };
  // Not every version has it: the older service could not say it was behind.
  type PressureListener = (high: boolean) => void;
  const subscribe = (service as unknown as { onPressure?: (listener: PressureListener) => () => void }).onPressure;
  const backpressure = typeof subscribe === 'function';
  const caughtUp: (() => void)[] = [];
  if (backpressure) {
    subscribe.call(service, (high) => {
      pressure.behind = high;
      if (!high) for (const resume of caughtUp.splice(0)) resume();
    });
  }
  global.gc?.();
  const before = rssBytes();
  const peak = rssPeak();
  // One 16 KiB text for every line: the poster itself holds nothing, what grows is the service's.
  const text = 'x'.repeat(16 * 1024 - 64);
  const batch = 500;
  const started = performance.now();
  const acks: Promise<{ count: number }>[] = [];
  for (let posted = 0; posted < cli.lines; posted += batch) {
    if (cli.poster === 'honor' && pressure.behind) await new Promise<void>((resolve) => caughtUp.push(resolve));
    const size = Math.min(batch, cli.lines - posted);
    acks.push(service.append(ROOM, Array.from({ length: size }, (_, index) => line(`${posted + index} ${text}`))));
    peak.sample();
    // A socket read at a time: the event loop turns between batches, as it does in the app.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const postedMs = performance.now() - started;
  const stored = (await Promise.all(acks)).reduce((sum, ack) => sum + ack.count, 0);
  const storedMs = performance.now() - started;
  const peakRss = peak.stop();
  const stats = await service.stats();
  await service.close();
  return {
    what: 'backlog',
    poster: cli.poster,
    backpressure,
    lines: cli.lines,
    stored,
    dropped: cli.lines - stored,
    pendingHighWater: stats.pendingHighWater,
    rssBeforeMiB: before / 2 ** 20,
    rssPeakGrowthMiB: (peakRss - before) / 2 ** 20,
    postedS: postedMs / 1000,
    storedS: storedMs / 1000,
  };
}

async function measureCap(cli: LimitsCli, scratch: string): Promise<Record<string, unknown>> {
  const { TranscriptStore } = (await import(path.join(cli.source, 'main/app/history/store.ts'))) as typeof StoreModule;
  const file = path.join(scratch, 'cap.sqlite');
  const store = TranscriptStore.open({ file, maxDatabaseBytes: cli.capMiB * 2 ** 20 });
  // About 8 KiB of words, different in every line (the search index grows with them too).
  const words = Array.from({ length: 50_000 }, (_, index) => `w${index.toString(36)}`);
  const text = (n: number): string => {
    const parts: string[] = [`line ${n}`];
    let length = parts[0]!.length;
    for (let k = 0; length < 8 * 1024 - 16; k++) {
      const word = words[(n * 7919 + k * 104_729) % words.length]!;
      parts.push(word);
      length += word.length + 1;
    }
    return parts.join(' ');
  };
  let stored = 0;
  let lastStored = -1;
  let unavailableAt: number | null = null;
  const started = performance.now();
  for (let offered = 0; offered < cli.lines; offered += 10) {
    const lines = Array.from({ length: Math.min(10, cli.lines - offered) }, (_, index) => line(text(offered + index)));
    const ids = store.append(ROOM, lines);
    stored += ids.length;
    if (ids.length === lines.length) lastStored = offered + lines.length - 1;
    if (!store.status.available && unavailableAt === null) unavailableAt = offered;
  }
  const elapsedS = (performance.now() - started) / 1000;
  // The older store did not count trimmed lines.
  const stats = store.stats() as Partial<ReturnType<typeof store.stats>>;
  const kept = store.pageBefore(ROOM, null, 1);
  const newestKept = kept.ok ? (kept.value.lines[0]?.text.split(' ')[1] ?? null) : null;
  const available = store.status.available;
  store.close();
  return {
    what: 'cap',
    capMiB: cli.capMiB,
    offered: cli.lines,
    stored,
    lost: cli.lines - stored,
    savingStoppedAtLine: unavailableAt,
    lastLineStored: lastStored,
    newestLineKept: newestKept === null ? null : Number(newestKept),
    availableAtEnd: available,
    trimmed: stats.trimmed ?? 0,
    fileMiB: fs.statSync(file).size / 2 ** 20,
    elapsedS,
  };
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-bench-limits-'));
  try {
    const result = cli.what === 'cap' ? await measureCap(cli, scratch) : await measureBacklog(cli, scratch);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

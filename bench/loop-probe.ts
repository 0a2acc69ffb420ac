/**
 * Loaded into a server under test with `--import` (bench/cluster-amplify.ts does): notes each
 * time its event loop went 10 ms or more without running a 5 ms timer (`[end, ms]`, wall-clock
 * end time, the last 100), in `$BENCH_LOOP_PROBE_DIR/PID.json` so the bench can read them from
 * outside and keep those of the phase it measures (start-up compiles modules and blocks too);
 * `alive` says when it last ran, so a block still going on can be seen too.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const TICK_MS = 5;
const REPORT_MS = 10;
/** The file is written at least this often, so a block still going on shows as a stale `alive`. */
const ALIVE_MS = 100;
const dir = process.env.BENCH_LOOP_PROBE_DIR;
if (dir !== undefined && dir !== '') {
  const file = path.join(dir, `${process.pid}.json`);
  const blocks: Array<[number, number]> = [];
  let last = performance.now();
  let written = 0;
  setInterval(() => {
    const now = performance.now();
    const blocked = now - last - TICK_MS;
    last = now;
    if (blocked >= REPORT_MS) {
      blocks.push([Date.now(), blocked]);
      if (blocks.length > 100) blocks.shift();
    } else if (now - written < ALIVE_MS) return;
    written = now;
    writeFileSync(file, JSON.stringify({ blocks, alive: Date.now() }));
  }, TICK_MS).unref();
}

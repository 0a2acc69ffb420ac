/**
 * Loaded into a server under test with `--import` (bench/cluster-amplify.ts does): measures
 * the longest time its event loop went without running a 5 ms timer, and keeps the figure in
 * `$BENCH_LOOP_PROBE_DIR/PID.json` so the bench can read it from outside.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const TICK_MS = 5;
const dir = process.env.BENCH_LOOP_PROBE_DIR;
if (dir !== undefined && dir !== '') {
  const file = path.join(dir, `${process.pid}.json`);
  let last = performance.now();
  let longestBlockMs = 0;
  setInterval(() => {
    const now = performance.now();
    const blocked = now - last - TICK_MS;
    last = now;
    if (blocked <= longestBlockMs) return;
    longestBlockMs = blocked;
    writeFileSync(file, JSON.stringify({ longestBlockMs }));
  }, TICK_MS).unref();
}

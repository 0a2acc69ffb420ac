/**
 * `npm run bench:renderer` (or `npx tsx bench/renderer.ts` after `npx vite build`): the built
 * renderer in Chromium while keys are typed, in four phases:
 *
 *   quiet      no traffic: the floor the machine allows at the moment
 *   burst      hosting a room, 20,000 lines written at once by a raw TCP client
 *   sustained  the same room, 2,000 lines/s for 30 s (`--seconds N` to change), a key every 200 ms
 *   flood      a fresh page joins a hostile host that streams 60 KB lines as fast as the page
 *              takes them, a key every 200 ms for the same time
 *
 * `--phases quiet,burst,...` runs some of them. `--before DIR` runs a copy of an older build
 * too (e.g. `git stash; npx vite build; cp -r dist/renderer /tmp/before; git stash pop`),
 * alternating phase by phase so load on a shared machine falls on both alike, and prints the
 * two side by side. `--cpu-prof DIR` writes a renderer CPU profile of each phase (open it in
 * Chrome's DevTools); `--trace DIR` a Chrome trace of each phase instead (scripting, style,
 * layout and paint on the page's threads; open it in DevTools' Performance panel).
 *
 * Measured in the page with PerformanceObservers: long main-thread tasks (worst, total),
 * key latency from the Event Timing API (input to next paint, per key), transcript rows in
 * the DOM (sampled every frame), and the renderer's JS heap after a full garbage collection. Prints a table and one JSON line.
 * Targets: no task over 50 ms, keys under 50 ms (p95), rows bounded.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { AppPage, RENDERER_DIST, launchChromium, requireBuiltRenderer, startStaticServer } from '../test/e2e/harness';
import { spawnHostileHost } from '../test/support/hostile-host';
import { RawClient } from '../test/support/raw-client';

const TARGET_TASK_MS = 50;
const TARGET_KEY_MS = 50;
/** The hostile host's flood: lines of this many bytes, as fast as the app reads them. */
const FLOOD_LINE_BYTES = 60_000;

interface PhaseFigures {
  phase: string;
  lines: number;
  seconds: number;
  longTasks: number;
  longTaskMs: number;
  worstTaskMs: number;
  keys: number;
  /** Keys whose input-to-paint took 16 ms or more (the Event Timing API reports no faster ones). */
  slowKeys: number;
  worstKeyMs: number;
  p95KeyMs: number;
  maxRows: number;
  /** Rows added to the transcript (each one styled and laid out): the work the window does, whatever the load. */
  rowsAdded: number;
  /** Characters of text in those rows. */
  charsAdded: number;
  heapMiB: number;
  domNodes: number;
  /** CPU time the renderer process used in the phase: the work done, whatever else loads the machine. */
  rendererCpuSeconds: number;
}

/** CPU seconds used so far by the page's renderer process (Chromium's SystemInfo domain). */
async function rendererCpu(browserCdp: CDPSession): Promise<number> {
  const { processInfo } = (await browserCdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; cpuTime: number }[] };
  return processInfo.filter((info) => info.type === 'renderer').reduce((sum, info) => sum + info.cpuTime, 0);
}

/** Observers installed in the page once it has loaded; results read back per phase. */
function installProbes(): void {
  const w = window as unknown as Record<string, unknown>;
  const tasks: [number, number][] = [];
  const keys: [number, number, number][] = [];
  let maxRows = 0;
  let rowsAdded = 0;
  let charsAdded = 0;
  w.__benchTasks = tasks;
  w.__benchKeys = keys;
  w.__benchRows = () => [maxRows, rowsAdded, charsAdded];
  w.__benchResetRows = () => {
    maxRows = 0;
    rowsAdded = 0;
    charsAdded = 0;
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) tasks.push([entry.startTime, entry.duration]);
  }).observe({ type: 'longtask', buffered: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { interactionId?: number })[]) {
      if (entry.name === 'keydown' || entry.name === 'keyup' || entry.name === 'keypress') {
        keys.push([entry.startTime, entry.duration, entry.interactionId ?? 0]);
      }
    }
  }).observe({ type: 'event', durationThreshold: 16, buffered: true } as PerformanceObserverInit);
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node instanceof HTMLLIElement && node.closest('[role="log"]') !== null) {
          rowsAdded += 1;
          charsAdded += node.textContent.length;
        }
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
  const sample = (): void => {
    maxRows = Math.max(maxRows, document.querySelectorAll('[role="log"] li').length);
    requestAnimationFrame(sample);
  };
  requestAnimationFrame(sample);
}

async function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

/** The page's retained heap (after a full garbage collection, so garbage not yet collected does not count) and DOM nodes. */
async function metrics(cdp: CDPSession): Promise<{ heapMiB: number; domNodes: number }> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  const value = (name: string): number => list.find((metric) => metric.name === name)?.value ?? 0;
  return { heapMiB: value('JSHeapUsedSize') / 2 ** 20, domNodes: value('Nodes') };
}

async function readPhase(
  page: Page,
  cdp: CDPSession,
  phase: string,
  lines: number,
  since: number,
  keysPressed: number,
  startedAt: number,
  cpuSeconds: number,
): Promise<PhaseFigures> {
  const probe = await page.evaluate((from) => {
    const w = window as unknown as Record<string, unknown>;
    const tasks = (w.__benchTasks as [number, number][]).filter(([start]) => start >= from).map(([, duration]) => duration);
    const byInteraction = new Map<number, number>();
    for (const [start, duration, id] of w.__benchKeys as [number, number, number][]) {
      if (start < from) continue;
      const key = id === 0 ? -start : id;
      byInteraction.set(key, Math.max(byInteraction.get(key) ?? 0, duration));
    }
    return { tasks, keys: [...byInteraction.values()], rows: (w.__benchRows as () => [number, number, number])() };
  }, since);
  const sortedKeys = [...probe.keys].sort((a, b) => a - b);
  // Keys not reported took under 16 ms: count them as 0 for the percentile.
  const padded = [...Array.from({ length: Math.max(0, keysPressed - sortedKeys.length) }, () => 0), ...sortedKeys];
  const p95 = padded.length === 0 ? 0 : padded[Math.min(padded.length - 1, Math.floor(padded.length * 0.95))]!;
  const { heapMiB, domNodes } = await metrics(cdp);
  return {
    phase,
    lines,
    seconds: (performance.now() - startedAt) / 1000,
    longTasks: probe.tasks.length,
    longTaskMs: probe.tasks.reduce((sum, duration) => sum + duration, 0),
    worstTaskMs: Math.max(0, ...probe.tasks),
    keys: keysPressed,
    slowKeys: sortedKeys.length,
    worstKeyMs: Math.max(0, ...sortedKeys),
    p95KeyMs: p95,
    maxRows: probe.rows[0],
    rowsAdded: probe.rows[1],
    charsAdded: probe.rows[2],
    heapMiB,
    domNodes,
    rendererCpuSeconds: cpuSeconds,
  };
}

async function waitForRow(page: Page, text: string, timeoutMs: number): Promise<void> {
  await page.waitForFunction(
    (needle) => [...document.querySelectorAll('[role="log"] li')].some((row) => row.textContent.includes(needle)),
    text,
    { timeout: timeoutMs, polling: 50 },
  );
}

async function typeKey(page: Page, index: number): Promise<void> {
  // Short words with a space, cleared now and then so the input stays small.
  const key = index % 24 === 23 ? 'Backspace' : 'abcdefghij k'[index % 12]!;
  if (index % 48 === 47) await page.getByRole('textbox', { name: 'Message' }).fill('');
  else await page.keyboard.press(key === ' ' ? 'Space' : key);
}

/** The floor: keys typed every 200 ms into a quiet room, what the machine allows at the moment. */
async function quiet(app: AppPage, cdp: CDPSession, browserCdp: CDPSession, keyCount: number): Promise<PhaseFigures> {
  const { page } = app;
  const cpuBefore = await rendererCpu(browserCdp);
  await page.evaluate(() => (window as unknown as { __benchResetRows: () => void }).__benchResetRows());
  const since = await pageNow(page);
  const startedAt = performance.now();
  let keys = 0;
  for (; keys < keyCount; keys += 1) {
    await typeKey(page, keys);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return readPhase(page, cdp, 'quiet (no traffic)', 0, since, keys, startedAt, (await rendererCpu(browserCdp)) - cpuBefore);
}

async function burst(app: AppPage, cdp: CDPSession, browserCdp: CDPSession, client: RawClient, count: number): Promise<PhaseFigures> {
  const { page } = app;
  const cpuBefore = await rendererCpu(browserCdp);
  await page.evaluate(() => (window as unknown as { __benchResetRows: () => void }).__benchResetRows());
  const since = await pageNow(page);
  const startedAt = performance.now();
  const text = Array.from({ length: count }, (_, i) => `burst line ${i} ${'·'.repeat(i % 40)}`).join('\n') + '\n';
  const written = client.write(text);
  let keys = 0;
  const typing = (async () => {
    for (; keys < 40; keys += 1) await typeKey(page, keys);
  })();
  await written;
  await waitForRow(page, `burst line ${count - 1} `, 120_000);
  await typing;
  return readPhase(page, cdp, 'burst', count, since, keys, startedAt, (await rendererCpu(browserCdp)) - cpuBefore);
}

async function sustained(
  app: AppPage,
  cdp: CDPSession,
  browserCdp: CDPSession,
  client: RawClient,
  rate: number,
  seconds: number,
): Promise<PhaseFigures> {
  const { page } = app;
  const cpuBefore = await rendererCpu(browserCdp);
  await page.evaluate(() => (window as unknown as { __benchResetRows: () => void }).__benchResetRows());
  const since = await pageNow(page);
  const startedAt = performance.now();
  const total = rate * seconds;
  let sent = 0;
  const pump = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - startedAt) / 1000) * rate));
    if (due <= sent) return;
    let text = '';
    for (; sent < due; sent += 1) text += `stream line ${sent} ${'~'.repeat(sent % 50)}\n`;
    client.socket.write(text);
  }, 10);
  let keys = 0;
  try {
    while (sent < total) {
      await typeKey(page, keys);
      keys += 1;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    clearInterval(pump);
  }
  await waitForRow(page, `stream line ${total - 1} `, 60_000);
  const cpu = (await rendererCpu(browserCdp)) - cpuBefore;
  return readPhase(page, cdp, `sustained ${rate.toLocaleString('en-US')}/s`, total, since, keys, startedAt, cpu);
}


/** Lines the session handed to its page so far (what the renderer had to show). */
function countLinesDelivered(app: AppPage): { count: () => number; stop: () => void } {
  let lines = 0;
  const stop = app.session.onEvents((batch) => {
    for (const event of batch.events) if (event.type === 'lines') lines += event.lines.length;
  });
  return { count: () => lines, stop };
}

/**
 * The page joins a hostile host that streams FLOOD_LINE_BYTES-byte lines as fast as it reads
 * them, and a key is typed every 200 ms for `seconds`.
 */
async function flood(app: AppPage, cdp: CDPSession, browserCdp: CDPSession, seconds: number): Promise<PhaseFigures> {
  const { page } = app;
  const host = spawnHostileHost({ floodLineBytes: FLOOD_LINE_BYTES });
  const delivered = countLinesDelivered(app);
  try {
    const { port } = await host.listening();
    const joined = await app.session.join({ address: `127.0.0.1:${port}` });
    if (!joined.ok) throw new Error(joined.error);
    await page.getByRole('textbox', { name: 'Message' }).waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('.composer-input')?.disabled === false);
    await waitForRow(page, 'xxxxxxxxxx', 30_000);
    await page.getByRole('textbox', { name: 'Message' }).focus();
    const cpuBefore = await rendererCpu(browserCdp);
    await page.evaluate(() => (window as unknown as { __benchResetRows: () => void }).__benchResetRows());
    const since = await pageNow(page);
    const startedAt = performance.now();
    const linesBefore = delivered.count();
    let keys = 0;
    while (performance.now() - startedAt < seconds * 1000) {
      await typeKey(page, keys);
      keys += 1;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const cpu = (await rendererCpu(browserCdp)) - cpuBefore;
    const phase = `flood ${(FLOOD_LINE_BYTES / 1000).toFixed(0)} KB lines`;
    return await readPhase(page, cdp, phase, delivered.count() - linesBefore, since, keys, startedAt, cpu);
  } finally {
    delivered.stop();
    await app.session.leave().catch(() => undefined);
    host.kill();
  }
}

function argumentAfter(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function verdict(ok: boolean): string {
  return ok ? 'met' : '**missed**';
}

type PhaseName = 'quiet' | 'burst' | 'sustained' | 'flood';
const PHASES: readonly PhaseName[] = ['quiet', 'burst', 'sustained', 'flood'];

interface RunOptions {
  seconds: number;
  phases: readonly PhaseName[];
  profileDir: string | undefined;
  /** Where to write a Chrome trace of each phase (main-thread tasks, layout, paint), if anywhere. */
  traceDir: string | undefined;
  /** Names the profile files apart when two builds run. */
  label: string;
}

/** Every phase asked for, on one build of the renderer: burst then stream on a hosted room, the flood in a fresh page. */
async function runBuild(browser: Browser, siteUrl: string, options: RunOptions): Promise<PhaseFigures[]> {
  const figures: PhaseFigures[] = [];
  const browserCdp = await browser.newBrowserCDPSession();
  const openPage = async (): Promise<{ app: AppPage; cdp: CDPSession }> => {
    const app = await AppPage.open(browser, siteUrl, { window: { width: 1280, height: 800 } });
    await app.page.evaluate(installProbes);
    const cdp = await app.context.newCDPSession(app.page);
    await cdp.send('Performance.enable');
    return { app, cdp };
  };
  const profiled = async (cdp: CDPSession, page: Page, name: string, phase: () => Promise<PhaseFigures>): Promise<PhaseFigures> => {
    if (options.traceDir !== undefined) {
      await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink.user_timing'] });
      const result = await phase();
      const trace = await browser.stopTracing();
      mkdirSync(options.traceDir, { recursive: true });
      const file = path.join(options.traceDir, `renderer-${options.label}${name}.json`);
      writeFileSync(file, trace);
      console.error(`renderer trace of ${name}: ${file}`);
      return result;
    }
    if (options.profileDir === undefined) return phase();
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
    const result = await phase();
    const { profile } = await cdp.send('Profiler.stop');
    mkdirSync(options.profileDir, { recursive: true });
    const file = path.join(options.profileDir, `renderer-${options.label}${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.error(`renderer profile of ${name}: ${file}`);
    return result;
  };

  if (options.phases.some((phase) => phase === 'quiet' || phase === 'burst' || phase === 'sustained')) {
    const { app, cdp } = await openPage();
    let client: RawClient | null = null;
    try {
      const hosted = await app.session.host({ port: 0, scope: 'local' });
      if (!hosted.ok) throw new Error(hosted.error);
      await app.page.getByRole('textbox', { name: 'Message' }).waitFor({ state: 'visible' });
      await app.page.waitForFunction(() => document.querySelector<HTMLInputElement>('.composer-input')?.disabled === false);
      client = await RawClient.connect(hosted.value.port);
      await waitForRow(app.page, 'joined', 10_000);
      await app.page.getByRole('textbox', { name: 'Message' }).focus();
      if (options.phases.includes('quiet')) figures.push(await profiled(cdp, app.page, 'quiet', () => quiet(app, cdp, browserCdp, 40)));
      if (options.phases.includes('burst')) figures.push(await profiled(cdp, app.page, 'burst', () => burst(app, cdp, browserCdp, client!, 20_000)));
      if (options.phases.includes('sustained')) {
        figures.push(await profiled(cdp, app.page, 'sustained', () => sustained(app, cdp, browserCdp, client!, 2000, options.seconds)));
      }
    } finally {
      client?.destroy();
      await app.close();
    }
  }
  if (options.phases.includes('flood')) {
    const { app, cdp } = await openPage();
    try {
      figures.push(await profiled(cdp, app.page, 'flood', () => flood(app, cdp, browserCdp, options.seconds)));
    } finally {
      await app.close();
    }
  }
  return figures;
}

function printTable(title: string, figures: readonly PhaseFigures[]): void {
  console.log(`\n${title}`);
  console.log('| phase | lines | s | renderer CPU | long tasks | long-task ms | worst task | keys ≥16 ms | worst key | p95 key | max rows | rows added | characters added | heap | DOM nodes |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const f of figures) {
    console.log(
      `| ${f.phase} | ${f.lines.toLocaleString('en-US')} | ${f.seconds.toFixed(1)} | ${f.rendererCpuSeconds.toFixed(2)} s | ${f.longTasks} | ${f.longTaskMs.toFixed(0)} | ${f.worstTaskMs.toFixed(0)} ms | ` +
        `${f.slowKeys}/${f.keys} | ${f.worstKeyMs.toFixed(0)} ms | ${f.p95KeyMs.toFixed(0)} ms | ${f.maxRows} | ${f.rowsAdded.toLocaleString('en-US')} | ` +
          `${f.charsAdded.toLocaleString('en-US')} | ${f.heapMiB.toFixed(1)} MiB | ${f.domNodes} |`,
    );
  }
}

/** Before and after, one column each, per phase: the figures the targets are about. */
function printSideBySide(before: readonly PhaseFigures[], after: readonly PhaseFigures[]): void {
  console.log('\nbefore (--before build) | after (this build)');
  console.log(
    '| phase | p95 key before | p95 key after | worst key before | worst key after | worst task before | worst task after | renderer CPU before | renderer CPU after | lines before | lines after | rows added before | rows added after | characters added before | characters added after |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [index, a] of after.entries()) {
    const b = before[index];
    if (b === undefined) continue;
    console.log(
      `| ${a.phase} | ${b.p95KeyMs.toFixed(0)} ms | ${a.p95KeyMs.toFixed(0)} ms | ${b.worstKeyMs.toFixed(0)} ms | ${a.worstKeyMs.toFixed(0)} ms | ` +
        `${b.worstTaskMs.toFixed(0)} ms | ${a.worstTaskMs.toFixed(0)} ms | ${b.rendererCpuSeconds.toFixed(2)} s | ${a.rendererCpuSeconds.toFixed(2)} s | ` +
        `${b.lines.toLocaleString('en-US')} | ${a.lines.toLocaleString('en-US')} | ${b.rowsAdded.toLocaleString('en-US')} | ${a.rowsAdded.toLocaleString('en-US')} | ` +
        `${b.charsAdded.toLocaleString('en-US')} | ${a.charsAdded.toLocaleString('en-US')} |`,
    );
  }
}

async function main(): Promise<void> {
  const seconds = Number(argumentAfter('--seconds') ?? 30);
  const phases = (argumentAfter('--phases') ?? PHASES.join(',')).split(',') as PhaseName[];
  const unknown = phases.filter((phase) => !PHASES.includes(phase));
  if (unknown.length > 0) throw new Error(`Unknown phase ${unknown.join(', ')}; the phases are ${PHASES.join(', ')}.`);
  const beforeDir = argumentAfter('--before');
  const profileDir = argumentAfter('--cpu-prof');
  const traceDir = argumentAfter('--trace');
  requireBuiltRenderer();
  if (beforeDir !== undefined && !existsSync(path.join(beforeDir, 'index.html'))) throw new Error(`--before ${beforeDir}: no index.html there.`);
  const site = await startStaticServer(RENDERER_DIST);
  const beforeSite = beforeDir === undefined ? null : await startStaticServer(path.resolve(beforeDir));
  let browser: Browser | null = null;
  try {
    browser = await launchChromium();
    // With a build to compare against, the two alternate phase by phase, so load on the
    // shared machine falls on both alike.
    const before: PhaseFigures[] = [];
    const after: PhaseFigures[] = [];
    for (const phase of phases) {
      if (beforeSite !== null) before.push(...(await runBuild(browser, beforeSite.url, { seconds, phases: [phase], profileDir, traceDir, label: 'before-' })));
      after.push(...(await runBuild(browser, site.url, { seconds, phases: [phase], profileDir, traceDir, label: '' })));
    }

    const [load1] = os.loadavg();
    console.log(`\nmachine: ${os.cpus().length} cores, load average ${load1?.toFixed(1)} (other work inflates the wall-clock figures; renderer CPU does not)`);
    if (beforeSite !== null) printTable(`before: ${beforeDir}`, before);
    printTable(beforeSite !== null ? 'after: this build' : 'this build', after);
    if (beforeSite !== null) printSideBySide(before, after);
    for (const f of after) {
      console.log(
        `${f.phase}: worst task ${f.worstTaskMs.toFixed(0)} ms (target < ${TARGET_TASK_MS}: ${verdict(f.worstTaskMs < TARGET_TASK_MS)}), ` +
          `p95 key ${f.p95KeyMs.toFixed(0)} ms (target < ${TARGET_KEY_MS}: ${verdict(f.p95KeyMs < TARGET_KEY_MS)}), ` +
          `worst key ${f.worstKeyMs.toFixed(0)} ms, max rows ${f.maxRows}`,
      );
    }
    console.log(JSON.stringify({ bench: 'renderer', seconds, figures: after, ...(beforeSite !== null ? { before } : {}) }));
  } finally {
    await browser?.close();
    await site.close();
    await beforeSite?.close();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * `npm run bench:flood` (or `npx tsx bench/flood.ts` after `npx vite build`): the app joins a
 * hostile host (a child process) that streams 60 KB lines as fast as the app reads them, for
 * 30 s (`--seconds N`). Main is this process (the ChatSession behind the page's bridge, as in
 * the Electron app); the renderer is the built page in Chromium. Prints main's heap and RSS
 * and the renderer's JS heap every 2 s, then whether both plateaued. Stops early, and says
 * so, if main's heap passes 1.5 GiB (an unbounded queue).
 */
import type { Browser } from 'playwright-core';
import { AppPage, RENDERER_DIST, launchChromium, requireBuiltRenderer, startStaticServer } from '../test/e2e/harness';
import { spawnHostileHost } from '../test/support/hostile-host';

const LINE_BYTES = 60_000;
const GIVE_UP_HEAP_BYTES = 1.5 * 2 ** 30;
const MiB = 2 ** 20;

interface Sample {
  second: number;
  mainHeapMiB: number;
  mainRssMiB: number;
  rendererHeapMiB: number;
  /** After a forced collection: what the renderer really keeps. */
  rendererRetainedMiB: number;
  rows: number;
}

async function main(): Promise<void> {
  const secondsArg = process.argv.indexOf('--seconds');
  const seconds = secondsArg >= 0 ? Number(process.argv[secondsArg + 1]) : 30;
  requireBuiltRenderer();
  const host = spawnHostileHost({ floodLineBytes: LINE_BYTES });
  const site = await startStaticServer(RENDERER_DIST);
  let browser: Browser | null = null;
  let app: AppPage | null = null;
  const samples: Sample[] = [];
  let gaveUp: string | null = null;
  let flow: unknown;
  try {
    const { port } = await host.listening();
    browser = await launchChromium();
    app = await AppPage.open(browser, site.url, { viewport: { width: 1280, height: 800 } });
    const cdp = await app.context.newCDPSession(app.page);
    await cdp.send('Performance.enable');
    const rendererHeap = async (): Promise<number> => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return (metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? 0) / MiB;
    };
    const rendererRetained = async (): Promise<number> => {
      await cdp.send('HeapProfiler.collectGarbage');
      return rendererHeap();
    };
    const startedAt = performance.now();
    const joined = await app.session.join({ address: `127.0.0.1:${port}` });
    if (!joined.ok) throw new Error(joined.error);
    for (let second = 2; second <= seconds; second += 2) {
      // Sampling on a timer while the event loop may be flooded: sleep in small steps.
      while (performance.now() - startedAt < second * 1000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (process.memoryUsage().heapUsed > GIVE_UP_HEAP_BYTES) break;
      }
      const memory = process.memoryUsage();
      const rows = await app.page
        .evaluate(() => document.querySelectorAll('[role="log"] li').length)
        .catch(() => -1);
      const sample: Sample = {
        second: Math.round((performance.now() - startedAt) / 100) / 10,
        mainHeapMiB: memory.heapUsed / MiB,
        mainRssMiB: memory.rss / MiB,
        rendererHeapMiB: await rendererHeap().catch(() => -1),
        rendererRetainedMiB: await rendererRetained().catch(() => -1),
        rows,
      };
      samples.push(sample);
      console.log(
        `t=${sample.second.toFixed(1)} s  main heap ${sample.mainHeapMiB.toFixed(0)} MiB, rss ${sample.mainRssMiB.toFixed(0)} MiB; ` +
          `renderer heap ${sample.rendererHeapMiB.toFixed(0)} MiB (${sample.rendererRetainedMiB.toFixed(0)} MiB after GC); rows ${sample.rows}`,
      );
      if (memory.heapUsed > GIVE_UP_HEAP_BYTES) {
        gaveUp = `main's heap passed ${(GIVE_UP_HEAP_BYTES / 2 ** 30).toFixed(1)} GiB after ${sample.second.toFixed(1)} s`;
        break;
      }
    }
    flow = app.session.flowStats;
  } finally {
    host.kill();
    await app?.close().catch(() => undefined);
    await browser?.close();
    await site.close();
  }
  // Plateau: the second half of the run grows by less than a quarter of the first half's peak.
  const half = samples.slice(Math.floor(samples.length / 2));
  const growth = (pick: (sample: Sample) => number): number =>
    half.length < 2 ? Number.NaN : Math.max(...half.map(pick)) - pick(half[0]!);
  const peak = (pick: (sample: Sample) => number): number => Math.max(0, ...samples.map(pick));
  const summary = {
    bench: 'flood',
    lineBytes: LINE_BYTES,
    seconds,
    gaveUp,
    mainHeapPeakMiB: peak((s) => s.mainHeapMiB),
    mainRssPeakMiB: peak((s) => s.mainRssMiB),
    rendererHeapPeakMiB: peak((s) => s.rendererHeapMiB),
    rendererRetainedPeakMiB: peak((s) => s.rendererRetainedMiB),
    mainHeapGrowthSecondHalfMiB: growth((s) => s.mainHeapMiB),
    rendererHeapGrowthSecondHalfMiB: growth((s) => s.rendererHeapMiB),
    rendererRetainedGrowthSecondHalfMiB: growth((s) => s.rendererRetainedMiB),
    flow,
    samples,
  };
  console.log(
    gaveUp ??
      `main heap peak ${summary.mainHeapPeakMiB.toFixed(0)} MiB (second half +${summary.mainHeapGrowthSecondHalfMiB.toFixed(0)} MiB), ` +
        `rss peak ${summary.mainRssPeakMiB.toFixed(0)} MiB; renderer heap peak ${summary.rendererHeapPeakMiB.toFixed(0)} MiB ` +
        `(second half +${summary.rendererHeapGrowthSecondHalfMiB.toFixed(0)} MiB), retained after GC peak ${summary.rendererRetainedPeakMiB.toFixed(0)} MiB ` +
        `(second half +${summary.rendererRetainedGrowthSecondHalfMiB.toFixed(0)} MiB)`,
  );
  console.log(JSON.stringify(summary));
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

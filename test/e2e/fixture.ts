/**
 * The vitest side of the E2E plumbing, shared by every E2E file: one Chromium and one page
 * server per file, pages closed after each test (with a screenshot when it failed), and the
 * transcript lookups the scenarios wait on. `harness.ts` stays free of vitest for the benches.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { useCleanup, type Cleanup } from '../support/cleanup';
import { freePort } from '../support/ports';
import { RawClient } from '../support/raw-client';
import { AppPage, RENDERER_DIST, launchChromium, requireBuiltRenderer, startStaticServer, type AppPageOptions, type StaticServer } from './harness';

/** How long a scenario waits for something it expects on the page. */
export const WAIT_MS = 10_000;

export interface ChromiumApps {
  /** Opens the app in a fresh page, closed after the test. */
  openApp(options?: AppPageOptions): Promise<AppPage>;
  /** A raw TCP client in the room on `port`, destroyed after the test. */
  rawClient(port: number): Promise<RawClient>;
  /** Schedules `cleanup` for the end of the current test. */
  defer(cleanup: Cleanup): void;
}

/** Call once at the top of an E2E file; `label` prefixes the screenshots of failed tests. */
export function useChromiumApps(label: string): ChromiumApps {
  let browser: Browser | undefined;
  let site: StaticServer | undefined;
  const defer = useCleanup();
  const openApps: AppPage[] = [];

  beforeAll(async () => {
    requireBuiltRenderer();
    site = await startStaticServer(RENDERER_DIST);
    browser = await launchChromium();
  });

  // Registered after useCleanup's hook, so it runs first: the pages are still open.
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') {
      for (const [index, app] of openApps.entries()) {
        await app.screenshot(`FAILED-${label}${task.name.slice(0, 40)}-${index}`, { everySize: false }).catch(() => undefined);
      }
    }
    openApps.length = 0;
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  return {
    async openApp(options = {}) {
      if (!browser || !site) throw new Error('Chromium or the page server did not start (see beforeAll).');
      const app = await AppPage.open(browser, site.url, options);
      defer(() => app.close());
      openApps.push(app);
      return app;
    },
    async rawClient(port) {
      const client = await RawClient.connect(port);
      defer(() => client.destroy());
      return client;
    },
    defer,
  };
}

/**
 * Starts hosting from a filled-in Host form on a free port; returns the port. The Port field
 * takes 1–65535 like the real app, so the system is asked for a free port first; another
 * process may take it before the room binds (the range is shared with outgoing connections),
 * and then the form says the port is in use and another is tried, as a user would.
 */
export async function startHostingOnFreePort(page: Page): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    await page.getByRole('textbox', { name: 'Port' }).fill(String(port));
    await page.getByRole('button', { name: 'Start hosting' }).click();
    const outcome = page.getByRole('button', { name: 'Stop hosting' }).or(page.getByRole('alert'));
    await outcome.first().waitFor({ timeout: WAIT_MS });
    if (await page.getByRole('button', { name: 'Stop hosting' }).isVisible()) return port;
    const error = (await page.getByRole('alert').textContent()) ?? '';
    if (!error.includes('already in use') || attempt === 5) throw new Error(`Hosting failed: ${error}`);
  }
}

export function transcript(page: Page): Locator {
  return page.getByRole('log', { name: 'Messages' });
}

/** Waits for a transcript row containing `text`. */
export async function waitForRow(page: Page, text: string): Promise<void> {
  await transcript(page).locator('li', { hasText: text }).last().waitFor({ timeout: WAIT_MS });
}

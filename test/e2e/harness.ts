/**
 * End-to-end plumbing: the built renderer served over HTTP on 127.0.0.1:0, loaded in Debian's
 * Chromium through playwright-core, with `window.tincan` forwarded to a real ChatSession in
 * this Node process (arguments validated as main's IPC handlers do).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ChatSession, type SessionDiscoveryOptions } from '../../main/app/session';
import { HistoryService } from '../../main/app/history/service';
import type { DesktopNotification, UnreadState } from '../../main/app/notifications/policy';
import { fail, type EventBatch, type Preferences, type Result } from '../../main/common/ipc-contract';
import { MemoryPreferencesStore, defaultPreferences } from '../../main/app/preferences';
import { createChannelHandlers, type ChannelHandler, type ChannelName } from '../../main/electron/ipc';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const RENDERER_DIST = path.join(REPO_ROOT, 'dist/renderer');
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results/e2e');
/** Every screen a test shoots, again at each size and in each colour scheme (a review set, kept with the test results). */
export const SCREENS_DIR = path.join(SCREENSHOT_DIR, 'screens');
/** The smallest screen the tests use and a common laptop's. */
export const SCREEN_SIZES = [
  { width: 800, height: 600 },
  { width: 1280, height: 800 },
] as const;
export const CHROMIUM_PATH = '/usr/bin/chromium';
const AXE_SCRIPT = path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js');

/** One axe-core finding, reduced to what a failure message needs. */
export interface AxeFinding {
  rule: string;
  impact: string;
  help: string;
  /** CSS selectors of (at most five of) the elements it is about. */
  targets: string[];
}

/** Fails with a message that says what to do, instead of a blank page later. */
export function requireBuiltRenderer(): void {
  if (!existsSync(path.join(RENDERER_DIST, 'index.html'))) {
    throw new Error(
      `The built renderer is missing (${RENDERER_DIST}/index.html). Run \`npx vite build\` (or \`npm test\`, which builds first).`,
    );
  }
}

// ---- static file server ----------------------------------------------------------------

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `root` read-only on 127.0.0.1 with a free port, so the page's CSP 'self' is an http origin. */
export async function startStaticServer(root: string): Promise<StaticServer> {
  const server = http.createServer((request, response) => {
    void (async () => {
      const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
      const relative = pathname === '/' ? 'index.html' : pathname.slice(1);
      const file = path.resolve(root, relative);
      if (!file.startsWith(root + path.sep)) {
        response.writeHead(403).end();
        return;
      }
      try {
        const body = await readFile(file);
        response.writeHead(200, {
          'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
        });
        response.end(body);
      } catch {
        response.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- browser ------------------------------------------------------------------------------

/** Two animation frames: layout and React's effects have caught up with a resize. */
function settled(page: Page): Promise<void> {
  return page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

/** Resizes the page's own window so that the page inside it is `size` (the window's frame measured, not guessed). */
async function sizeWindow(page: Page, size: { width: number; height: number }): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { windowId } = await cdp.send('Browser.getWindowForTarget');
    const frame = await page.evaluate(() => ({ width: outerWidth - innerWidth, height: outerHeight - innerHeight }));
    await cdp.send('Browser.setWindowBounds', { windowId, bounds: { width: size.width + frame.width, height: size.height + frame.height } });
    await page.waitForFunction(({ width, height }) => innerWidth === width && innerHeight === height, size, { timeout: 5000 });
  } finally {
    await cdp.detach();
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * Runs in the page before its own scripts: a `window.tincan` whose methods call the exposed
 * Node function, and a hook through which the test delivers event batches. Also records CSP
 * violations and long main-thread tasks so tests can check both.
 */
function installTestBridge(): void {
  type Listener = (events: unknown[]) => void;
  const listeners = new Set<Listener>();
  const w = window as unknown as Record<string, unknown>;
  const call = (method: string, ...args: unknown[]): Promise<unknown> =>
    (w.__tincanCall as (method: string, ...args: unknown[]) => Promise<unknown>)(method, ...args);
  w.tincan = Object.freeze({
    getSnapshot: () => call('getSnapshot'),
    host: (request: unknown) => call('host', request),
    join: (request: unknown) => call('join', request),
    cancelJoin: () => call('cancelJoin'),
    reconnectNow: () => call('reconnectNow'),
    send: (request: unknown) => call('send', request),
    leave: () => call('leave'),
    copyText: (text: unknown) => call('copyText', text),
    openLink: (url: unknown) => call('openLink', url),
    forgetRecentHost: (address: unknown) => call('forgetRecentHost', address),
    findRooms: () => call('findRooms'),
    stopFindingRooms: () => call('stopFindingRooms'),
    historyView: (request: unknown) => call('historyView', request),
    historyPage: (request: unknown) => call('historyPage', request),
    historyContext: (request: unknown) => call('historyContext', request),
    searchHistory: (request: unknown) => call('searchHistory', request),
    saveTranscript: () => call('saveTranscript'),
    clearHistory: (request: unknown) => call('clearHistory', request),
    updateSettings: (request: unknown) => call('updateSettings', request),
    setViewState: (state: unknown) => call('setViewState', state),
    findFreePort: (request: unknown) => call('findFreePort', request),
    setTopic: (request: unknown) => call('setTopic', request),
    sendPassword: (request: unknown) => call('sendPassword', request),
    removePerson: (request: unknown) => call('removePerson', request),
    setIgnored: (request: unknown) => call('setIgnored', request),
    onEvents: (listener: Listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  w.__tincanDeliver = (events: unknown[]) => {
    for (const listener of [...listeners]) listener(events);
  };
  const violations: string[] = [];
  w.__cspViolations = violations;
  document.addEventListener('securitypolicyviolation', (event) => {
    violations.push(`${event.violatedDirective} ${event.blockedURI}`);
  });
  const longTasks: number[] = [];
  w.__longTasks = longTasks;
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // No long task timing in this browser: the test then measures typing only.
  }
}

export interface AppPageOptions {
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  /**
   * A real window whose page is this size, instead of an emulated viewport (the bench's key
   * latencies need it). Headless Chromium presents only what lies inside the window it made
   * (1280×720); an emulated 1280×800 page is laid out in full but its bottom 80 px are never
   * presented, so a key typed in the composer reports its paint only when something above
   * repaints (the next batch of lines), whatever the page did.
   */
  window?: { width: number; height: number };
  preferences?: Partial<Preferences>;
  /** LAN discovery for the session (keep it to loopback: `selection: { only: ['lo'] }`); default off. */
  discovery?: SessionDiscoveryOptions;
  /** False: the session keeps no history (a window restores the room from the snapshot alone). Default true. */
  history?: boolean;
  /** Where the host's TLS key is kept (ChatSessionOptions.certificateDir); default: rooms hosted in plain text. */
  certificateDir?: string;
  /** The wait before each reconnect attempt (a long one leaves Try now to the test); default the session's. */
  reconnectDelayMs?: number;
}

/** One app window: a page plus the ChatSession behind its bridge, with its own history (unless told otherwise). */
export class AppPage {
  readonly copied: string[] = [];
  readonly opened: string[] = [];
  /** What the (test) notification adapter was asked to show, badge and flash. */
  readonly notifications: DesktopNotification[] = [];
  readonly badges: UnreadState[] = [];
  readonly flashes: boolean[] = [];
  /** "Save transcript…" saves here (the save dialog's stand-in); null answers Cancel. */
  transcriptFile: string | null = null;
  /** Every bridge call the page made, in order (method names). */
  readonly calls: string[] = [];
  readonly pageErrors: string[] = [];
  private delivery: Promise<unknown> = Promise.resolve();
  private unsubscribe: () => void = () => {};
  // The clipboard and the system browser are the only Electron pieces; here they record.
  private readonly handlers: Record<ChannelName, ChannelHandler>;

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly session: ChatSession,
    readonly history: HistoryService | null,
    /** A temporary folder of this window: its history file, saved transcripts. */
    readonly folder: string,
    readonly colorScheme: 'light' | 'dark',
  ) {
    this.handlers = createChannelHandlers({
      session,
      chooseTranscriptFile: async () => ({ ok: true, value: this.transcriptFile }),
      clipboard: {
        writeText: async (text: string) => {
          this.copied.push(text);
        },
      },
      shell: {
        openExternal: async (url: string) => {
          this.opened.push(url);
        },
      },
    });
  }

  static async open(browser: Browser, url: string, options: AppPageOptions = {}): Promise<AppPage> {
    const context = await browser.newContext({
      viewport: options.window !== undefined ? null : (options.viewport ?? { width: 800, height: 600 }),
      colorScheme: options.colorScheme ?? 'light',
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    // Fail an action with its reason well inside the test's own timeout.
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    if (options.window !== undefined) await sizeWindow(page, options.window);
    // No name unless a test gives one: the other scenarios count the transcript's lines exactly.
    const preferences = { ...defaultPreferences(), displayName: '', ...options.preferences };
    const folder = mkdtempSync(path.join(os.tmpdir(), 'tincan-e2e-'));
    const history =
      options.history === false ? null : await HistoryService.open({ file: path.join(folder, 'history.sqlite'), retention: preferences.historyRetention });
    // The notification adapter's stand-in records into the page object (made just below).
    let recorder: AppPage | null = null;
    const session = new ChatSession({
      preferences: new MemoryPreferencesStore(preferences),
      connectTimeoutMs: 3000,
      discovery: options.discovery,
      ...(options.reconnectDelayMs !== undefined && { reconnectInitialDelayMs: options.reconnectDelayMs, reconnectMaxDelayMs: options.reconnectDelayMs }),
      ...(options.certificateDir !== undefined && { certificateDir: options.certificateDir }),
      defaultRoomName: 'tester’s room on e2e',
      ...(history === null ? {} : { history }),
      attention: {
        notify: (notification) => recorder?.notifications.push(notification),
        unread: (state) => recorder?.badges.push(state),
        flash: (on) => recorder?.flashes.push(on),
      },
      serverOptions: { maxLinesPerSecond: 0 }, // bursts are what these tests are about; the line rate has tests of its own
    });
    const app = new AppPage(context, page, session, history, folder, options.colorScheme ?? 'light');
    recorder = app;
    page.on('pageerror', (error) => app.pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') app.pageErrors.push(message.text());
    });
    await page.exposeFunction('__tincanCall', (method: string, ...args: unknown[]) => app.dispatch(method, args));
    // Under tsx (the benchmarks), esbuild wraps named functions in `__name(...)`, a helper that
    // does not exist in the page; functions handed to the page find this stand-in instead.
    await page.addInitScript({ content: 'globalThis.__name ??= (target) => target;' });
    await page.addInitScript(installTestBridge);
    app.unsubscribe = session.onEvents((events) => app.deliver(events));
    await page.goto(url);
    return app;
  }

  /**
   * Pushes a batch into the page, in order, as main's events channel would, and acknowledges
   * it once the page's listeners ran, as the preload does. (The session keeps only a few
   * batches in flight, so this chain stays short however fast lines arrive.)
   */
  private deliver(batch: EventBatch): void {
    const { page, session } = this;
    this.delivery = this.delivery
      .then(async () => {
        // As JSON text: the protocol's own encoding of a large object argument cost the page
        // more than the app's handling of it (about 30 ms a batch), where Electron's IPC clones
        // it natively. The events are plain JSON data.
        await page.evaluate((json) => {
          (window as unknown as { __tincanDeliver: (events: unknown[]) => void }).__tincanDeliver(JSON.parse(json) as unknown[]);
        }, JSON.stringify(batch.events));
        session.acknowledge(batch.id);
      })
      .catch(() => undefined);
  }

  /** Exactly main's IPC handlers (validate the argument, then act), minus the IPC around them. */
  private async dispatch(method: string, args: unknown[]): Promise<Result<unknown>> {
    this.calls.push(method);
    if (args.length > 1) return fail('Too many arguments.');
    if (!Object.hasOwn(this.handlers, method)) return fail(`Unknown bridge method ${method}.`);
    return this.handlers[method as ChannelName](args[0]);
  }

  /**
   * Reloads the page as the shell does after a renderer crash: batches in flight to the old
   * page are forgotten once the new one has loaded (main/electron/app.ts, did-finish-load).
   */
  async reload(): Promise<void> {
    await this.page.reload();
    this.session.resetDelivery();
  }

  async cspViolations(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
  }

  async longTasks(): Promise<number[]> {
    return this.page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
  }

  /**
   * axe-core over the page as it is now, in both colour schemes (the page's own scheme is
   * restored afterwards). axe is evaluated into the page through the DevTools protocol: the
   * page's CSP (script-src 'self') refuses an injected <script>, as it should.
   */
  async accessibilityFindings(): Promise<AxeFinding[]> {
    const { page } = this;
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE_SCRIPT, 'utf8'));
    const findings: AxeFinding[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const found = await page.evaluate(async () => {
        type Result = { violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[] };
        const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<Result> } }).axe;
        const result = await axe.run(document, { resultTypes: ['violations'] });
        return result.violations.map((violation) => ({
          rule: violation.id,
          impact: violation.impact ?? 'unknown',
          help: violation.help,
          targets: violation.nodes.slice(0, 5).map((node) => node.target.map(String).join(' ')),
        }));
      });
      for (const finding of found) findings.push({ ...finding, help: `${finding.help} (${colorScheme})` });
    }
    await page.emulateMedia({ colorScheme: this.colorScheme });
    return findings;
  }

  /** The serious and critical accessibility findings on this screen, as sentences (empty: none). */
  async accessibilityProblems(screen: string): Promise<string[]> {
    const findings = await this.accessibilityFindings();
    const minor = findings.filter((finding) => finding.impact !== 'serious' && finding.impact !== 'critical');
    if (minor.length > 0) console.info(`[axe ${screen}] minor/moderate: ${minor.map((finding) => `${finding.rule} (${finding.impact})`).join(', ')}`);
    return findings
      .filter((finding) => finding.impact === 'serious' || finding.impact === 'critical')
      .map((finding) => `${screen}: ${finding.rule} (${finding.impact}) ${finding.help}: ${finding.targets.join(' | ')}`);
  }

  /**
   * `name.png` as the page is now, then (unless `everySize` is false) the same screen at each
   * of SCREEN_SIZES in light and dark under screens/; the page's own size and scheme are put back.
   */
  async screenshot(name: string, { everySize = true }: { everySize?: boolean } = {}): Promise<string> {
    const { page } = this;
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `${name}.png`);
    await page.screenshot({ path: file });
    if (!everySize) return file;
    mkdirSync(SCREENS_DIR, { recursive: true });
    const viewport = page.viewportSize();
    try {
      for (const size of SCREEN_SIZES) {
        await page.setViewportSize(size);
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme });
          await settled(page);
          await page.screenshot({ path: path.join(SCREENS_DIR, `${name}-${size.width}x${size.height}-${colorScheme}.png`) });
        }
      }
    } finally {
      if (viewport !== null) await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme: this.colorScheme });
      await settled(page);
    }
    return file;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.session.close();
    await this.history?.close();
    await this.delivery;
    await this.context.close();
    rmSync(this.folder, { recursive: true, force: true });
  }
}

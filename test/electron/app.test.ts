import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS, EVENTS_ACK_CHANNEL, EVENTS_CHANNEL, type BridgeEvent, type EventBatch } from '../../main/common/ipc-contract';
import { startTincan, type ElectronMain, type TincanOptions } from '../../main/electron/app';
import { RENDERER_URL } from '../../main/electron/app-protocol';
import { TOO_MANY_COPIES_ERROR, TOO_MANY_LINKS_ERROR, UNTRUSTED_SENDER_ERROR } from '../../main/electron/ipc';
import { MIN_WINDOW_SIZE } from '../../main/electron/window-state';
import { MemoryLogger } from '../support/memory-logger';
import { freePort } from '../support/ports';
import { RawClient } from '../support/raw-client';
import { waitUntil } from '../support/wait';
import { acknowledgeBatches, createFakeElectron, fakeEvent, FakeBrowserWindow, FakeWebContents, sentEvents, type FakeElectron } from './fake-electron';

// Nothing here may load the real Electron module.
vi.mock('electron', async () => (await import('./fake-electron')).createFakeElectron());

const MAIN_DIRECTORY = path.join(path.sep, 'opt', 'tincan', 'resources', 'app.asar', 'dist', 'main');
const RENDERER_INDEX = path.join(MAIN_DIRECTORY, '..', 'renderer', 'index.html');
const OUR_FRAME = { url: RENDERER_URL, parent: null };

let userData = '';
let electron: FakeElectron;
let logger: MemoryLogger;

beforeEach(async () => {
  userData = await mkdtemp(path.join(os.tmpdir(), 'tincan-app-'));
  electron = createFakeElectron(userData);
  logger = new MemoryLogger();
  FakeBrowserWindow.instances.length = 0;
});

afterEach(async () => {
  if (!electron.app.exited && electron.app.listenerCount('will-quit') > 0) {
    electron.app.quit();
    await waitUntil(() => electron.app.exited, 'the app to exit');
  }
  await rm(userData, { recursive: true, force: true });
});

async function startReady(options: TincanOptions = {}): Promise<FakeBrowserWindow> {
  const tincan = startTincan(electron as unknown as ElectronMain, MAIN_DIRECTORY, { discovery: null, createLogger: () => logger, ...options });
  expect(tincan.primary).toBe(true);
  electron.app.ready();
  await tincan.ready;
  const window = FakeBrowserWindow.instances[0];
  if (!window) throw new Error('no window');
  return window;
}

/** Acknowledges every batch `window` gets, as the preload does once the page took it. */
function actLikeThePreload(window: FakeBrowserWindow): void {
  acknowledgeBatches(electron, window, OUR_FRAME);
}

describe('startTincan', () => {
  it('creates one hardened window that loads our page from app://', async () => {
    const window = await startReady();
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    expect(window.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
      preload: path.join(MAIN_DIRECTORY, '..', 'preload', 'index.js'),
    });
    expect(window.options.minWidth).toBeLessThanOrEqual(800);
    expect(window.options.minHeight).toBeLessThanOrEqual(600);
    expect(window.loadURL).toHaveBeenCalledWith('app://tincan/index.html');
    expect(electron.app.enableSandbox).toHaveBeenCalled();
    expect(electron.app.setName).toHaveBeenCalledWith('Tincan');
    expect(electron.app.setPath).toHaveBeenCalledWith('userData', path.join(userData, 'Tincan'));
    await waitUntil(() => window.visible, 'the window to show');
    // The page itself, not the window around it, gets at least the size the layout was tested at.
    expect(window.setMinimumSize).toHaveBeenCalledWith(MIN_WINDOW_SIZE.width, MIN_WINDOW_SIZE.height + 28);
  });

  it('registers every channel; foreign senders and bad arguments get { ok: false }', async () => {
    const window = await startReady();
    const { ipcMain } = electron;
    expect([...ipcMain.handlers.keys()].sort()).toEqual(Object.values(CHANNELS).sort());

    const snapshot = await ipcMain.invoke(CHANNELS.getSnapshot, window.webContents, OUR_FRAME);
    expect(snapshot).toMatchObject({ ok: true, value: { status: { mode: 'idle' } } });

    const foreignFrames = [
      { url: 'https://evil.example/', parent: null },
      { url: pathToFileURL('/tmp/other.html').href, parent: null },
      // file:// is not our page any more, not even our own index.html on disk
      { url: pathToFileURL(RENDERER_INDEX).href, parent: null },
      { url: 'app://tincan/other.html', parent: null },
      { url: 'app://evil/index.html', parent: null },
      { url: OUR_FRAME.url, parent: {} }, // an iframe showing our page
      null,
    ];
    for (const frame of foreignFrames) {
      for (const channel of Object.values(CHANNELS)) {
        expect(await ipcMain.invoke(channel, window.webContents, frame)).toEqual({ ok: false, error: UNTRUSTED_SENDER_ERROR });
      }
    }
    // our page, but in a webContents we did not create
    expect(await ipcMain.invoke(CHANNELS.getSnapshot, new FakeWebContents(), OUR_FRAME)).toEqual({ ok: false, error: UNTRUSTED_SENDER_ERROR });
    // a frame that was disposed throws on access
    const disposed = { get url(): string { throw new Error('Render frame was disposed'); }, parent: null };
    expect(await ipcMain.invoke(CHANNELS.getSnapshot, window.webContents, disposed)).toEqual({ ok: false, error: UNTRUSTED_SENDER_ERROR });

    const hostile: [string, unknown[]][] = [
      [CHANNELS.host, [{ port: 0, scope: 'lan' }]],
      [CHANNELS.host, [{ port: '60003', scope: 'lan' }]],
      [CHANNELS.host, [{ port: 60003, scope: 'lan', extra: 1 }]],
      [CHANNELS.host, []],
      [CHANNELS.join, [{ address: 'x'.repeat(1_000_000) }]],
      [CHANNELS.join, ['10.0.0.5']],
      [CHANNELS.join, [{ address: '10.0.0.5', trust: 'any key' }]],
      [CHANNELS.join, [{ address: '10.0.0.5', trust: { fingerprint: 'AB' } }]],
      [CHANNELS.send, [{ text: ['hi'] }]],
      [CHANNELS.send, [{ text: 'hi' }, 'more']],
      [CHANNELS.copyText, [{}]],
      [CHANNELS.openLink, ['file:///etc/passwd']],
      [CHANNELS.openLink, ['javascript:alert(1)']],
      [CHANNELS.forgetRecentHost, [null]],
      [CHANNELS.getSnapshot, ['junk']],
      [CHANNELS.leave, [{}]],
      [CHANNELS.cancelJoin, [1]],
      [CHANNELS.reconnectNow, ['now']],
      [CHANNELS.host, [{ port: 60003, scope: 'lan', name: 42 }]],
      [CHANNELS.host, [{ port: 60003, scope: 'lan', name: 'x'.repeat(201) }]],
      [CHANNELS.findRooms, [{}]],
      [CHANNELS.stopFindingRooms, ['now']],
    ];
    for (const [channel, args] of hostile) {
      const result = (await ipcMain.invoke(channel, window.webContents, OUR_FRAME, ...args)) as { ok: boolean; error?: string };
      expect(result.ok, `${channel} ${JSON.stringify(args).slice(0, 80)}`).toBe(false);
      expect(typeof result.error).toBe('string');
    }
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
  });

  it('copies text and opens only web links', async () => {
    const window = await startReady();
    const { ipcMain } = electron;
    expect(await ipcMain.invoke(CHANNELS.copyText, window.webContents, OUR_FRAME, '192.168.1.20:60003')).toEqual({ ok: true, value: null });
    expect(electron.clipboard.writeText).toHaveBeenCalledWith('192.168.1.20:60003');
    expect(await ipcMain.invoke(CHANNELS.openLink, window.webContents, OUR_FRAME, 'https://example.com/x')).toEqual({ ok: true, value: null });
    expect(electron.shell.openExternal).toHaveBeenCalledWith('https://example.com/x');
    electron.shell.openExternal.mockRejectedValueOnce(new Error('no browser'));
    expect(await ipcMain.invoke(CHANNELS.openLink, window.webContents, OUR_FRAME, 'https://example.com/y')).toEqual({
      ok: false,
      error: 'Could not open the link in your browser.',
    });
  });

  it('hosts through IPC, forwards event batches to the window, and closes the chat on quit', async () => {
    const window = await startReady();
    const port = await freePort();
    const hosted = await electron.ipcMain.invoke(CHANNELS.host, window.webContents, OUR_FRAME, { port, scope: 'local' });
    expect(hosted).toMatchObject({
      ok: true,
      value: { port, scope: 'local', shareAddresses: [{ address: `127.0.0.1:${port}` }], roomName: null, advice: [] },
      after: { status: { mode: 'hosting', connection: 'connected' } },
    });

    actLikeThePreload(window);
    const sentBatches = (): BridgeEvent[] => sentEvents(window);
    await waitUntil(
      () => sentBatches().some((event) => event.type === 'status' && event.status.mode === 'hosting' && event.status.connection === 'connected'),
      'a hosting status sent to the window',
    );
    const raw = await RawClient.connect(port);
    try {
      await waitUntil(() => sentBatches().some((event) => event.type === 'lines' && event.lines.some((line) => line.peer === raw.label)), 'the raw client’s line');
      // Quitting closes the session: the raw client sees the server end the connection.
      electron.app.quit();
      await raw.waitForEnd();
      await waitUntil(() => electron.app.exited, 'the app to exit');
      expect(electron.app.quit).toHaveBeenCalledTimes(2);
    } finally {
      raw.destroy();
    }
    // No IPC handlers left behind.
    expect(electron.ipcMain.handlers.size).toBe(0);
  });

  it('stops trusting a closed window and quits when the last window closes', async () => {
    const window = await startReady();
    window.simulateClose();
    // A request from the closed window's contents is refused.
    expect(await electron.ipcMain.invoke(CHANNELS.getSnapshot, window.webContents, OUR_FRAME)).toEqual({ ok: false, error: UNTRUSTED_SENDER_ERROR });
    electron.app.emit('window-all-closed');
    expect(electron.app.quit).toHaveBeenCalled(); // on Linux and Windows closing the window quits
    await waitUntil(() => electron.app.exited, 'the app to exit');
    expect(window.webContents.send).not.toHaveBeenCalled();
  });

  it('blocks navigation, pop-ups and webviews, in our window and any other contents', async () => {
    const window = await startReady();
    const other = new FakeWebContents();
    electron.app.emit('web-contents-created', fakeEvent(), other);
    for (const contents of [window.webContents, other]) {
      for (const eventName of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
        const event = fakeEvent();
        contents.emit(eventName, event, 'https://evil.example/');
        expect(event.defaultPrevented, eventName).toBe(true);
      }
      expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    }
  });

  it('denies every permission to every page, ours included (Tincan uses none), and every device', async () => {
    const window = await startReady();
    const { defaultSession } = electron.session;
    const ask = (permission: string, url: string): boolean => {
      const reply: { granted?: boolean } = {};
      defaultSession.requestHandler?.(window.webContents, permission, (answer) => {
        reply.granted = answer;
      }, { requestingUrl: url });
      if (reply.granted === undefined) throw new Error('no answer');
      return reply.granted;
    };
    for (const permission of ['notifications', 'media', 'geolocation', 'openExternal', 'clipboard-read', 'fullscreen', 'unknown']) {
      expect(ask(permission, OUR_FRAME.url)).toBe(false);
      expect(ask(permission, 'https://evil.example/')).toBe(false);
    }
    window.webContents.url = OUR_FRAME.url;
    expect(defaultSession.checkHandler?.(window.webContents, 'notifications', 'app://tincan', {})).toBe(false);
    expect(defaultSession.checkHandler?.(window.webContents, 'media', 'app://tincan', {})).toBe(false);
    expect(defaultSession.checkHandler?.(null, 'notifications', 'app://tincan', {})).toBe(false);
    expect(defaultSession.deviceHandler?.({ deviceType: 'usb', origin: 'app://tincan' })).toBe(false);
  });

  it('remembers the window bounds in userData', async () => {
    const window = await startReady();
    window.bounds = { x: 100, y: 120, width: 1111, height: 777 };
    window.simulateClose();
    const file = path.join(userData, 'Tincan', 'window-state.json');
    await waitUntil(() => existsSync(file), 'the window state file');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ x: 100, y: 120, width: 1111, height: 777, maximized: false });

    // The next start opens the window where it was.
    FakeBrowserWindow.instances.length = 0;
    electron = createFakeElectron(userData);
    const reopened = await startReady();
    expect(reopened.options).toMatchObject({ x: 100, y: 120, width: 1111, height: 777 });
  });
});

describe('the window on each platform', () => {
  it('a window saved maximized is maximized when it is ready to show, not before (no white flash)', async () => {
    const folder = path.join(userData, 'Tincan');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'window-state.json'), JSON.stringify({ x: 10, y: 10, width: 900, height: 700, maximized: true }));
    // The page never finishes loading here: only 'ready-to-show' may show the window.
    FakeBrowserWindow.pagesHang = true;
    try {
      const window = await startReady();
      expect(window.visible).toBe(false);
      expect(window.maximize).not.toHaveBeenCalled();
      window.emit('ready-to-show');
      expect(window.maximize).toHaveBeenCalledTimes(1);
      expect(window.visible).toBe(true);
    } finally {
      FakeBrowserWindow.pagesHang = false;
    }
  });

  it('saves the window’s place on resize and move (Linux emits no resized or moved)', async () => {
    const window = await startReady();
    const file = path.join(userData, 'Tincan', 'window-state.json');
    window.bounds = { x: 50, y: 60, width: 800, height: 600 };
    window.emit('resize');
    await waitUntil(() => existsSync(file), 'the window state after a resize');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ width: 800, height: 600 });
    window.bounds = { x: 300, y: 200, width: 800, height: 600 };
    window.emit('move');
    await waitUntil(() => (JSON.parse(readFileSync(file, 'utf8')) as { x: number }).x === 300, 'the window state after a move');
  });

  it('asks for no Blink feature switches (Auxclick is not one)', async () => {
    const window = await startReady();
    expect(window.options.webPreferences).not.toHaveProperty('disableBlinkFeatures');
  });

  it('a second launch before the app is ready opens nothing extra', async () => {
    const tincan = startTincan(electron as unknown as ElectronMain, MAIN_DIRECTORY, { discovery: null, createLogger: () => logger });
    electron.app.emit('second-instance', fakeEvent(), ['tincan'], '/');
    electron.app.ready();
    await tincan.ready;
    expect(FakeBrowserWindow.instances).toHaveLength(1);
  });
});

describe('LAN discovery through IPC', () => {
  it('announces a LAN room and lists rooms found, with the discovery main is given (loopback here)', async () => {
    const port = await freePort();
    const discovery = { interfaces: os.networkInterfaces, selection: { only: ['lo'] }, appVersion: '0.1.0', beaconPorts: [port] };
    const window = await startReady({ discovery: { discovery }, createLogger: () => logger });
    actLikeThePreload(window);
    const found = (await electron.ipcMain.invoke(CHANNELS.findRooms, window.webContents, OUR_FRAME)) as { ok: boolean };
    expect(found.ok).toBe(true);
    const hosted = await electron.ipcMain.invoke(CHANNELS.host, window.webContents, OUR_FRAME, { port, scope: 'lan', name: 'Through IPC' });
    expect(hosted).toMatchObject({ ok: true, value: { roomName: 'Through IPC' } });
    const sentRooms = (): string[] => sentEvents(window).flatMap((event) => (event.type === 'rooms' ? event.rooms.map((room) => room.name) : []));
    await waitUntil(() => sentRooms().includes('Through IPC'), 'the room in a rooms event sent to the window', 10_000);
    expect(await electron.ipcMain.invoke(CHANNELS.stopFindingRooms, window.webContents, OUR_FRAME)).toEqual({ ok: true, value: null });
  });
});

describe('packaged hardening', () => {
  type MenuItem = { label?: string; role?: string; submenu?: MenuItem[]; click?: () => void };
  const flatten = (items: MenuItem[]): MenuItem[] => items.flatMap((item) => [item, ...flatten(item.submenu ?? [])]);

  it('a packaged app: no devtools, and a menu of our own without devtools or reload', async () => {
    electron.app.isPackaged = true;
    const window = await startReady();
    expect(window.options.webPreferences).toMatchObject({ devTools: false });
    const items = flatten(electron.Menu.template ?? []);
    expect(items.length).toBeGreaterThan(5);
    expect(items.map((item) => item.role ?? '')).not.toContain('toggleDevTools');
    expect(items.map((item) => item.role ?? '')).not.toContain('reload');
    expect(items.map((item) => item.role ?? '')).not.toContain('viewMenu'); // Electron's carries devtools
    const openLogs = items.find((item) => item.label === 'Open Log Folder');
    openLogs?.click?.();
    expect(electron.shell.openPath).toHaveBeenCalledWith(path.join(userData, 'Tincan', 'logs'));
  });

  it('a dev checkout keeps devtools, in the window and the menu', async () => {
    const window = await startReady();
    expect(window.options.webPreferences).toMatchObject({ devTools: true });
    expect(flatten(electron.Menu.template ?? []).map((item) => item.role)).toContain('toggleDevTools');
  });

  it('registers app:// as privileged before ready and serves the built renderer through it', async () => {
    const repoMain = path.resolve(__dirname, '..', '..', 'dist', 'main');
    const tincan = startTincan(electron as unknown as ElectronMain, repoMain, { createLogger: () => logger });
    expect(electron.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
    electron.app.ready();
    await tincan.ready;
    expect(electron.protocol.registeredAfterReady).toBe(false);
    const handler = electron.protocol.handlers.get('app');
    if (!handler) throw new Error('no app:// handler');
    const page = await handler(new Request('app://tincan/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('Content-Security-Policy');
    expect((await handler(new Request('app://tincan/../main/index.js'))).status).toBe(404);
    expect((await handler(new Request('app://tincan/%2e%2e/main/index.js'))).status).toBe(404);
  });

  it('writes its log into the app’s log folder by default', async () => {
    const tincan = startTincan(electron as unknown as ElectronMain, MAIN_DIRECTORY);
    electron.app.ready();
    await tincan.ready;
    const file = path.join(userData, 'Tincan', 'logs', 'main.log');
    await waitUntil(() => existsSync(file), 'the log file');
    expect(await readFile(file, 'utf8')).toMatch(/\[info\] +started version=0\.0\.0-test packaged=false/);
  });

  it('reloads the window when its renderer dies, at most three times a minute, and logs it', async () => {
    const window = await startReady();
    expect(window.loadURL).toHaveBeenCalledTimes(1);
    window.webContents.emit('render-process-gone', fakeEvent(), { reason: 'clean-exit', exitCode: 0 });
    expect(window.loadURL).toHaveBeenCalledTimes(1);
    for (let crash = 1; crash <= 4; crash += 1) {
      window.webContents.emit('render-process-gone', fakeEvent(), { reason: 'crashed', exitCode: 139 });
    }
    expect(window.loadURL).toHaveBeenCalledTimes(4);
    expect(window.loadURL).toHaveBeenLastCalledWith('app://tincan/index.html');
    expect(logger.entries.filter((entry) => entry.event === 'renderer gone')).toHaveLength(5);
    expect(logger.events('error')).toContain('renderer keeps dying; not reloading');
    electron.app.emit('child-process-gone', fakeEvent(), { type: 'GPU', reason: 'crashed', exitCode: 1 });
    expect(logger.entries.at(-1)).toEqual({ level: 'error', event: 'child process gone', fields: { type: 'GPU', reason: 'crashed', exitCode: 1 } });
  });

  it('after a renderer dies, the reloaded page gets the room back from the snapshot', async () => {
    const window = await startReady();
    actLikeThePreload(window);
    const port = await freePort();
    expect((await electron.ipcMain.invoke(CHANNELS.host, window.webContents, OUR_FRAME, { port, scope: 'local' })) as { ok: boolean }).toMatchObject({ ok: true });
    const raw = await RawClient.connect(port);
    try {
      await raw.write('remember me\n');
      await waitUntil(() => sentEvents(window).some((event) => event.type === 'lines' && event.lines.some((line) => line.text === 'remember me')), 'the line');
      // Our own (silent) client is announced 50 ms after it connected.
      const joined = () => sentEvents(window).flatMap((event) => (event.type === 'roster-changes' ? event.joined : []));
      await waitUntil(() => joined().length === 2, 'both in the roster');
      window.webContents.emit('render-process-gone', fakeEvent(), { reason: 'oom', exitCode: 0 });
      const snapshot = (await electron.ipcMain.invoke(CHANNELS.getSnapshot, window.webContents, OUR_FRAME)) as { ok: true; value: { lines: { text: string }[]; roster: unknown[] } };
      expect(snapshot.value.lines.map((line) => line.text)).toContain('remember me');
      expect(snapshot.value.roster).toHaveLength(2);
    } finally {
      raw.destroy();
    }
  });

  it('sends at most three batches ahead of the acknowledgements, and takes those only from our page', async () => {
    const window = await startReady();
    const port = await freePort();
    await electron.ipcMain.invoke(CHANNELS.host, window.webContents, OUR_FRAME, { port, scope: 'local' });
    const raw = await RawClient.connect(port);
    try {
      const batches = (): EventBatch[] => window.webContents.send.mock.calls.filter((call) => call[0] === EVENTS_CHANNEL).map((call) => call[1] as EventBatch);
      for (let i = 0; i < 10; i += 1) await raw.write(`tick ${i}\n`).then(() => new Promise((resolve) => setTimeout(resolve, 30)));
      await waitUntil(() => batches().length === 3, 'three batches');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(batches()).toHaveLength(3);
      // Acknowledgements from anything but our page change nothing.
      const last = batches()[2]!.id;
      electron.ipcMain.send(EVENTS_ACK_CHANNEL, window.webContents, { url: 'https://evil.example/', parent: null }, last);
      electron.ipcMain.send(EVENTS_ACK_CHANNEL, new FakeWebContents(), OUR_FRAME, last);
      electron.ipcMain.send(EVENTS_ACK_CHANNEL, window.webContents, OUR_FRAME, 'junk');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(batches()).toHaveLength(3);
      electron.ipcMain.send(EVENTS_ACK_CHANNEL, window.webContents, OUR_FRAME, last);
      await waitUntil(() => batches().length > 3, 'the next batch');
    } finally {
      raw.destroy();
    }
  });

  it('rate-limits opening links and copying, whatever the page asks', async () => {
    const window = await startReady();
    const { ipcMain } = electron;
    const open = () => ipcMain.invoke(CHANNELS.openLink, window.webContents, OUR_FRAME, 'https://example.com/');
    expect(await open()).toEqual({ ok: true, value: null });
    expect(await open()).toEqual({ ok: true, value: null });
    expect(await open()).toEqual({ ok: true, value: null });
    expect(await open()).toEqual({ ok: false, error: TOO_MANY_LINKS_ERROR });
    expect(electron.shell.openExternal).toHaveBeenCalledTimes(3);
    const copies = await Promise.all(Array.from({ length: 12 }, () => ipcMain.invoke(CHANNELS.copyText, window.webContents, OUR_FRAME, 'x')));
    expect(copies.filter((result) => (result as { ok: boolean }).ok)).toHaveLength(8);
    expect(copies.at(-1)).toEqual({ ok: false, error: TOO_MANY_COPIES_ERROR });
  });

  it('refuses to open a sneaky link even when asked directly', async () => {
    const window = await startReady();
    for (const url of ['https://bank.example@evil.example/', 'https://аpple.com/', 'https://x.example/a\u202Eb']) {
      const result = (await electron.ipcMain.invoke(CHANNELS.openLink, window.webContents, OUR_FRAME, url)) as { ok: boolean; error?: string };
      expect(result.ok, url).toBe(false);
    }
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
  });

  it('removes the leftovers of interrupted writes at start, and saves window sizes in order', async () => {
    const folder = path.join(userData, 'Tincan');
    await mkdir(folder, { recursive: true });
    const stale = path.join(folder, '.window-state.json.424242.0badc0de.tmp');
    await writeFile(stale, '{"width":');
    const window = await startReady();
    expect(existsSync(stale)).toBe(false);
    expect(logger.events()).toContain('removed files of interrupted writes');
    // Closing saves at once; many saves in a row land in the order they were made.
    for (let width = 700; width < 740; width += 1) {
      window.bounds = { x: 1, y: 2, width, height: 600 };
      window.emit('close', fakeEvent());
    }
    const file = path.join(folder, 'window-state.json');
    await waitUntil(() => existsSync(file), 'the window state');
    await waitUntil(() => {
      try {
        return (JSON.parse(readFileSync(file, 'utf8')) as { width: number }).width === 739;
      } catch {
        return false;
      }
    }, 'the last size saved');
    expect((await readdir(folder)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('single instance', () => {
  it('a second launch quits at once without a window', () => {
    electron.app.hasLock = false;
    const tincan = startTincan(electron as unknown as ElectronMain, MAIN_DIRECTORY, { discovery: null, createLogger: () => logger });
    expect(tincan.primary).toBe(false);
    expect(electron.app.quit).toHaveBeenCalledTimes(1);
    electron.app.ready();
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(electron.ipcMain.handlers.size).toBe(0);
  });

  it('the first instance comes forward when launched again', async () => {
    const window = await startReady();
    window.minimized = true;
    electron.app.emit('second-instance', fakeEvent(), ['tincan'], '/');
    expect(window.restore).toHaveBeenCalled();
    expect(window.focus).toHaveBeenCalled();
  });
});

describe('main/index.ts', () => {
  it('starts Tincan with the electron module it imports', async () => {
    const mocked = (await import('electron')) as unknown as FakeElectron;
    vi.spyOn(mocked.app, 'requestSingleInstanceLock').mockReturnValue(false);
    await import('../../main/index');
    expect(mocked.app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(mocked.app.quit).toHaveBeenCalled();
  });
});

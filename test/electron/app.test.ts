import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS, EVENTS_ACK_CHANNEL, EVENTS_CHANNEL, type BridgeEvent, type EventBatch } from '../../main/common/ipc-contract';
import { startTincan, type ElectronMain } from '../../main/electron/app';
import { RENDERER_URL } from '../../main/electron/app-protocol';
import { UNTRUSTED_SENDER_ERROR } from '../../main/electron/ipc';
import { MemoryLogger } from '../support/memory-logger';
import { freePort } from '../support/ports';
import { RawClient } from '../support/raw-client';
import { waitUntil } from '../support/wait';
import { createFakeElectron, fakeEvent, FakeBrowserWindow, FakeWebContents, type FakeElectron } from './fake-electron';

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

async function startReady(): Promise<FakeBrowserWindow> {
  const tincan = startTincan(electron as unknown as ElectronMain, MAIN_DIRECTORY, { createLogger: () => logger });
  expect(tincan.primary).toBe(true);
  electron.app.ready();
  await tincan.ready;
  const window = FakeBrowserWindow.instances[0];
  if (!window) throw new Error('no window');
  return window;
}

/** The events main sent to `window`, in order. */
function sentEvents(window: FakeBrowserWindow): BridgeEvent[] {
  return window.webContents.send.mock.calls.flatMap((call) => (call[0] === EVENTS_CHANNEL ? (call[1] as EventBatch).events : []));
}

/** Acknowledges every batch `window` gets, as the preload does once the page took it. */
function actLikeThePreload(window: FakeBrowserWindow): void {
  window.webContents.send.mockImplementation((channel: string, batch: EventBatch) => {
    if (channel === EVENTS_CHANNEL) setImmediate(() => electron.ipcMain.send(EVENTS_ACK_CHANNEL, window.webContents, OUR_FRAME, batch.id));
  });
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
      [CHANNELS.send, [{ text: ['hi'] }]],
      [CHANNELS.send, [{ text: 'hi' }, 'more']],
      [CHANNELS.copyText, [{}]],
      [CHANNELS.openLink, ['file:///etc/passwd']],
      [CHANNELS.openLink, ['javascript:alert(1)']],
      [CHANNELS.forgetRecentHost, [null]],
      [CHANNELS.getSnapshot, ['junk']],
      [CHANNELS.leave, [{}]],
      [CHANNELS.cancelJoin, [1]],
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
      value: { port, scope: 'local', shareAddresses: [`127.0.0.1:${port}`] },
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

describe('single instance', () => {
  it('a second launch quits at once without a window', () => {
    electron.app.hasLock = false;
    const tincan = startTincan(electron as unknown as ElectronMain, MAIN_DIRECTORY, { createLogger: () => logger });
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

/**
 * Wires the app together: single instance, hardening, the chat session with its history
 * (userData/history.sqlite, on a worker thread) and notifications, IPC, the window, and an
 * orderly shutdown (the session closes, so a hosted chat ends cleanly for everyone; then the
 * history stores what is pending and closes).
 *
 * Takes the Electron module as a parameter: main/index.ts passes the real one, tests a fake.
 */
import os from 'node:os';
import path from 'node:path';
import type * as ElectronModule from 'electron';
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { version as APP_VERSION } from '../../package.json';
import { EVENTS_CHANNEL } from '../common/ipc-contract';
import { firewallAdvice } from '../app/discovery/firewall';
import { HistoryService } from '../app/history/service';
import { JsonFilePreferencesStore } from '../app/preferences';
import { ChatSession, type ChatSessionOptions } from '../app/session';
import { DesktopAttention } from './attention';
import { registerIpcHandlers } from './ipc';
import { chooseTranscriptFile } from './save-transcript';
import { appPaths } from './paths';
import { installContentsHardening, installPermissionHandlers, isTrustedSender } from './security';
import { createMainWindow, focusWindow } from './window';
import { loadWindowState, saveWindowState } from './window-state';

export type ElectronMain = Pick<
  typeof ElectronModule,
  'app' | 'BrowserWindow' | 'ipcMain' | 'session' | 'clipboard' | 'shell' | 'screen' | 'dialog' | 'Notification' | 'nativeImage'
>;

/** The history database, in the app's data folder. */
export const HISTORY_FILE_NAME = 'history.sqlite';

export const APP_ID = 'org.tincan.app';
export const APP_NAME = 'Tincan';
/** Quitting waits this long at most for the chat to close before it gives up and exits. */
const SHUTDOWN_TIMEOUT_MS = 3000;

export interface TincanApp {
  /** False when another Tincan was already running: this one asked it to come forward and quits. */
  primary: boolean;
  /** Settles once the window exists (or startup failed; the error is logged). */
  ready: Promise<void>;
}

export interface TincanOptions {
  /**
   * LAN discovery and the firewall check; default: the machine's interfaces and real checks.
   * Tests pass null (nothing announced or looked for) or a loopback-only setup.
   */
  discovery?: Pick<ChatSessionOptions, 'discovery' | 'firewallCheck'> | null;
}

export function startTincan(electron: ElectronMain, mainDirectory: string, options: TincanOptions = {}): TincanApp {
  const { app } = electron;
  // The same userData folder (…/Tincan) in a dev checkout and in the packaged app, where
  // package.json's lowercase name would otherwise differ from the product name. Set first:
  // the single-instance lock lives in that folder.
  app.setName(APP_NAME);
  app.setPath('userData', path.join(app.getPath('appData'), APP_NAME));
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return { primary: false, ready: Promise.resolve() };
  }

  // Every renderer sandboxed, whatever options some future window is created with.
  app.enableSandbox();
  installContentsHardening(app);
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

  const paths = appPaths(mainDirectory);
  const ownWebContentsIds = new Set<number>();
  let mainWindow: BrowserWindow | null = null;
  let session: ChatSession | null = null;
  let history: HistoryService | null = null;
  let attention: DesktopAttention | null = null;
  let disposeIpc: (() => void) | null = null;
  let stopForwarding: (() => void) | null = null;

  app.on('second-instance', () => focusWindow(mainWindow));

  const windowStateFile = (): string => path.join(app.getPath('userData'), 'window-state.json');

  const openWindow = async (): Promise<void> => {
    const workAreas = electron.screen.getAllDisplays().map((display) => display.workArea);
    const state = await loadWindowState(windowStateFile(), workAreas);
    const window = createMainWindow({
      BrowserWindow: electron.BrowserWindow,
      paths,
      state,
      saveState: (bounds, maximized) => {
        saveWindowState(windowStateFile(), bounds, maximized).catch(() => undefined);
      },
    });
    const contentsId = window.webContents.id;
    ownWebContentsIds.add(contentsId);
    window.on('closed', () => {
      ownWebContentsIds.delete(contentsId);
      if (mainWindow === window) mainWindow = null;
    });
    mainWindow = window;
  };

  const ready = app.whenReady().then(async () => {
    installPermissionHandlers(electron.session.defaultSession, paths.rendererUrl);
    const discovery =
      options.discovery === undefined
        ? {
            discovery: { interfaces: os.networkInterfaces, appVersion: APP_VERSION },
            firewallCheck: (port: number, firstTime: boolean) => firewallAdvice({ port, platform: process.platform, firstLaunch: firstTime }),
          }
        : (options.discovery ?? {});
    const userData = app.getPath('userData');
    const preferences = new JsonFilePreferencesStore(path.join(userData, 'preferences.json'));
    // History opens with the retention the user chose last time ('session': nothing on disk).
    const { historyRetention } = await preferences.load();
    history = await HistoryService.open({ file: path.join(userData, HISTORY_FILE_NAME), retention: historyRetention });
    let chat: ChatSession | null = null;
    attention = new DesktopAttention({
      Notification: electron.Notification,
      app,
      nativeImage: electron.nativeImage,
      platform: process.platform,
      window: () => mainWindow,
      onNotificationClick: (seq) => {
        focusWindow(mainWindow);
        chat?.revealLine(seq);
      },
    });
    chat = new ChatSession({ preferences, history, attention, ...discovery });
    session = chat;
    disposeIpc = registerIpcHandlers({
      ipcMain: electron.ipcMain,
      session: chat,
      clipboard: electron.clipboard,
      shell: electron.shell,
      chooseTranscriptFile: (room) =>
        chooseTranscriptFile({ dialog: electron.dialog, window: () => mainWindow, defaultFolder: () => app.getPath('documents') }, room),
      isTrustedSender: (event: IpcMainInvokeEvent) => isTrustedSender(event, paths.rendererUrl, ownWebContentsIds),
    });
    stopForwarding = chat.onEvents((batch) => {
      const window = mainWindow;
      if (window === null || window.isDestroyed() || window.webContents.isDestroyed()) return;
      window.webContents.send(EVENTS_CHANNEL, batch);
    });
    app.on('activate', () => {
      if (mainWindow === null) openWindow().catch(reportStartupError);
    });
    await openWindow();
  });
  ready.catch(reportStartupError);

  app.on('window-all-closed', () => {
    // macOS keeps apps running with no window; the chat stays up until Quit.
    if (process.platform !== 'darwin') app.quit();
  });

  let shutDown = false;
  app.on('will-quit', (event) => {
    if (shutDown || session === null) return;
    event.preventDefault();
    shutDown = true;
    const closing = session.close().finally(() => {
      attention?.dispose();
      return history?.close();
    });
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref());
    void Promise.race([closing, timeout])
      .catch(() => undefined)
      .finally(() => {
        stopForwarding?.();
        disposeIpc?.();
        app.quit();
      });
  });

  return { primary: true, ready: ready.catch(() => undefined) };
}

function reportStartupError(error: unknown): void {
  // eslint-disable-next-line no-console -- startup failed before any window exists; the terminal is all there is
  console.error('Tincan could not start:', error);
}

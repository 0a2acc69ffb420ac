/**
 * Wires the app together: single instance, hardening (sandbox, our own menu, no devtools when
 * packaged, the app:// scheme, permissions denied), the log, the chat session with its history
 * (userData/history.sqlite, on a worker thread) and notifications, IPC, the window (reloaded
 * if its renderer dies), and an orderly shutdown (the session closes, so a hosted chat ends
 * cleanly for everyone; then the history stores what is pending and closes).
 *
 * Takes the Electron module as a parameter: main/index.ts passes the real one, tests a fake.
 */
import os from 'node:os';
import path from 'node:path';
import type * as ElectronModule from 'electron';
import type { BrowserWindow, IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { version as APP_VERSION } from '../../package.json';
import { EVENTS_CHANNEL } from '../common/ipc-contract';
import { firewallAdvice } from '../app/discovery/firewall';
import { HistoryService, type HistoryServiceOptions } from '../app/history/service';
import { JsonFileWriter, sweepStaleTempFiles } from '../app/json-file';
import type { Logger } from '../app/logger';
import { JsonFilePreferencesStore } from '../app/preferences';
import { JsonFileRoomPasswordStore } from '../app/room-passwords';
import { ChatSession, type ChatSessionOptions } from '../app/session';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol';
import { DesktopAttention } from './attention';
import { registerIpcHandlers } from './ipc';
import { createFileLogger } from './log';
import { menuTemplate } from './menu';
import { chooseTranscriptFile } from './save-transcript';
import { appPaths } from './paths';
import { installContentsHardening, installPermissionHandlers, isTrustedSender } from './security';
import { createMainWindow, focusWindow } from './window';
import { loadWindowState, saveWindowState } from './window-state';

export type ElectronMain = Pick<
  typeof ElectronModule,
  | 'app'
  | 'BrowserWindow'
  | 'ipcMain'
  | 'session'
  | 'clipboard'
  | 'shell'
  | 'screen'
  | 'dialog'
  | 'Notification'
  | 'nativeImage'
  | 'protocol'
  | 'Menu'
>;

/** The history database, in the app's data folder. */
export const HISTORY_FILE_NAME = 'history.sqlite';

export const APP_ID = 'org.tincan.app';
export const APP_NAME = 'Tincan';
/** Quitting waits this long at most for the chat to close (everyone told, the port freed). */
const SESSION_CLOSE_TIMEOUT_MS = 3000;
/**
 * Then this long at most for the history to store what is pending; what it could not is
 * counted, and the next start says how many lines that was.
 */
const HISTORY_FLUSH_TIMEOUT_MS = 3000;
/** The last resort, should closing hang anyway: quit regardless. */
const SHUTDOWN_TIMEOUT_MS = SESSION_CLOSE_TIMEOUT_MS + HISTORY_FLUSH_TIMEOUT_MS + 2000;
/** A renderer that dies this many times within RELOAD_WINDOW_MS is not reloaded again. */
export const MAX_RENDERER_RELOADS = 3;
const RELOAD_WINDOW_MS = 60_000;
/** Files in userData written through json-file.ts (their interrupted writes are swept at start). */
const USER_DATA_FILES = ['preferences.json', 'window-state.json', 'room-passwords.json'] as const;

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
  /** The log; default: electron-log into `main.log` in the app's log folder. */
  createLogger?: (logsDirectory: string, packaged: boolean) => Logger;
  /** How far the history may fall behind (HistoryService's defaults); tests make it small. */
  historyBacklog?: Pick<HistoryServiceOptions, 'maxPendingBytes' | 'highWaterBytes' | 'lowWaterBytes'>;
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
  // Only possible before 'ready': the page's scheme must be privileged from the start.
  electron.protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

  // The log folder: …/Tincan/logs (Linux, Windows), ~/Library/Logs/Tincan (macOS).
  app.setAppLogsPath();
  const logsDirectory = app.getPath('logs');
  const packaged = app.isPackaged;
  const logger = (options.createLogger ?? ((directory, isPackaged) => createFileLogger(directory, { console: !isPackaged })))(
    logsDirectory,
    packaged,
  );
  logger.info('started', { version: app.getVersion(), packaged, platform: process.platform });

  // Every renderer sandboxed, whatever options some future window is created with.
  app.enableSandbox();
  installContentsHardening(app);
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

  const paths = appPaths(mainDirectory);
  const userData = app.getPath('userData');
  const windowStateFile = new JsonFileWriter(path.join(userData, 'window-state.json'));
  const ownWebContentsIds = new Set<number>();
  let mainWindow: BrowserWindow | null = null;
  let session: ChatSession | null = null;
  let history: HistoryService | null = null;
  let attention: DesktopAttention | null = null;
  let disposeIpc: (() => void) | null = null;
  /** The first notification the system refused is logged; the rest would say the same. */
  let notificationFailureLogged = false;
  let stopForwarding: (() => void) | null = null;
  const rendererReloads: number[] = [];
  /** Set once the app is ready and its parts exist: before that no window may be opened. */
  let windowsAllowed = false;
  let opening: Promise<BrowserWindow> | null = null;

  /**
   * Brings the window forward, opening it when there is none (macOS keeps running with its
   * window closed; a second launch or a notification click must still show something).
   * Resolves with the window, newly opened or not, or null before the app is ready.
   */
  const showWindow = async (): Promise<{ window: BrowserWindow; opened: boolean } | null> => {
    if (!windowsAllowed) return null;
    if (mainWindow !== null && !mainWindow.isDestroyed()) {
      focusWindow(mainWindow);
      return { window: mainWindow, opened: false };
    }
    opening ??= openWindow().finally(() => {
      opening = null;
    });
    return { window: await opening, opened: true };
  };
  const showWindowOrLog = (): void => {
    showWindow().catch((error: unknown) => reportStartupError(logger, error));
  };

  app.on('second-instance', showWindowOrLog);
  app.on('child-process-gone', (_event, details) => {
    logger.error('child process gone', { type: details.type, reason: details.reason, exitCode: details.exitCode });
  });

  /** The renderer died: the window loads the page again, which restores the room from the snapshot. */
  const recover = (window: BrowserWindow, reason: string): void => {
    // Whatever was in flight to the dead renderer is lost; the new page reads a snapshot.
    session?.resetDelivery();
    if (reason === 'clean-exit' || window.isDestroyed()) return;
    const now = Date.now();
    while (rendererReloads.length > 0 && now - rendererReloads[0]! > RELOAD_WINDOW_MS) rendererReloads.shift();
    if (rendererReloads.length >= MAX_RENDERER_RELOADS) {
      logger.error('renderer keeps dying; not reloading', { reloads: rendererReloads.length });
      return;
    }
    rendererReloads.push(now);
    logger.info('reloading the window', { reason });
    window.loadURL(paths.rendererUrl).catch((error: unknown) => {
      logger.error('reload failed', { message: error instanceof Error ? error.message : String(error) });
    });
  };

  const openWindow = async (): Promise<BrowserWindow> => {
    const workAreas = electron.screen.getAllDisplays().map((display) => display.workArea);
    const state = await loadWindowState(windowStateFile.filePath, workAreas);
    const window = createMainWindow({
      BrowserWindow: electron.BrowserWindow,
      paths,
      state,
      devTools: !packaged,
      saveState: (bounds, maximized) => {
        saveWindowState(windowStateFile, bounds, maximized).catch((error: unknown) => {
          logger.warn('window state not saved', { message: error instanceof Error ? error.message : String(error) });
        });
      },
    });
    const contents = window.webContents;
    const contentsId = contents.id;
    ownWebContentsIds.add(contentsId);
    contents.on('render-process-gone', (_event, details) => {
      logger.error('renderer gone', { reason: details.reason, exitCode: details.exitCode });
      recover(window, details.reason);
    });
    // A page that (re)loads starts from a snapshot: batches sent before it listened are not coming back.
    contents.on('did-finish-load', () => session?.resetDelivery());
    window.on('unresponsive', () => logger.warn('window unresponsive', {}));
    window.on('responsive', () => logger.info('window responsive again', {}));
    window.on('closed', () => {
      ownWebContentsIds.delete(contentsId);
      if (mainWindow === window) mainWindow = null;
    });
    // Windows: log-off and shutdown end the process without 'before-quit' or 'will-quit'.
    // The first warning is the time to close the room and store the history.
    window.on('query-session-end', () => endBeforeSessionEnds('query-session-end'));
    window.on('session-end', () => endBeforeSessionEnds('session-end'));
    mainWindow = window;
    return window;
  };

  const ready = app.whenReady().then(async () => {
    electron.protocol.handle(APP_SCHEME, createAppProtocolHandler(paths.rendererDirectory));
    electron.Menu.setApplicationMenu(
      electron.Menu.buildFromTemplate(
        menuTemplate({
          packaged,
          platform: process.platform,
          openLogFolder: () => {
            electron.shell.openPath(logsDirectory).catch(() => undefined);
          },
        }),
      ),
    );
    installPermissionHandlers(electron.session.defaultSession, paths.rendererUrl);
    const swept = await sweepStaleTempFiles(userData, USER_DATA_FILES);
    if (swept.length > 0) logger.info('removed files of interrupted writes', { count: swept.length });
    const discovery =
      options.discovery === undefined
        ? {
            discovery: { interfaces: os.networkInterfaces, appVersion: APP_VERSION },
            firewallCheck: (port: number, firstTime: boolean) => firewallAdvice({ port, platform: process.platform, firstLaunch: firstTime }),
          }
        : (options.discovery ?? {});
    const preferences = new JsonFilePreferencesStore(path.join(userData, 'preferences.json'));
    // History opens with the retention the user chose last time ('session': nothing on disk).
    const loadedPreferences = await preferences.load();
    history = await HistoryService.open({
      file: path.join(userData, HISTORY_FILE_NAME),
      retention: loadedPreferences.historyRetention,
      ...options.historyBacklog,
    });
    const historyStatus = history.status;
    if (!historyStatus.available) logger.warn('history unavailable', { reason: historyStatus.reason });
    attention = new DesktopAttention({
      Notification: electron.Notification,
      app,
      nativeImage: electron.nativeImage,
      platform: process.platform,
      window: () => mainWindow,
      onNotificationClick: (seq) => {
        showWindow()
          .then((shown) => {
            if (shown === null) return;
            // A window just opened shows the line once its page is there to take the event.
            if (shown.opened) shown.window.webContents.once('did-finish-load', () => session?.revealLine(seq));
            else session?.revealLine(seq);
          })
          .catch((error: unknown) => reportStartupError(logger, error));
      },
      onNotificationFailed: (error) => {
        if (!notificationFailureLogged) logger.warn('notification not shown', { error: error.slice(0, 200) });
        notificationFailureLogged = true;
        session?.reportNotificationProblem(notificationProblemSentence(process.platform));
      },
    });
    // The host's TLS key and certificate (tls-key.pem owner-only), so a room keeps its fingerprint
    // across restarts; the same folder headless uses by default, so this computer has one key.
    const roomPasswords = new JsonFileRoomPasswordStore(path.join(userData, 'room-passwords.json'));
    const chat = new ChatSession({ preferences, loadedPreferences, history, attention, logger, certificateDir: userData, roomPasswords, ...discovery });
    session = chat;
    disposeIpc = registerIpcHandlers({
      ipcMain: electron.ipcMain,
      session: chat,
      clipboard: electron.clipboard,
      shell: electron.shell,
      chooseTranscriptFile: (room) =>
        chooseTranscriptFile({ dialog: electron.dialog, window: () => mainWindow, defaultFolder: () => app.getPath('documents') }, room),
      isTrustedSender: (event: IpcMainInvokeEvent | IpcMainEvent) => isTrustedSender(event, paths.rendererUrl, ownWebContentsIds),
    });
    stopForwarding = chat.onEvents((batch) => {
      const window = mainWindow;
      if (window === null || window.isDestroyed() || window.webContents.isDestroyed()) {
        // No window to show it (macOS keeps running without one): nothing to wait for. The
        // history still holds the socket back when it falls behind (the session's other brake).
        chat.acknowledge(batch.id);
        return;
      }
      window.webContents.send(EVENTS_CHANNEL, batch);
    });
    windowsAllowed = true;
    app.on('activate', () => {
      if (mainWindow === null) showWindowOrLog();
    });
    await showWindow();
  });
  ready.catch((error: unknown) => reportStartupError(logger, error));

  app.on('window-all-closed', () => {
    // macOS keeps apps running with no window; the chat stays up until Quit.
    if (process.platform !== 'darwin') app.quit();
  });

  let shutDown = false;
  /**
   * Closes the chat (a hosted room ends cleanly for everyone), then the history (pending lines
   * are stored), within SHUTDOWN_TIMEOUT_MS, then quits. Once only; false when there is
   * nothing to close (not started yet, or already closing).
   */
  const shutDownThenQuit = (reason: string): boolean => {
    if (shutDown || session === null) return false;
    shutDown = true;
    logger.info('quitting', { reason });
    const sessionTimeout = new Promise<void>((resolve) => setTimeout(resolve, SESSION_CLOSE_TIMEOUT_MS).unref());
    // The history closes after the session (which posts its last lines) or once the session ran out of time.
    const closing = Promise.race([session.close(), sessionTimeout])
      .catch(() => undefined)
      .then(() => {
        attention?.dispose();
        return history?.close({ flushTimeoutMs: HISTORY_FLUSH_TIMEOUT_MS });
      });
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref());
    void Promise.race([closing, timeout])
      .catch(() => undefined)
      .finally(() => {
        stopForwarding?.();
        disposeIpc?.();
        app.quit();
      });
    return true;
  };
  /** Windows is logging off or shutting down: nothing asked Tincan to quit, so start now. */
  const endBeforeSessionEnds = (reason: string): void => {
    shutDownThenQuit(reason);
  };
  app.on('will-quit', (event) => {
    if (shutDownThenQuit('quit')) event.preventDefault();
  });

  return { primary: true, ready: ready.catch(() => undefined) };
}

/** What Settings says when the system would not show a notification. */
export function notificationProblemSentence(platform: NodeJS.Platform): string {
  if (platform === 'darwin') {
    return 'macOS did not show Tincan’s notifications: it shows them only for a signed app, and this build is not signed. The Dock badge and the window title still count unread messages.';
  }
  if (platform === 'win32') {
    return 'Windows did not show Tincan’s notifications. Windows shows them for an installed Tincan (with its Start-menu shortcut); also check Settings → System → Notifications. The taskbar and the window title still count unread messages.';
  }
  return 'The desktop did not show Tincan’s notifications (is a notification service running?). The window title still counts unread messages.';
}

function reportStartupError(logger: Logger, error: unknown): void {
  logger.error('could not start', { message: error instanceof Error ? error.message : String(error) });
  // eslint-disable-next-line no-console -- startup failed before any window exists; the terminal is all there is
  console.error('Tincan could not start:', error);
}

/** The one Tincan window: secure preferences, our page loaded from disk, size remembered. */
import type { BrowserWindow as ElectronBrowserWindow, BrowserWindowConstructorOptions, Rectangle } from 'electron';
import type { AppPaths } from './paths';
import { hardenWebContents, secureWebPreferences } from './security';
import { MIN_WINDOW_SIZE, type WindowState } from './window-state';

export type BrowserWindowClass = new (options: BrowserWindowConstructorOptions) => ElectronBrowserWindow;

export interface MainWindowDependencies {
  BrowserWindow: BrowserWindowClass;
  paths: AppPaths;
  state: WindowState;
  /** Called (debounced) when the window moves or resizes, and when it closes. */
  saveState: (bounds: Rectangle, maximized: boolean) => void;
}

/** Moves and resizes come in floods while dragging; one save after the user lets go is enough. */
const SAVE_DELAY_MS = 500;

export function mainWindowOptions(paths: AppPaths, state: WindowState): BrowserWindowConstructorOptions {
  return {
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Tincan',
    show: false,
    webPreferences: secureWebPreferences(paths.preload),
  };
}

export function createMainWindow({ BrowserWindow, paths, state, saveState }: MainWindowDependencies): ElectronBrowserWindow {
  const window = new BrowserWindow(mainWindowOptions(paths, state));
  // web-contents-created hardens it too; doing it here as well keeps the window safe even
  // if that app-wide hook was never installed.
  hardenWebContents(window.webContents);
  if (state.maximized) window.maximize();

  let saveTimer: NodeJS.Timeout | null = null;
  const saveNow = (): void => {
    if (saveTimer !== null) clearTimeout(saveTimer);
    saveTimer = null;
    if (window.isDestroyed()) return;
    saveState(window.getNormalBounds(), window.isMaximized());
  };
  const saveSoon = (): void => {
    if (saveTimer !== null) clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, SAVE_DELAY_MS);
  };
  window.on('resized', saveSoon);
  window.on('moved', saveSoon);
  window.on('maximize', saveSoon);
  window.on('unmaximize', saveSoon);
  window.on('close', saveNow);
  window.on('closed', () => {
    if (saveTimer !== null) clearTimeout(saveTimer);
    saveTimer = null;
  });

  let shown = false;
  const showOnce = (): void => {
    if (shown || window.isDestroyed()) return;
    shown = true;
    window.show();
  };
  window.once('ready-to-show', showOnce);
  // A page that fails to load still gets a visible window rather than a ghost process.
  window.loadFile(paths.rendererIndex).then(showOnce, showOnce);
  return window;
}

/** Brings the window to the front, e.g. when Tincan is launched a second time. */
export function focusWindow(window: ElectronBrowserWindow | null): void {
  if (window === null || window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  if (!window.isVisible()) window.show();
  window.focus();
}

/** The one Tincan window: secure preferences, our page from app://, size remembered. */
import type { BrowserWindow as ElectronBrowserWindow, BrowserWindowConstructorOptions, Rectangle } from 'electron';
import type { AppPaths } from './paths';
import { hardenWebContents } from './security';
import { MIN_WINDOW_SIZE, type WindowState } from './window-state';

export type BrowserWindowClass = new (options: BrowserWindowConstructorOptions) => ElectronBrowserWindow;

export interface MainWindowDependencies {
  BrowserWindow: BrowserWindowClass;
  paths: AppPaths;
  state: WindowState;
  /** Developer tools can be opened (a dev checkout; never a packaged build). */
  devTools: boolean;
  /** Called (debounced) when the window moves or resizes, and when it closes. */
  saveState: (bounds: Rectangle, maximized: boolean) => void;
}

/** Moves and resizes come in floods while dragging; one save after the user lets go is enough. */
const SAVE_DELAY_MS = 500;

/** Where and how big the window opens; the rest of its options are fixed in createMainWindow. */
export function windowPlacement(state: WindowState): Pick<BrowserWindowConstructorOptions, 'x' | 'y' | 'width' | 'height'> {
  return {
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
  };
}

export function createMainWindow({ BrowserWindow, paths, state, devTools, saveState }: MainWindowDependencies): ElectronBrowserWindow {
  // The security options stay literal, right here, so reviewers and static checkers
  // (electronegativity) see exactly what the window runs with.
  const window = new BrowserWindow({
    ...windowPlacement(state),
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Tincan',
    show: false,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools,
      preload: paths.preload,
    },
  });
  // web-contents-created hardens it too; doing it here as well keeps the window safe even
  // if that app-wide hook was never installed.
  hardenWebContents(window.webContents);

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
  // 'resize' and 'move', not 'resized' and 'moved', which Linux never emits: the saves are debounced anyway.
  window.on('resize', saveSoon);
  window.on('move', saveSoon);
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
    holdPageMinimum(window);
    // maximize() shows a hidden window at once, before the page is painted (a white flash): so only here.
    if (state.maximized) window.maximize();
    window.show();
  };
  window.once('ready-to-show', showOnce);
  // A page that fails to load still gets a visible window rather than a ghost process.
  window.loadURL(paths.rendererUrl).then(showOnce, showOnce);
  return window;
}

/**
 * minWidth/minHeight bound the outer window, frame and title bar included; the layout was
 * checked at MIN_WINDOW_SIZE for the page itself (test/e2e/small-screen.test.ts), so the
 * minimum grows by whatever the frame takes on this system.
 */
export function holdPageMinimum(window: Pick<ElectronBrowserWindow, 'getSize' | 'getContentSize' | 'setMinimumSize'>): void {
  const [outerWidth = 0, outerHeight = 0] = window.getSize();
  const [pageWidth = 0, pageHeight = 0] = window.getContentSize();
  // A frame is a few dozen pixels at most; anything else is a window not laid out yet.
  const frameWidth = Math.min(Math.max(outerWidth - pageWidth, 0), 100);
  const frameHeight = Math.min(Math.max(outerHeight - pageHeight, 0), 100);
  window.setMinimumSize(MIN_WINDOW_SIZE.width + frameWidth, MIN_WINDOW_SIZE.height + frameHeight);
}

/** Brings the window to the front, e.g. when Tincan is launched a second time. */
export function focusWindow(window: ElectronBrowserWindow | null): void {
  if (window === null || window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  if (!window.isVisible()) window.show();
  window.focus();
}

/**
 * A small stand-in for the parts of Electron's main-process API Tincan uses. The real
 * module cannot load here (no Electron binary); these fakes record what the app asked for
 * and let tests fire the events Electron would.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import type { NativeImage } from 'electron';
import { EVENTS_ACK_CHANNEL, EVENTS_CHANNEL, type BridgeEvent, type EventBatch } from '../../main/common/ipc-contract';
import { vi } from 'vitest';

export interface FakeEvent {
  preventDefault: () => void;
  defaultPrevented: boolean;
}

export function fakeEvent(): FakeEvent {
  const event: FakeEvent = {
    defaultPrevented: false,
    preventDefault: () => {
      event.defaultPrevented = true;
    },
  };
  return event;
}

let nextContentsId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  url = '';
  destroyed = false;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly send = vi.fn();

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  getURL(): string {
    return this.url;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static readonly instances: FakeBrowserWindow[] = [];
  /** While true, pages never finish loading (a test then fires 'ready-to-show' itself). */
  static pagesHang = false;
  readonly webContents = new FakeWebContents();
  readonly loadURL = vi.fn(async (url: string) => {
    this.webContents.url = url;
    if (FakeBrowserWindow.pagesHang) return new Promise<void>(() => undefined);
    // What a real page does once loaded: the shell listens for it.
    setImmediate(() => this.webContents.emit('did-finish-load'));
  });
  readonly focus = vi.fn();
  readonly show = vi.fn(() => {
    this.visible = true;
  });
  readonly restore = vi.fn(() => {
    this.minimized = false;
  });
  /** Like Electron's, it also shows a hidden window. */
  readonly maximize = vi.fn(() => {
    this.maximized = true;
    this.visible = true;
  });
  minimized = false;
  visible = false;
  maximized = false;
  destroyed = false;
  bounds = { x: 10, y: 20, width: 900, height: 650 };
  /** What the frame and title bar take: the page is this much smaller than the window. */
  frame = { width: 0, height: 28 };
  readonly setMinimumSize = vi.fn();

  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
  }

  isMinimized(): boolean {
    return this.minimized;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getSize(): number[] {
    return [this.bounds.width, this.bounds.height];
  }
  getContentSize(): number[] {
    return [this.bounds.width - this.frame.width, this.bounds.height - this.frame.height];
  }
  getNormalBounds(): { x: number; y: number; width: number; height: number } {
    return { ...this.bounds };
  }
  /** What closing the window does in Electron: 'close', then 'closed', then it is gone. */
  simulateClose(): void {
    this.emit('close', fakeEvent());
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

type InvokeHandler = (event: unknown, ...args: unknown[]) => unknown;

export class FakeIpcMain {
  readonly handlers = new Map<string, InvokeHandler>();
  /** Listeners of `ipcMain.on` (fire-and-forget messages from renderers). */
  readonly messages = new EventEmitter();

  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): void {
    this.messages.on(channel, listener);
  }

  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): void {
    this.messages.removeListener(channel, listener);
  }

  /** What ipcRenderer.send(channel, ...args) from `sender` would do. */
  send(channel: string, sender: { id: number }, frame: { url: string; parent: unknown } | null, ...args: unknown[]): void {
    this.messages.emit(channel, { sender, senderFrame: frame }, ...args);
  }

  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** What ipcRenderer.invoke(channel, ...args) from `sender` would do. */
  async invoke(
    channel: string,
    sender: { id: number },
    frame: { url: string; parent: unknown } | null,
    ...args: unknown[]
  ): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ sender, senderFrame: frame }, ...args);
  }
}

export class FakeApp extends EventEmitter {
  hasLock = true;
  isPackaged = false;
  readonly getVersion = vi.fn(() => '0.0.0-test');
  readonly setAppLogsPath = vi.fn(() => {
    this.logsPath = path.join(this.userDataPath, 'logs');
  });
  logsPath = '';
  readonly quit = vi.fn(() => {
    const event = fakeEvent();
    this.emit('will-quit', event);
    if (!event.defaultPrevented) this.exited = true;
  });
  exited = false;
  readonly enableSandbox = vi.fn();
  readonly setName = vi.fn();
  readonly setAppUserModelId = vi.fn();
  readonly userData: string;
  private readonly readiness: Promise<void>;
  private markReady: () => void = () => undefined;

  constructor(userData: string) {
    super();
    this.userData = userData;
    this.userDataPath = userData;
    this.readiness = new Promise((resolve) => {
      this.markReady = resolve;
    });
  }

  requestSingleInstanceLock(): boolean {
    return this.hasLock;
  }
  whenReady(): Promise<void> {
    return this.readiness;
  }
  /** The dock/launcher badge, as app.setBadgeCount set it. */
  badgeCount = 0;
  readonly setBadgeCount = vi.fn((count: number) => {
    this.badgeCount = count;
    return true;
  });
  /** Tests pass userData; appData is its parent so that appData/Tincan is inside it. */
  getPath(name: string): string {
    if (name === 'userData') return this.userDataPath;
    if (name === 'appData') return this.userData;
    if (name === 'documents') return this.userData;
    if (name === 'logs' && this.logsPath !== '') return this.logsPath;
    throw new Error(`unexpected getPath(${name})`);
  }
  readonly setPath = vi.fn((name: string, value: string) => {
    if (name !== 'userData') throw new Error(`unexpected setPath(${name})`);
    this.userDataPath = value;
  });
  userDataPath: string;
  isReady = false;
  /** Electron becoming ready. */
  ready(): void {
    this.isReady = true;
    this.markReady();
  }
}

export interface FakeSession {
  requestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void, details: Record<string, unknown>) => void) | null;
  checkHandler: ((contents: unknown, permission: string, origin: string, details: Record<string, unknown>) => boolean) | null;
  deviceHandler: ((details: Record<string, unknown>) => boolean) | null;
  setPermissionRequestHandler: (handler: FakeSession['requestHandler']) => void;
  setPermissionCheckHandler: (handler: FakeSession['checkHandler']) => void;
  setDevicePermissionHandler: (handler: FakeSession['deviceHandler']) => void;
}

/** Electron's protocol module: privileged schemes (before ready) and handlers. */
export class FakeProtocol {
  readonly privileged: { scheme: string; privileges?: Record<string, unknown> }[] = [];
  readonly handlers = new Map<string, (request: Request) => Promise<Response>>();
  /** Whether 'ready' had happened when the schemes were registered (Electron throws then). */
  registeredAfterReady = false;
  constructor(private readonly app: FakeApp) {}
  readonly registerSchemesAsPrivileged = vi.fn((schemes: { scheme: string; privileges?: Record<string, unknown> }[]) => {
    if (this.app.isReady) this.registeredAfterReady = true;
    this.privileged.push(...schemes);
  });
  readonly handle = vi.fn((scheme: string, handler: (request: Request) => Promise<Response>) => {
    this.handlers.set(scheme, handler);
  });
}

/** Electron's Menu: records the application menu's template. */
export class FakeMenu {
  template: Record<string, unknown>[] | null = null;
  readonly buildFromTemplate = vi.fn((template: Record<string, unknown>[]) => ({ template }));
  readonly setApplicationMenu = vi.fn((menu: { template: Record<string, unknown>[] } | null) => {
    this.template = menu?.template ?? null;
  });
}

export function createFakeElectron(userData = path.join(os.tmpdir(), `tincan-fake-${process.pid}-${Date.now()}`)) {
  const defaultSession: FakeSession = {
    requestHandler: null,
    checkHandler: null,
    deviceHandler: null,
    setPermissionRequestHandler(handler) {
      defaultSession.requestHandler = handler;
    },
    setPermissionCheckHandler(handler) {
      defaultSession.checkHandler = handler;
    },
    setDevicePermissionHandler(handler) {
      defaultSession.deviceHandler = handler;
    },
  };
  const app = new FakeApp(userData);
  return {
    app,
    BrowserWindow: FakeBrowserWindow,
    ipcMain: new FakeIpcMain(),
    session: { defaultSession },
    protocol: new FakeProtocol(app),
    Menu: new FakeMenu(),
    clipboard: { writeText: vi.fn() },
    shell: { openExternal: vi.fn(async () => undefined), openPath: vi.fn(async () => '') },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    Notification: FakeNotification,
    nativeImage: fakeNativeImage(),
    /** Answers Cancel unless a test sets `dialog.answer` to a path. */
    dialog: fakeSaveDialogWithAnswer(),
    // Renderer-side pieces, for the preload.
    contextBridge: { exposeInMainWorld: vi.fn() },
    ipcRenderer: { invoke: vi.fn(async () => ({ ok: true, value: null })), send: vi.fn(), on: vi.fn(), removeListener: vi.fn() },
  };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;

/** The events main sent to `window`, in order. */
export function sentEvents(window: FakeBrowserWindow): BridgeEvent[] {
  return window.webContents.send.mock.calls.flatMap((call) => (call[0] === EVENTS_CHANNEL ? (call[1] as EventBatch).events : []));
}

/** Acknowledges every batch `window` gets from now on, as the preload does once the page took it. */
export function acknowledgeBatches(electron: FakeElectron, window: FakeBrowserWindow, frame: { url: string; parent: unknown }): void {
  const acknowledge = (channel: string, batch: EventBatch): void => {
    if (channel === EVENTS_CHANNEL) setImmediate(() => electron.ipcMain.send(EVENTS_ACK_CHANNEL, window.webContents, frame, batch.id));
  };
  // A batch main sent before the page was listening (a busy machine gets there first) is taken
  // now, as the preload takes what was queued: unacknowledged, it would hold every later one back.
  for (const [channel, batch] of window.webContents.send.mock.calls as [string, EventBatch][]) acknowledge(channel, batch);
  window.webContents.send.mockImplementation(acknowledge);
}

// ---- attention: notifications, badge, overlay, flashing; the save dialog ------------------

/** Electron's Notification: records every one made, shown and closed; tests fire 'click'. */
export class FakeNotification extends EventEmitter {
  static readonly instances: FakeNotification[] = [];
  static supported = true;
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  static reset(): void {
    FakeNotification.instances.length = 0;
    FakeNotification.supported = true;
  }
  shown = false;
  closed = false;
  constructor(readonly options: { title?: string; body?: string; silent?: boolean }) {
    super();
    FakeNotification.instances.push(this);
  }
  show(): void {
    this.shown = true;
  }
  close(): void {
    this.closed = true;
  }
}

/** The window methods the attention adapter uses. */
export class FakeAttentionWindow {
  destroyed = false;
  readonly flashFrame = vi.fn();
  readonly setOverlayIcon = vi.fn();
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

/** nativeImage.createFromDataURL, recording the data URLs it was given. */
export function fakeNativeImage() {
  return { createFromDataURL: vi.fn((dataUrl: string) => ({ dataUrl, isEmpty: () => false }) as unknown as NativeImage) };
}

/** dialog.showSaveDialog answering with `answer` (a path, or null for Cancel). */
export function fakeSaveDialog(answer: string | null): { showSaveDialog: ReturnType<typeof vi.fn> } {
  return {
    showSaveDialog: vi.fn(async () => (answer === null ? { canceled: true, filePath: '' } : { canceled: false, filePath: answer })),
  };
}

/** A save dialog whose answer a test sets later (`dialog.answer = path`); Cancel until then. */
export function fakeSaveDialogWithAnswer(): { answer: string | null; showSaveDialog: ReturnType<typeof vi.fn> } {
  const dialog = {
    answer: null as string | null,
    showSaveDialog: vi.fn(async () =>
      dialog.answer === null ? { canceled: true, filePath: '' } : { canceled: false, filePath: dialog.answer },
    ),
  };
  return dialog;
}

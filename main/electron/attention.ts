/**
 * Getting the user's attention, Electron's way: the thin adapter that carries out what the
 * notification policy (main/app/notifications/policy.ts) decides. Desktop notifications
 * (one at a time: a new one closes the last), the unread count on the dock/taskbar badge
 * (`app.setBadgeCount` where the platform has one, an overlay icon on Windows), and
 * flashing the taskbar entry.
 */
import type { App, BrowserWindow, NativeImage, NotificationConstructorOptions } from 'electron';
import type { DesktopNotification, NotificationEffects, UnreadState } from '../app/notifications/policy';

/** The parts of Electron's Notification used here. */
export interface NotificationLike {
  show(): void;
  close(): void;
  on(event: 'click', listener: () => void): unknown;
  /** The system would not show it (macOS: the app is not signed; Windows: no shortcut with the app's id). */
  on(event: 'failed', listener: (event: unknown, error: string) => void): unknown;
}

export interface NotificationClass {
  new (options: NotificationConstructorOptions): NotificationLike;
  isSupported(): boolean;
}

export type AttentionWindow = Pick<BrowserWindow, 'isDestroyed' | 'flashFrame' | 'setOverlayIcon'>;

export interface AttentionDependencies {
  Notification: NotificationClass;
  app: Pick<App, 'setBadgeCount'>;
  nativeImage: { createFromDataURL(dataUrl: string): NativeImage };
  platform: NodeJS.Platform;
  /** The window to flash and badge (null while none is open). */
  window: () => AttentionWindow | null;
  /** A notification was clicked: bring the window forward at this line. */
  onNotificationClick: (lineId: number) => void;
  /** The system did not show a notification; `error` is its own words (untrusted, unbounded). */
  onNotificationFailed: (error: string) => void;
}

/** A 16×16 red dot, the Windows taskbar overlay for "unread". */
const UNREAD_OVERLAY =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAZ0lEQVR42mO4qavAQAnGJigLxB1AfBmIf0HxZaiYLCEDUqAa/uPAv6BqsBqQgkcjOk5BN0CWgM3YXCKLbEAHCZphuAPZgMtkGHAZ2YBfZBjwi6oGUOwFigOR4mikOCFRJSlTJTORjAGmfMAUL3gDFwAAAABJRU5ErkJggg==';

export class DesktopAttention implements NotificationEffects {
  private current: NotificationLike | null = null;
  private overlay: NativeImage | null = null;
  private disposed = false;

  constructor(private readonly deps: AttentionDependencies) {}

  notify(notification: DesktopNotification): void {
    if (this.disposed || !this.deps.Notification.isSupported()) return;
    this.closeCurrent();
    const shown = new this.deps.Notification({ title: notification.title, body: notification.body, silent: false });
    shown.on('click', () => {
      if (this.current === shown) this.current = null;
      this.deps.onNotificationClick(notification.lineId);
    });
    shown.on('failed', (_event, error) => {
      if (this.current === shown) this.current = null;
      this.deps.onNotificationFailed(typeof error === 'string' ? error : '');
    });
    // Kept referenced: Electron drops the click handler of a notification that was collected.
    this.current = shown;
    shown.show();
  }

  unread(state: UnreadState): void {
    if (this.disposed) return;
    if (this.deps.platform === 'win32') {
      const window = this.liveWindow();
      if (window === null) return;
      if (state.count === 0) {
        window.setOverlayIcon(null, '');
      } else {
        this.overlay ??= this.deps.nativeImage.createFromDataURL(UNREAD_OVERLAY);
        window.setOverlayIcon(this.overlay, `${state.badge} unread ${state.count === 1 ? 'message' : 'messages'}`);
      }
      return;
    }
    // The macOS dock; on Linux, launchers that read the LauncherEntry D-Bus API (Ubuntu's dock,
    // Dash to Dock, KDE Plasma) for the .desktop file package.json's desktopName names.
    // Elsewhere it answers false.
    this.deps.app.setBadgeCount(state.count);
  }

  flash(on: boolean): void {
    if (this.disposed) return;
    this.liveWindow()?.flashFrame(on);
  }

  /** Closes a notification still on screen and clears the badge. */
  dispose(): void {
    if (this.disposed) return;
    this.unread({ count: 0, mentions: 0, firstUnreadLineId: null, badge: '' });
    this.flash(false);
    this.closeCurrent();
    this.disposed = true;
  }

  private closeCurrent(): void {
    const current = this.current;
    this.current = null;
    current?.close();
  }

  private liveWindow(): AttentionWindow | null {
    const window = this.deps.window();
    return window === null || window.isDestroyed() ? null : window;
  }
}

/**
 * Hardening of every renderer (the window's own web preferences are in window.ts): navigation and pop-up blocking,
 * permission handling and the checks that an IPC call comes from our own page.
 *
 * Everything takes the Electron objects it works on as parameters so tests can pass fakes.
 */
import type { App, Session, WebContents } from 'electron';

/**
 * Permissions a page of ours may use: none. Tincan uses no camera, microphone, location,
 * clipboard reading or devices; whatever it does not use is denied, to our own page too.
 * Desktop notifications need no page permission either: main shows them with Electron's
 * main-process Notification (main/electron/attention.ts), never the page's web Notification,
 * so 'notifications' is denied like the rest.
 */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set();

/** `url` without its query and fragment, or null when it does not parse. */
function withoutQueryAndHash(url: string): string | null {
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    return parsed.href;
  } catch {
    return null;
  }
}

/** True when `url` is our renderer page (query string and fragment aside: the page may route with them). */
export function isOwnPageUrl(url: string, rendererUrl: string): boolean {
  const page = withoutQueryAndHash(url);
  return page !== null && page === withoutQueryAndHash(rendererUrl);
}

/** The part of an IPC event we look at; matches Electron's IpcMainInvokeEvent. */
export interface SenderEvent {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

/**
 * An IPC call is ours when it comes from the top frame of a window we created, showing our
 * page. A frame that navigated away (blocked anyway), an iframe, or another webContents fails.
 */
export function isTrustedSender(
  event: SenderEvent,
  rendererUrl: string,
  ownWebContentsIds: ReadonlySet<number>,
): boolean {
  try {
    const frame = event.senderFrame;
    if (!frame) return false;
    if (frame.parent !== null) return false;
    if (!ownWebContentsIds.has(event.sender.id)) return false;
    return isOwnPageUrl(frame.url, rendererUrl);
  } catch {
    // A frame that was disposed mid-call throws on access; it is not trusted.
    return false;
  }
}

/** No navigation, no pop-ups, no <webview>: the page stays our page. */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Hardens every webContents the app ever creates, not only the main window's. */
export function installContentsHardening(app: Pick<App, 'on'>): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
}

/** Grants what ALLOWED_PERMISSIONS lists to our own page, and nothing to anybody else. */
export function isPermissionAllowed(
  permission: string,
  requestingUrl: string,
  rendererUrl: string,
  allowed: ReadonlySet<string> = ALLOWED_PERMISSIONS,
): boolean {
  return allowed.has(permission) && isOwnPageUrl(requestingUrl, rendererUrl);
}

/** `scheme://host` of `url` (for app:// too, where the URL parser's `origin` is "null"). */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.host.length > 0 ? `${parsed.protocol}//${parsed.host}` : null;
  } catch {
    return null;
  }
}

export function installPermissionHandlers(
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>,
  rendererUrl: string,
  allowed: ReadonlySet<string> = ALLOWED_PERMISSIONS,
): void {
  const ownOrigin = originOf(rendererUrl);
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    let requestingUrl: string;
    try {
      requestingUrl = details.requestingUrl || contents.getURL();
    } catch {
      requestingUrl = ''; // a contents destroyed mid-request: nothing is granted
    }
    callback(isPermissionAllowed(permission, requestingUrl, rendererUrl, allowed));
  });
  session.setPermissionCheckHandler((contents, permission, requestingOrigin) => {
    if (!allowed.has(permission)) return false;
    try {
      // Checks carry only an origin; the contents tells which page.
      const url = contents?.getURL() ?? '';
      return isPermissionAllowed(permission, url, rendererUrl, allowed) && requestingOrigin === ownOrigin;
    } catch {
      return false;
    }
  });
  // USB, HID, serial, Bluetooth: never.
  session.setDevicePermissionHandler(() => false);
}

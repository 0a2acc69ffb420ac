import { describe, expect, it, vi } from 'vitest';
import { isOwnPageUrl, isPermissionAllowed, isTrustedSender, originOf } from '../../main/electron/security';
import { DEFAULT_WINDOW_SIZE, MIN_WINDOW_SIZE, restoreWindowState } from '../../main/electron/window-state';

vi.mock('electron', async () => (await import('./fake-electron')).createFakeElectron());

const screen = [{ x: 0, y: 0, width: 1920, height: 1040 }];
const twoScreens = [...screen, { x: 1920, y: 0, width: 1280, height: 1024 }];

describe('restoreWindowState', () => {
  it('uses defaults for nothing or garbage', () => {
    for (const saved of [undefined, null, 'x', 42, [], { width: 'wide' }]) {
      expect(restoreWindowState(saved, screen)).toEqual({ ...DEFAULT_WINDOW_SIZE, maximized: false });
    }
  });

  it('keeps a saved position that is on a screen', () => {
    expect(restoreWindowState({ x: 2000, y: 100, width: 900, height: 700, maximized: true }, twoScreens)).toEqual({
      x: 2000,
      y: 100,
      width: 900,
      height: 700,
      maximized: true,
    });
  });

  it('drops a position on a monitor that is gone, and clamps sizes', () => {
    expect(restoreWindowState({ x: 2000, y: 100, width: 900, height: 700 }, screen)).toEqual({ width: 900, height: 700, maximized: false });
    expect(restoreWindowState({ x: -5000, y: -5000, width: 10, height: 10 }, screen)).toEqual({ ...MIN_WINDOW_SIZE, maximized: false });
    expect(restoreWindowState({ width: 99999, height: 99999 }, screen)).toEqual({ width: 1920, height: 1040, maximized: false });
    expect(restoreWindowState({ x: NaN, y: 0, width: Infinity, height: 1e300 }, screen)).toEqual({ ...DEFAULT_WINDOW_SIZE, maximized: false });
  });

  it('fits an 800×600 screen', () => {
    const small = [{ x: 0, y: 0, width: 800, height: 570 }];
    const state = restoreWindowState(undefined, small);
    expect(state.width).toBeLessThanOrEqual(800);
    expect(state.height).toBeLessThanOrEqual(570);
    expect(MIN_WINDOW_SIZE.width).toBeLessThanOrEqual(800);
    expect(MIN_WINDOW_SIZE.height).toBeLessThanOrEqual(570);
  });
});

describe('sender and page checks', () => {
  const page = 'file:///opt/tincan/dist/renderer/index.html';

  it('isOwnPageUrl ignores query and fragment only', () => {
    expect(isOwnPageUrl(page, page)).toBe(true);
    expect(isOwnPageUrl(`${page}#/chat`, page)).toBe(true);
    expect(isOwnPageUrl(`${page}?x=1`, page)).toBe(true);
    expect(isOwnPageUrl('file:///opt/tincan/dist/renderer/other.html', page)).toBe(false);
    expect(isOwnPageUrl('file:///opt/tincan/dist/renderer/index.html/..', page)).toBe(false);
    expect(isOwnPageUrl('http://localhost/index.html', page)).toBe(false);
    expect(isOwnPageUrl('not a url', page)).toBe(false);
    expect(isOwnPageUrl('', page)).toBe(false);
  });

  it('isTrustedSender needs our contents, the top frame and our page', () => {
    const own = new Set([7]);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: page, parent: null } }, page, own)).toBe(true);
    expect(isTrustedSender({ sender: { id: 8 }, senderFrame: { url: page, parent: null } }, page, own)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: page, parent: { url: page } } }, page, own)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: null }, page, own)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: 'https://evil.example', parent: null } }, page, own)).toBe(false);
  });

  it('isPermissionAllowed: nothing by default; what is allowed, for our page only', () => {
    expect(isPermissionAllowed('notifications', page, page)).toBe(false);
    const allowed = new Set(['notifications']);
    expect(isPermissionAllowed('notifications', page, page, allowed)).toBe(true);
    expect(isPermissionAllowed('notifications', 'https://x.example', page, allowed)).toBe(false);
    expect(isPermissionAllowed('media', page, page, allowed)).toBe(false);
  });

  it('the app:// page: its origin and its path, nothing else', () => {
    const app = 'app://tincan/index.html';
    expect(originOf(app)).toBe('app://tincan');
    expect(originOf('https://x.example:8443/a')).toBe('https://x.example:8443');
    expect(originOf('not a url')).toBeNull();
    expect(isOwnPageUrl('app://tincan/index.html#/x', app)).toBe(true);
    expect(isOwnPageUrl('app://tincan/other.html', app)).toBe(false);
    expect(isOwnPageUrl('app://evil/index.html', app)).toBe(false);
    expect(isOwnPageUrl('file:///opt/tincan/dist/renderer/index.html', app)).toBe(false);
  });
});

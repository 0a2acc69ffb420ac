/** The attention adapter (notifications, badge, overlay icon, flashing) against the mocked Electron. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DesktopAttention, type AttentionDependencies } from '../../main/electron/attention';
import { FakeAttentionWindow, FakeNotification, fakeNativeImage } from './fake-electron';

function setup(platform: NodeJS.Platform = 'linux') {
  const window = new FakeAttentionWindow();
  const clicks: number[] = [];
  const failures: string[] = [];
  const app = { setBadgeCount: vi.fn(() => true) };
  const nativeImage = fakeNativeImage();
  const deps: AttentionDependencies = {
    Notification: FakeNotification,
    app,
    nativeImage,
    platform,
    window: () => window,
    onNotificationClick: (lineId) => clicks.push(lineId),
    onNotificationFailed: (error) => failures.push(error),
  };
  return { attention: new DesktopAttention(deps), window, clicks, failures, app, nativeImage };
}

const unread = (count: number) => ({ count, mentions: 0, firstUnreadLineId: count > 0 ? 1 : null, badge: count > 99 ? '99+' : count > 0 ? String(count) : '' });

beforeEach(() => FakeNotification.reset());

describe('DesktopAttention', () => {
  it('shows one notification at a time: a new one closes the last', () => {
    const { attention } = setup();
    attention.notify({ title: 'A', body: 'first', lineId: 1, count: 1, mention: false });
    attention.notify({ title: 'B', body: 'second', lineId: 2, count: 1, mention: false });
    const [first, second] = FakeNotification.instances;
    expect(first!.options).toEqual({ title: 'A', body: 'first', silent: false });
    expect(first!.shown && first!.closed).toBe(true);
    expect(second!.shown).toBe(true);
    expect(second!.closed).toBe(false);
  });

  it('clicking a notification asks for the window at its message', () => {
    const { attention, clicks } = setup();
    attention.notify({ title: 'A', body: 'x', lineId: 42, count: 3, mention: true });
    FakeNotification.instances[0]!.emit('click');
    expect(clicks).toEqual([42]);
  });

  it('a notification the system would not show is reported, with the system’s words', () => {
    const { attention, failures } = setup('darwin');
    attention.notify({ title: 'A', body: 'x', lineId: 1, count: 1, mention: false });
    FakeNotification.instances[0]!.emit('failed', {}, 'Notifications are not allowed for this application');
    expect(failures).toEqual(['Notifications are not allowed for this application']);
    // A failed one is not "on screen": the next notification does not try to close it.
    attention.notify({ title: 'B', body: 'y', lineId: 2, count: 1, mention: false });
    expect(FakeNotification.instances[0]!.closed).toBe(false);
  });

  it('does nothing where notifications are not supported', () => {
    FakeNotification.supported = false;
    const { attention } = setup();
    attention.notify({ title: 'A', body: 'x', lineId: 1, count: 1, mention: false });
    expect(FakeNotification.instances).toEqual([]);
  });

  it('puts the unread count on the dock or launcher badge', () => {
    const { attention, app, window } = setup('darwin');
    attention.unread(unread(3));
    attention.unread(unread(0));
    expect(app.setBadgeCount.mock.calls).toEqual([[3], [0]]);
    expect(window.setOverlayIcon).not.toHaveBeenCalled();
  });

  it('on Windows uses an overlay icon with a description instead', () => {
    const { attention, app, window, nativeImage } = setup('win32');
    attention.unread(unread(1));
    attention.unread(unread(120));
    attention.unread(unread(0));
    expect(app.setBadgeCount).not.toHaveBeenCalled();
    expect(nativeImage.createFromDataURL).toHaveBeenCalledTimes(1);
    expect(nativeImage.createFromDataURL.mock.calls[0]![0]).toMatch(/^data:image\/png;base64,/);
    const overlays = window.setOverlayIcon.mock.calls as [unknown, string][];
    expect(overlays.map(([icon, text]) => [icon === null ? null : 'icon', text])).toEqual([
      ['icon', '1 unread message'],
      ['icon', '99+ unread messages'],
      [null, ''],
    ]);
  });

  it('flashes the window, and leaves a closed window alone', () => {
    const { attention, window } = setup();
    attention.flash(true);
    attention.flash(false);
    window.destroyed = true;
    attention.flash(true);
    expect(window.flashFrame.mock.calls).toEqual([[true], [false]]);
  });

  it('dispose closes what is on screen and clears the badge', () => {
    const { attention, app, window } = setup();
    attention.notify({ title: 'A', body: 'x', lineId: 1, count: 1, mention: false });
    attention.unread(unread(4));
    attention.dispose();
    expect(FakeNotification.instances[0]!.closed).toBe(true);
    expect(app.setBadgeCount).toHaveBeenLastCalledWith(0);
    expect(window.flashFrame).toHaveBeenLastCalledWith(false);
    attention.notify({ title: 'B', body: 'y', lineId: 2, count: 1, mention: false });
    expect(FakeNotification.instances).toHaveLength(1);
  });
});

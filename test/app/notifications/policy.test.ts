/** The notification and unread policy, driven with fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { badgeText, titleWithUnread as windowTitle } from '../../../main/common/unread';
import {
  defaultNotificationSettings,
  NotificationPolicy,
  type DesktopNotification,
  type IncomingLine,
  type NotificationSettings,
  type UnreadState,
} from '../../../main/app/notifications/policy';
import { AttentionFeed } from '../../../main/app/notifications/feed';
import { defaultPreferences } from '../../../main/app/preferences';
import type { ChatLine } from '../../../main/common/ipc-contract';

interface Recorded {
  notifications: DesktopNotification[];
  unread: UnreadState[];
  flashes: boolean[];
}

let nextId = 1;
function line(text: string, overrides: Partial<IncomingLine> = {}): IncomingLine {
  return { lineId: nextId++, kind: 'message', sender: '10.0.0.7:50123', text, ours: false, ...overrides };
}

function setup(settings: Partial<NotificationSettings> = {}): { policy: NotificationPolicy; recorded: Recorded } {
  const recorded: Recorded = { notifications: [], unread: [], flashes: [] };
  const policy = new NotificationPolicy({
    settings: { ...defaultNotificationSettings(), ...settings },
    effects: {
      notify: (notification) => recorded.notifications.push(notification),
      unread: (state) => recorded.unread.push(state),
      flash: (on) => recorded.flashes.push(on),
    },
  });
  policy.setRoom('10.0.0.5:60003');
  return { policy, recorded };
}

beforeEach(() => {
  vi.useFakeTimers();
  nextId = 1;
});

afterEach(() => {
  vi.useRealTimers();
});

describe('notifications', () => {
  it('says nothing while the window is focused', () => {
    const { policy, recorded } = setup({ privacy: 'full' });
    policy.lines([line('hello')]);
    vi.advanceTimersByTime(10_000);
    expect(recorded.notifications).toEqual([]);
  });

  it('waits about a second, then shows one notification', () => {
    const { policy, recorded } = setup({ privacy: 'full' });
    policy.setFocused(false);
    policy.lines([line('hello there')]);
    vi.advanceTimersByTime(999);
    expect(recorded.notifications).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(recorded.notifications).toEqual([
      { title: '10.0.0.7:50123', body: 'hello there', lineId: 1, count: 1, mention: false },
    ]);
  });

  it('coalesces a burst into one notification that points at its first message', () => {
    const { policy, recorded } = setup({ privacy: 'sender' });
    policy.setFocused(false);
    for (let index = 0; index < 5; index++) {
      policy.lines([line(`message ${index}`, { sender: index % 2 === 0 ? '10.0.0.7:1' : '10.0.0.8:2' })]);
      vi.advanceTimersByTime(300);
    }
    vi.advanceTimersByTime(1000);
    expect(recorded.notifications).toEqual([
      { title: '5 new messages in 10.0.0.5:60003', body: 'From 10.0.0.7:1, 10.0.0.8:2', lineId: 1, count: 5, mention: false },
    ]);
  });

  it('a room that never goes quiet is still notified, at most every few seconds', () => {
    const { policy, recorded } = setup();
    policy.setFocused(false);
    for (let tick = 0; tick < 100; tick++) {
      policy.lines([line('busy')]);
      vi.advanceTimersByTime(100);
    }
    // 10 s of one line every 100 ms: one notification per 3 s burst cap.
    expect(recorded.notifications.length).toBe(3);
    expect(recorded.notifications.every((notification) => notification.count === 30)).toBe(true);
  });

  it('privacy levels: off shows nothing, sender hides the text, full shows it', () => {
    const off = setup({ privacy: 'off' });
    off.policy.setFocused(false);
    off.policy.lines([line('secret plans')]);
    vi.advanceTimersByTime(5000);
    expect(off.recorded.notifications).toEqual([]);
    expect(off.recorded.unread.at(-1)?.count).toBe(1);

    const sender = setup({ privacy: 'sender' });
    sender.policy.setFocused(false);
    sender.policy.lines([line('secret plans')]);
    vi.advanceTimersByTime(5000);
    expect(sender.recorded.notifications[0]).toMatchObject({ title: '10.0.0.7:50123', body: 'New message in 10.0.0.5:60003' });
    expect(JSON.stringify(sender.recorded.notifications)).not.toContain('secret');

    const full = setup({ privacy: 'full' });
    full.policy.setFocused(false);
    full.policy.lines([line('a'), line('secret plans', { sender: '10.0.0.9:9' })]);
    vi.advanceTimersByTime(5000);
    expect(full.recorded.notifications[0]).toMatchObject({ title: '2 new messages in 10.0.0.5:60003', body: '10.0.0.9:9: secret plans' });
  });

  it('mentions only: other messages count as unread but are not notified', () => {
    const { policy, recorded } = setup({ privacy: 'full', mentionsOnly: true, keywords: ['Ann'] });
    policy.setFocused(false);
    policy.lines([line('lunch?')]);
    vi.advanceTimersByTime(5000);
    expect(recorded.notifications).toEqual([]);
    policy.lines([line('ann, lunch?'), line('anyone else?')]);
    vi.advanceTimersByTime(5000);
    expect(recorded.notifications).toEqual([
      { title: '10.0.0.7:50123 mentioned you', body: 'ann, lunch?', lineId: 2, count: 1, mention: true },
    ]);
    expect(policy.unread).toMatchObject({ count: 3, mentions: 1, firstUnreadLineId: 1 });
  });

  it('a mention flashes the taskbar entry until the window is focused', () => {
    const { policy, recorded } = setup({ keywords: ['ann'] });
    policy.setFocused(false);
    policy.lines([line('no mention')]);
    expect(recorded.flashes).toEqual([]);
    policy.lines([line('hey Ann')]);
    policy.lines([line('ANN!')]);
    expect(recorded.flashes).toEqual([true]);
    policy.setFocused(true);
    expect(recorded.flashes).toEqual([true, false]);
  });

  it('do not disturb: no notification, no flash, but the badge still counts', () => {
    const { policy, recorded } = setup({ doNotDisturb: true, keywords: ['ann'], privacy: 'full' });
    policy.setFocused(false);
    policy.lines([line('ann: look'), line('and this')]);
    vi.advanceTimersByTime(5000);
    expect(recorded.notifications).toEqual([]);
    expect(recorded.flashes).toEqual([]);
    expect(policy.unread).toMatchObject({ count: 2, mentions: 1, badge: '2' });
  });

  it('turning do not disturb on drops a pending notification and stops flashing', () => {
    const { policy, recorded } = setup({ keywords: ['ann'] });
    policy.setFocused(false);
    policy.lines([line('ann?')]);
    policy.setSettings({ ...defaultNotificationSettings(), keywords: ['ann'], doNotDisturb: true });
    vi.advanceTimersByTime(5000);
    expect(recorded.notifications).toEqual([]);
    expect(recorded.flashes).toEqual([true, false]);
  });

  it('focusing the window before the notification is due cancels it', () => {
    const { policy, recorded } = setup();
    policy.setFocused(false);
    policy.lines([line('hi')]);
    vi.advanceTimersByTime(500);
    policy.setFocused(true);
    vi.advanceTimersByTime(5000);
    expect(recorded.notifications).toEqual([]);
  });

  it('ignores our own lines and joins, leaves and system lines', () => {
    const { policy, recorded } = setup();
    policy.setFocused(false);
    policy.lines([
      line('mine', { ours: true }),
      line('', { kind: 'connected' }),
      line('', { kind: 'disconnected' }),
      line('Tincan: reconnected', { kind: 'notice' }),
    ]);
    vi.advanceTimersByTime(5000);
    expect(recorded.notifications).toEqual([]);
    expect(recorded.unread).toEqual([]);
  });

  it('bounds what a notification says', () => {
    const { policy, recorded } = setup({ privacy: 'full' });
    policy.setFocused(false);
    policy.lines([line('x'.repeat(10_000), { sender: 's'.repeat(500) })]);
    vi.advanceTimersByTime(5000);
    const [notification] = recorded.notifications;
    expect(Array.from(notification!.body)).toHaveLength(200);
    expect(notification!.body.endsWith('…')).toBe(true);
    expect(Array.from(notification!.title).length).toBeLessThanOrEqual(80);
  });

  it('after dispose nothing fires', () => {
    const { policy, recorded } = setup();
    policy.setFocused(false);
    policy.lines([line('hi')]);
    policy.dispose();
    vi.advanceTimersByTime(5000);
    policy.lines([line('more')]);
    expect(recorded.notifications).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('unread', () => {
  it('counts messages while unfocused and clears once focused at the bottom', () => {
    const { policy, recorded } = setup();
    policy.setFocused(false);
    policy.lines([line('one'), line('two')]);
    policy.lines([line('three')]);
    expect(recorded.unread.map((state) => state.count)).toEqual([2, 3]);
    expect(policy.unread).toEqual({ count: 3, mentions: 0, firstUnreadLineId: 1, badge: '3' });
    policy.setAtBottom(false);
    policy.setFocused(true);
    // Focused but scrolled up in the history: still unread.
    expect(policy.unread.count).toBe(3);
    policy.setAtBottom(true);
    expect(policy.unread).toEqual({ count: 0, mentions: 0, firstUnreadLineId: null, badge: '' });
    expect(recorded.unread.at(-1)?.count).toBe(0);
  });

  it('counts while focused but scrolled up, without notifying', () => {
    const { policy, recorded } = setup();
    policy.setAtBottom(false);
    policy.lines([line('while reading old lines')]);
    vi.advanceTimersByTime(5000);
    expect(policy.unread).toMatchObject({ count: 1, firstUnreadLineId: 1 });
    expect(recorded.notifications).toEqual([]);
  });

  it('nothing is unread while the user is looking', () => {
    const { policy, recorded } = setup();
    policy.lines([line('seen at once')]);
    expect(recorded.unread).toEqual([]);
  });

  it('resets for a new room', () => {
    const { policy } = setup();
    policy.setFocused(false);
    policy.lines([line('old room')]);
    policy.resetUnread();
    expect(policy.unread.count).toBe(0);
  });

  it('badge text and window title', () => {
    expect([0, 1, 99, 100, 5000].map(badgeText)).toEqual(['', '1', '99', '99+', '99+']);
    expect(windowTitle('Tincan', 0)).toBe('Tincan');
    expect(windowTitle('Tincan — 10.0.0.5:60003', 3)).toBe('(3) Tincan — 10.0.0.5:60003');
    expect(windowTitle('Tincan', 120)).toBe('(99+) Tincan');
  });
});

describe('AttentionFeed', () => {
  it('a mention of my display name notifies me, as my keywords do', () => {
    const notifications: DesktopNotification[] = [];
    const feed = new AttentionFeed({
      effects: { notify: (notification) => notifications.push(notification), unread: () => undefined, flash: () => undefined },
      emit: () => undefined,
    });
    feed.applySettings({ ...defaultPreferences(), displayName: 'Zoë', mentionKeywords: ['lunch'], notificationPrivacy: 'full', mentionsOnly: true });
    feed.setRoom('10.0.0.5:60003');
    feed.setView({ focused: false, atBottom: true });
    const chat = (seq: number, text: string): ChatLine => ({ seq, kind: 'message', peer: '10.0.0.7:1', text, at: seq, self: false });
    feed.lines([chat(1, 'nothing for you'), chat(2, 'zoë, are you there?')]);
    vi.advanceTimersByTime(5000);
    expect(notifications.map((notification) => [notification.body, notification.mention])).toEqual([['zoë, are you there?', true]]);
    feed.lines([chat(3, 'lunch?')]);
    vi.advanceTimersByTime(5000);
    expect(notifications.at(-1)).toMatchObject({ body: 'lunch?', mention: true });
    feed.dispose();
  });

  it('names the sender as the room told it, with the address kept: from the lines, else from the roster', () => {
    const notifications: DesktopNotification[] = [];
    const roster = new Map([['10.0.0.8:2', 'bob']]);
    const feed = new AttentionFeed({
      effects: { notify: (notification) => notifications.push(notification), unread: () => undefined, flash: () => undefined },
      emit: () => undefined,
      rosterName: (peer) => roster.get(peer) ?? null,
    });
    feed.applySettings({ ...defaultPreferences(), notificationPrivacy: 'full' });
    feed.setRoom('10.0.0.5:60003');
    feed.setView({ focused: false, atBottom: true });
    const alice = '10.0.0.7:1';
    const chat = (seq: number, text: string, peer = alice): ChatLine => ({ seq, kind: 'message', peer, text, at: seq, self: false });
    feed.lines([
      { seq: 1, kind: 'notice', peer: alice, text: `Tincan: [${alice}] is now alice`, at: 1, self: false, notice: { kind: 'name', peer: alice, name: 'alice', previous: null } },
      chat(2, 'hi'),
    ]);
    vi.advanceTimersByTime(5000);
    expect(notifications.at(-1)).toMatchObject({ title: 'alice (10.0.0.7:1)', body: 'hi' });
    feed.lines([chat(3, 'one'), chat(4, 'two', '10.0.0.8:2')]);
    vi.advanceTimersByTime(5000);
    expect(notifications.at(-1)).toMatchObject({ title: '2 new messages in 10.0.0.5:60003', body: 'bob (10.0.0.8:2): two' });
    // A new room forgets the last one's names.
    feed.setRoom('10.0.0.6:60003');
    feed.lines([chat(5, 'again')]);
    vi.advanceTimersByTime(5000);
    expect(notifications.at(-1)).toMatchObject({ title: '10.0.0.7:1', body: 'again' });
    feed.dispose();
  });

  it('a notification names the sender when the policy is told the name', () => {
    const { policy, recorded } = setup({ privacy: 'sender' });
    policy.setFocused(false);
    policy.lines([line('hello', { name: 'alice' }), line('again', { sender: '10.0.0.8:2' })]);
    vi.advanceTimersByTime(5000);
    expect(recorded.notifications).toEqual([
      { title: '2 new messages in 10.0.0.5:60003', body: 'From alice (10.0.0.7:50123), 10.0.0.8:2', lineId: 1, count: 2, mention: false },
    ]);
  });
});

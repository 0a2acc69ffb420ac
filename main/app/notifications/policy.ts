/**
 * When to tell the user about new messages, and what to say: a small state machine with no
 * Electron in it. Main feeds it the lines that arrive, the window's focus and whether the
 * transcript is scrolled to the bottom; it answers through `effects` (show a desktop
 * notification, set the unread count and badge, flash the taskbar entry), which main's
 * Electron adapters carry out.
 *
 *  - Unread: every message from someone else that arrives while the user is not looking
 *    (window unfocused, or scrolled up) counts; looking (focused and at the bottom) clears it.
 *  - Notifications only while the window is unfocused: debounced (a burst is one
 *    notification, shown once the room has been quiet for `debounceMs`, or `maxWaitMs` after
 *    the burst began), one at a time (each replaces the last), worded per privacy level.
 *  - Mentions flash the taskbar entry until the window is focused.
 *  - Do not disturb: no notifications, no flashing; the unread count still counts.
 */
import type { StoredLineKind } from '../../common/line-kind';
import { presentLine } from '../../common/line-presenter';
import type { NotificationPrivacy } from '../../common/ipc-contract';
import { MentionMatcher } from '../../common/mentions';
import { badgeText } from '../../common/unread';

export type { NotificationPrivacy };

export interface NotificationSettings {
  /** 'off': no notifications; 'sender': who wrote, not what; 'full': who and what. */
  privacy: NotificationPrivacy;
  /** Only messages that mention the user are notified (all still count as unread). */
  mentionsOnly: boolean;
  doNotDisturb: boolean;
  /** The user's own words (their name, say); sanitised by MentionMatcher. */
  keywords: readonly string[];
}

export function defaultNotificationSettings(): NotificationSettings {
  return { privacy: 'sender', mentionsOnly: false, doNotDisturb: false, keywords: [] };
}

export interface IncomingLine {
  /** Where a click on the notification should take the user. */
  lineId: number;
  kind: StoredLineKind;
  sender: string;
  /** The sender's name, when known: shown with the address kept. */
  name?: string | null;
  text: string;
  /** Our own line: never unread, never notified. */
  ours: boolean;
}

export interface DesktopNotification {
  title: string;
  body: string;
  /** The first message the notification is about: clicking shows it. */
  lineId: number;
  /** Messages it covers. */
  count: number;
  /** At least one of them mentions the user. */
  mention: boolean;
}

export interface UnreadState {
  /** Messages from others not yet seen. */
  count: number;
  /** Of those, how many mention the user. */
  mentions: number;
  /** Where the "unread" divider goes: the first unseen message; null when all are seen. */
  firstUnreadLineId: number | null;
  /** For the dock/taskbar: '' when nothing is unread, '1' … '99', then '99+'. */
  badge: string;
}

export interface NotificationEffects {
  /** Show this notification, replacing any earlier one still on screen. */
  notify(notification: DesktopNotification): void;
  /** The unread state changed. */
  unread(state: UnreadState): void;
  /** Start (true) or stop (false) flashing the window's taskbar entry. */
  flash(on: boolean): void;
}

export interface PolicyClock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: PolicyClock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface NotificationPolicyOptions {
  effects: NotificationEffects;
  clock?: PolicyClock;
  settings?: NotificationSettings;
  /** Quiet time that ends a burst. Default 1000. */
  debounceMs?: number;
  /** A burst is notified at the latest this long after it began. Default 3000. */
  maxWaitMs?: number;
}

export const NOTIFICATION_TEXT_LIMITS = {
  titleChars: 80,
  bodyChars: 200,
  senderChars: 64,
  roomChars: 64,
} as const;

/** `text` cut to `max` characters (code points), with an ellipsis when cut. */
function ellipsize(text: string, max: number): string {
  const characters = Array.from(text);
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}

interface Pending {
  lines: { line: IncomingLine; mention: boolean }[];
  /** Messages in the burst (lines keeps only the first few). */
  count: number;
  mention: boolean;
  quietTimer: unknown;
  deadlineTimer: unknown;
}

/** How many of a burst's lines are kept to word its notification. */
const KEPT_PER_BURST = 8;

export class NotificationPolicy {
  private readonly effects: NotificationEffects;
  private readonly clock: PolicyClock;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private settings: NotificationSettings;
  private matcher: MentionMatcher;
  private room = 'Tincan';
  private focused = true;
  private atBottom = true;
  private flashing = false;
  private pending: Pending | null = null;
  private state: UnreadState = { count: 0, mentions: 0, firstUnreadLineId: null, badge: '' };
  private disposed = false;

  constructor(options: NotificationPolicyOptions) {
    this.effects = options.effects;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.debounceMs = Math.max(0, options.debounceMs ?? 1000);
    this.maxWaitMs = Math.max(this.debounceMs, options.maxWaitMs ?? 3000);
    this.settings = { ...(options.settings ?? defaultNotificationSettings()) };
    this.matcher = new MentionMatcher(this.settings.keywords);
  }

  get unread(): UnreadState {
    return { ...this.state };
  }

  setSettings(settings: NotificationSettings): void {
    this.settings = { ...settings, keywords: [...settings.keywords] };
    this.matcher = new MentionMatcher(this.settings.keywords);
    if (settings.doNotDisturb) {
      this.cancelPending();
      this.stopFlashing();
    } else if (settings.privacy === 'off') {
      this.cancelPending();
    }
  }

  /** What notifications call the room: its name, or its address. */
  setRoom(label: string | null): void {
    this.room = label === null || label.trim() === '' ? 'Tincan' : ellipsize(label.trim(), NOTIFICATION_TEXT_LIMITS.roomChars);
  }

  /** A new room (joined, hosted, or left): nothing of the old one is unread any more. */
  resetUnread(): void {
    this.cancelPending();
    this.stopFlashing();
    this.setState({ count: 0, mentions: 0, firstUnreadLineId: null });
  }

  setFocused(focused: boolean): void {
    if (this.disposed) return;
    this.focused = focused;
    if (focused) {
      // The user is in the window: a notification about it would be noise.
      this.cancelPending();
      this.stopFlashing();
    }
    this.clearIfSeen();
  }

  /** The transcript view is scrolled to its end (true) or up in the history (false). */
  setAtBottom(atBottom: boolean): void {
    if (this.disposed) return;
    this.atBottom = atBottom;
    this.clearIfSeen();
  }

  /** Lines as they arrive (one event batch at a time). */
  lines(lines: readonly IncomingLine[]): void {
    // Read as they arrive: nothing to count, notify or flash (and no text to match).
    const seen = this.focused && this.atBottom;
    if (this.disposed || seen) return;
    let { count, mentions, firstUnreadLineId } = this.state;
    let flash = false;
    for (const line of lines) {
      if (line.kind !== 'message' || line.ours) continue;
      const mention = this.matcher.mentions(line.text);
      count += 1;
      if (mention) mentions += 1;
      firstUnreadLineId ??= line.lineId;
      if (this.focused) continue;
      if (mention) flash = true;
      if (this.settings.mentionsOnly && !mention) continue;
      this.addToBurst(line, mention);
    }
    if (count !== this.state.count) this.setState({ count, mentions, firstUnreadLineId });
    if (flash && !this.settings.doNotDisturb && !this.flashing) {
      this.flashing = true;
      this.effects.flash(true);
    }
  }

  dispose(): void {
    this.cancelPending();
    this.disposed = true;
  }

  // ---- internals ------------------------------------------------------------------------

  private clearIfSeen(): void {
    if (this.focused && this.atBottom && this.state.count > 0) {
      this.setState({ count: 0, mentions: 0, firstUnreadLineId: null });
    }
  }

  private setState(next: Omit<UnreadState, 'badge'>): void {
    const state: UnreadState = { ...next, badge: badgeText(next.count) };
    const previous = this.state;
    this.state = state;
    if (
      previous.count !== state.count ||
      previous.mentions !== state.mentions ||
      previous.firstUnreadLineId !== state.firstUnreadLineId
    ) {
      this.effects.unread({ ...state });
    }
  }

  private addToBurst(line: IncomingLine, mention: boolean): void {
    if (this.settings.doNotDisturb || this.settings.privacy === 'off') return;
    let pending = this.pending;
    if (pending === null) {
      pending = { lines: [], count: 0, mention: false, quietTimer: null, deadlineTimer: null };
      pending.deadlineTimer = this.clock.setTimeout(() => this.fire(), this.maxWaitMs);
      this.pending = pending;
    }
    pending.count += 1;
    pending.mention ||= mention;
    if (pending.lines.length < KEPT_PER_BURST) pending.lines.push({ line, mention });
    else pending.lines[pending.lines.length - 1] = { line, mention };
    if (pending.quietTimer !== null) this.clock.clearTimeout(pending.quietTimer);
    pending.quietTimer = this.clock.setTimeout(() => this.fire(), this.debounceMs);
  }

  private cancelPending(): void {
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    if (pending.quietTimer !== null) this.clock.clearTimeout(pending.quietTimer);
    if (pending.deadlineTimer !== null) this.clock.clearTimeout(pending.deadlineTimer);
  }

  private fire(): void {
    const pending = this.pending;
    this.cancelPending();
    if (pending === null || this.disposed || this.focused) return;
    if (this.settings.doNotDisturb || this.settings.privacy === 'off') return;
    this.effects.notify(this.compose(pending));
  }

  private stopFlashing(): void {
    if (!this.flashing) return;
    this.flashing = false;
    this.effects.flash(false);
  }

  private compose(pending: Pending): DesktopNotification {
    const first = pending.lines[0]!.line;
    const last = pending.lines[pending.lines.length - 1]!.line;
    const full = this.settings.privacy === 'full';
    // Worded by the line presenter, as the transcript and the live region word it.
    const words = (line: IncomingLine) => presentLine({ kind: line.kind, peer: line.sender || 'Someone', text: line.text, self: false }, { name: line.name ?? null });
    const sender = (line: IncomingLine): string => ellipsize(words(line).who, NOTIFICATION_TEXT_LIMITS.senderChars);
    let title: string;
    let body: string;
    if (pending.count === 1) {
      title = pending.mention ? `${sender(first)} mentioned you` : sender(first);
      body = full ? words(first).what : `New message in ${this.room}`;
    } else {
      title = `${pending.count} new messages in ${this.room}`;
      if (pending.mention) title += ' (you were mentioned)';
      if (full) {
        body = `${sender(last)}: ${words(last).what}`;
      } else {
        const senders = [...new Set(pending.lines.map(({ line }) => sender(line)))];
        body = senders.length <= 3 ? `From ${senders.join(', ')}` : `From ${senders.slice(0, 2).join(', ')} and others`;
      }
    }
    return {
      title: ellipsize(title, NOTIFICATION_TEXT_LIMITS.titleChars),
      body: ellipsize(body, NOTIFICATION_TEXT_LIMITS.bodyChars),
      lineId: first.lineId,
      count: pending.count,
      mention: pending.mention,
    };
  }
}

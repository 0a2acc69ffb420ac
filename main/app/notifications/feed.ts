/**
 * AttentionFeed: the notification policy wired to a session. It feeds the policy every line
 * the session receives (not the renderer's batches, which may skip lines), the room, the user's settings and what the window says it shows, and
 * carries the policy's decisions out: to the desktop (the Electron adapter, when there is
 * one) and to the window (`unread` events for the title, the badge and the divider).
 */
import type { BridgeEvent, ChatLine, Preferences, UnreadInfo, ViewState } from '../../common/ipc-contract';
import { NameBook } from '../../common/line-presenter';
import { mentionWords } from '../../common/mentions';
import { NotificationPolicy, type IncomingLine, type NotificationEffects, type PolicyClock } from './policy';

export interface AttentionFeedOptions {
  /** Desktop notifications, badge and flashing; null: only the window hears of unread lines. */
  effects: NotificationEffects | null;
  /** Sends an event to the window (through the session's batches). */
  emit: (event: BridgeEvent) => void;
  clock?: PolicyClock;
  /** A name the roster knows (a `/who` answer), for people whose name no line has told yet. */
  rosterName?: (peer: string) => string | null;
}


export class AttentionFeed {
  private readonly policy: NotificationPolicy;
  private unreadInfo: UnreadInfo = { count: 0, mentions: 0, firstUnreadSeq: null };
  /** The names the room's lines told, in order: a notification names its sender as the transcript does. */
  private names = new NameBook();
  /** Whom the user ignores (the window's list, bounded by its schema): their lines are not news. */
  private ignored: ReadonlySet<string> = new Set();
  private readonly rosterName: (peer: string) => string | null;

  constructor(options: AttentionFeedOptions) {
    const { effects, emit } = options;
    this.rosterName = options.rosterName ?? (() => null);
    this.policy = new NotificationPolicy({
      ...(options.clock ? { clock: options.clock } : {}),
      effects: {
        notify: (notification) => effects?.notify(notification),
        flash: (on) => effects?.flash(on),
        unread: (state) => {
          effects?.unread(state);
          this.unreadInfo = { count: state.count, mentions: state.mentions, firstUnreadSeq: state.firstUnreadLineId };
          emit({ type: 'unread', ...this.unreadInfo });
        },
      },
    });
  }

  get unread(): UnreadInfo {
    return { ...this.unreadInfo };
  }

  applySettings(preferences: Preferences): void {
    this.policy.setSettings({
      privacy: preferences.notificationPrivacy,
      mentionsOnly: preferences.mentionsOnly,
      doNotDisturb: preferences.doNotDisturb,
      keywords: mentionWords(preferences),
    });
  }

  /** The session entered a room (its label names it in notifications) or left (null). */
  setRoom(label: string | null): void {
    this.policy.setRoom(label);
    this.policy.resetUnread();
    this.names = new NameBook();
    this.ignored = new Set();
  }

  /** The people the user ignores now (the whole list). */
  setIgnored(peers: readonly string[]): void {
    this.ignored = new Set(peers);
  }

  /** The session's lines, every one of them, in order (see LineTap). */
  lines(lines: readonly ChatLine[]): void {
    const incoming: IncomingLine[] = [];
    for (const line of lines) {
      if (line.kind === 'skipped') continue;
      this.names.take(line);
      if (!line.self && this.ignored.has(line.peer)) continue;
      const name = this.names.nameOf(line.peer) ?? this.rosterName(line.peer);
      incoming.push({ lineId: line.seq, kind: line.kind, sender: line.peer, name, text: line.text, ours: line.self });
    }
    if (incoming.length > 0) this.policy.lines(incoming);
  }

  setView(view: ViewState): void {
    this.policy.setFocused(view.focused);
    this.policy.setAtBottom(view.atBottom);
  }

  dispose(): void {
    this.policy.dispose();
  }
}

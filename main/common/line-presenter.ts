/**
 * How a line reads, in words: the one answer the transcript row, the screen readers' live
 * region, the desktop notification, the search results and the saved transcript share, so a
 * new kind of line is worded here once. Pure and renderer-safe.
 *
 * A name is whatever someone typed, so it never stands alone: the address goes with it
 * ("alice (10.0.0.5:50123)"), and a person without a name is their address.
 */
import type { LineKind } from './line-kind';
import { parseServerNotice, withoutServerPrefix, type ServerNotice } from './server-notice';

/** What the presenter needs of a line: a ChatLine, a stored line or a notification's line fits. */
export interface PresentableLine {
  kind: LineKind;
  /** `IP:port` of whom the line is about ('' for a line about nobody). */
  peer: string;
  text: string;
  /** Our own line. */
  self: boolean;
  /** A notice's parsed form (parsed from `text` when absent). */
  notice?: ServerNotice | null | undefined;
}

export interface PresentOptions {
  /** The name of the person the line is by or about, when known. */
  name?: string | null;
  /** Own lines are "You" (true, the default) or named like anyone else's (a file others may read). */
  youForSelf?: boolean;
}

export interface LinePresentation {
  /** Who the line is by or about: "alice (10.0.0.5:50123)", the address alone, "You", "Tincan" (the server), or '' for nobody. */
  who: string;
  /** What it says: the text, or the sentence's rest for a join or leave ("joined"). */
  what: string;
  /** The whole line as one sentence: "alice (10.0.0.5:50123): hi", "10.0.0.5:50123 joined", "Tincan: Topic: games". */
  sentence: string;
}

/** Own lines, where "You" reads better than one's own address. */
export const SELF_LABEL = 'You';
/** Who a server's own line is by. */
export const SERVER_LABEL = 'Tincan';

/** A person as words: the name with the address kept beside it, or the address alone. */
export function personLabel(peer: string, name: string | null | undefined): string {
  return name === null || name === undefined || name === '' ? peer : `${name} (${peer})`;
}

/** What a server's notice says, in the app's words (the line itself is `Tincan: …`). */
export function noticeSentence(text: string, notice: ServerNotice | null | undefined): string {
  switch (notice?.kind) {
    case 'name':
      if (notice.name === null) return `${notice.peer} is no longer ${notice.previous ?? ''}`;
      return notice.previous === null ? `${notice.peer} is now ${notice.name}` : `${notice.previous} (${notice.peer}) is now ${notice.name}`;
    case 'name-refused':
      return `Your name was refused: ${notice.reason}`;
    case 'topic':
      return notice.topic === null ? 'The topic was cleared.' : `Topic: ${notice.topic}`;
    default:
      return withoutServerPrefix(text);
  }
}

export function presentLine(line: PresentableLine, options: PresentOptions = {}): LinePresentation {
  const { name = null, youForSelf = true } = options;
  const who = line.self && youForSelf ? SELF_LABEL : personLabel(line.peer, name);
  switch (line.kind) {
    case 'message':
      return { who, what: line.text, sentence: `${who}: ${line.text}` };
    case 'connected':
      return { who, what: 'joined', sentence: `${who} joined` };
    case 'disconnected':
      return { who, what: 'left', sentence: `${who} left` };
    case 'notice': {
      const what = noticeSentence(line.text, line.notice === undefined ? parseServerNotice(line.text) : line.notice);
      return { who: SERVER_LABEL, what, sentence: `${SERVER_LABEL}: ${what}` };
    }
    case 'raw':
    case 'skipped':
      return { who: '', what: line.text, sentence: line.text };
  }
}

/** Names remembered per book: a room that invents addresses by the thousand forgets the oldest. */
export const MAX_BOOK_NAMES = 2000;

/**
 * The names a run of lines has told (`IP:port` -> name), for those that see lines in order
 * but not the roster: the notifications and the saved transcript. Bounded by MAX_BOOK_NAMES.
 */
export class NameBook {
  private readonly names = new Map<string, string>();

  constructor(private readonly maxNames = MAX_BOOK_NAMES) {}

  nameOf(peer: string): string | null {
    return this.names.get(peer) ?? null;
  }

  /** Learns from a line: a name taken, changed or dropped, or a `/who` entry. */
  take(line: Pick<PresentableLine, 'kind' | 'text' | 'notice'>): void {
    if (line.kind !== 'notice') return;
    const notice = line.notice === undefined ? parseServerNotice(line.text) : line.notice;
    if (notice?.kind === 'name' || notice?.kind === 'who-entry') this.set(notice.peer, notice.name);
  }

  set(peer: string, name: string | null): void {
    this.names.delete(peer);
    if (name === null) return;
    this.names.set(peer, name);
    for (const oldest of this.names.keys()) {
      if (this.names.size <= this.maxNames) break;
      this.names.delete(oldest);
    }
  }
}

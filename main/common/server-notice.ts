/**
 * What a line the server wrote itself says, and how to read one back. Pure: the server's
 * lines are written in main/chat/server-lines.ts (which shares the constants below); the
 * session reads each incoming `Tincan: ` line with parseServerNotice and puts the result on
 * a 'notice' ChatLine, and the window reads stored lines back the same way.
 */

export const SERVER_LINE_START = 'Tincan: ';

/** What a server line says, without its `Tincan: ` (any other text as it is). */
export function withoutServerPrefix(text: string): string {
  return text.startsWith(SERVER_LINE_START) ? text.slice(SERVER_LINE_START.length) : text;
}
/** Every refusal of `/name` starts so: the app can tell it from other replies. */
export const NAME_REFUSED_START = 'Tincan: name refused: ';
export const TOPIC_CLEARED_LINE = 'Tincan: the topic was cleared.';
/** How `/who` lists a person without a name. */
export const WHO_NO_NAME = '(no name)';
export const REPLAY_FOOTER_LINE = 'Tincan: end of the replay; live from here.';
/** A room with a password asks a newcomer for it before anything else (its first line is the answer). */
export const PASSWORD_PROMPT_LINE = 'Tincan: this room has a password; type it and press Enter.';
export const PASSWORD_ACCEPTED_LINE = 'Tincan: password accepted; welcome in.';
export const PASSWORD_WRONG_LINE = 'Tincan: wrong password; goodbye.';
/** Every refusal of a password (wrong, too late, too many tries) starts so: the app offers a retry. */
export const PASSWORD_REFUSED_START = 'Tincan: wrong password';
export const PASSWORD_TIMEOUT_START = 'Tincan: no password within ';
export const PASSWORD_ATTEMPTS_START = 'Tincan: too many wrong passwords from your address';
/** To a person the host removed (kick), or banned: the last line it gets. */
export const YOU_WERE_REMOVED_LINE = 'Tincan: the host removed you from this room.';
export const YOU_WERE_BANNED_LINE = 'Tincan: the host banned you from this room until it closes.';
/** A banned address trying again, at accept. */
export const BANNED_LINE = 'Tincan: your address is banned from this room until it closes.';

/** A line starting with `Tincan: ` (no member's line can: theirs start with `[`), as the app reads it. */
export type ServerNotice =
  /** `peer` took (`previous` null), changed or dropped (`name` null) its name. */
  | { kind: 'name'; peer: string; name: string | null; previous: string | null }
  /** `/name` could not be done; `reason` is the rest of the line. */
  | { kind: 'name-refused'; reason: string }
  /** The topic now (null: cleared). */
  | { kind: 'topic'; topic: string | null }
  /** Catch-up starts: `count` lines follow, as they went out. */
  | { kind: 'replay-start'; count: number }
  | { kind: 'replay-end' }
  /** `/who` answers: `count` people are in the room (`wholeRoom` false: on this server of a cluster); entries follow. */
  | { kind: 'who-start'; count: number; wholeRoom: boolean }
  /** One person in a `/who` answer: `since` is the server's `HH:MM`, or `YYYY-MM-DD HH:MM` on another day. */
  | { kind: 'who-entry'; peer: string; name: string | null; since: string; you: boolean }
  /** The end of a `/who` answer that listed only some: `count` more are in the room. */
  | { kind: 'who-more'; count: number }
  /** The room asks for its password: the next line sent is the answer. */
  | { kind: 'password-required' }
  | { kind: 'password-accepted' }
  /**
   * The password was not taken and the connection closes: `wrong`, no answer in time
   * (`timeout`), or too many wrong ones from this address (`attempts`, refused at once).
   */
  | { kind: 'password-refused'; reason: 'wrong' | 'timeout' | 'attempts'; text: string }
  /** The host removed `peer` (`banned`: and its address until the room closes). */
  | { kind: 'removed'; peer: string; name: string | null; banned: boolean }
  /** The host removed this client, or its address is banned: the connection closes. */
  | { kind: 'removed-you'; banned: boolean; text: string }
  /** Any other line of the server's: shown as it is. */
  | { kind: 'notice'; text: string };

const PEER_LABEL = /^\[(\[[0-9A-Fa-f:.%\w-]+\]:\d{1,5}|[\w.-]+:\d{1,5})\] /;
const REPLAY_START = /^the last (?:line|(\d{1,4}) lines), \d\d:\d\d(?:–\d\d:\d\d)?:$/;
const IS_NOW = ' is now ';
const WHO_START = /^(?:1 person|(\d{1,9}) people) (here|on this server):$/;
// Greedy: a name may hold ", since 10:18" itself; the last one is the time.
const WHO_ENTRY = /^(.+), since ((?:\d{4}-\d\d-\d\d )?\d\d:\d\d)( \(you\))?$/;
const WHO_MORE = /^and (\d{1,9}) more\.$/;
/** After a label: the name (if any), then what the host did. A name is never empty, so `(.+) ` is it. */
const REMOVED = /^(?:(.+) )?was (removed|banned) by the host\.$/;

/**
 * Reads a line the server wrote itself (it starts with `Tincan: `); null for any other line.
 * A name is never empty, holds no `[` or `]` and never the words "is now" or "is no longer"
 * (person-name.ts), so the label, and the old and new names of a change, are found exactly.
 */
export function parseServerNotice(line: string): ServerNotice | null {
  if (!line.startsWith(SERVER_LINE_START)) return null;
  const text = line.slice(SERVER_LINE_START.length);
  const label = PEER_LABEL.exec(text);
  if (label !== null) {
    const peer = label[1]!;
    const rest = text.slice(label[0].length);
    if (rest.startsWith('is now ') && rest.length > 7) return { kind: 'name', peer, name: rest.slice(7), previous: null };
    if (rest.startsWith('is no longer ') && rest.length > 13) return { kind: 'name', peer, name: null, previous: rest.slice(13) };
    const removed = REMOVED.exec(rest);
    if (removed !== null) return { kind: 'removed', peer, name: removed[1] ?? null, banned: removed[2] === 'banned' };
    const at = rest.indexOf(IS_NOW);
    if (at > 0 && at + IS_NOW.length < rest.length) {
      return { kind: 'name', peer, name: rest.slice(at + IS_NOW.length), previous: rest.slice(0, at) };
    }
    const entry = WHO_ENTRY.exec(rest);
    if (entry !== null) {
      const name = entry[1]!;
      return { kind: 'who-entry', peer, name: name === WHO_NO_NAME ? null : name, since: entry[2]!, you: entry[3] !== undefined };
    }
    return { kind: 'notice', text: line };
  }
  if (line.startsWith(NAME_REFUSED_START)) return { kind: 'name-refused', reason: line.slice(NAME_REFUSED_START.length) };
  if (text.startsWith('topic: ')) return { kind: 'topic', topic: text.slice(7) };
  if (line === TOPIC_CLEARED_LINE) return { kind: 'topic', topic: null };
  const replay = REPLAY_START.exec(text);
  if (replay !== null) return { kind: 'replay-start', count: replay[1] === undefined ? 1 : Number(replay[1]) };
  if (line === REPLAY_FOOTER_LINE) return { kind: 'replay-end' };
  const who = WHO_START.exec(text);
  if (who !== null) return { kind: 'who-start', count: who[1] === undefined ? 1 : Number(who[1]), wholeRoom: who[2] === 'here' };
  const more = WHO_MORE.exec(text);
  if (more !== null) return { kind: 'who-more', count: Number(more[1]) };
  if (line === PASSWORD_PROMPT_LINE) return { kind: 'password-required' };
  if (line === PASSWORD_ACCEPTED_LINE) return { kind: 'password-accepted' };
  if (line.startsWith(PASSWORD_REFUSED_START)) return { kind: 'password-refused', reason: 'wrong', text: line };
  if (line.startsWith(PASSWORD_TIMEOUT_START)) return { kind: 'password-refused', reason: 'timeout', text: line };
  if (line.startsWith(PASSWORD_ATTEMPTS_START)) return { kind: 'password-refused', reason: 'attempts', text: line };
  if (line === YOU_WERE_REMOVED_LINE) return { kind: 'removed-you', banned: false, text: line };
  if (line === YOU_WERE_BANNED_LINE || line === BANNED_LINE) return { kind: 'removed-you', banned: true, text: line };
  return { kind: 'notice', text: line };
}

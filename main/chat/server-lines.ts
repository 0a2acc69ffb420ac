/**
 * The lines the server writes about people, the topic and catch-up: each begins with
 * `Tincan: `, which no member's line can (a member's line always begins with `[`). Pure text,
 * without line ends; the README's protocol table lists them.
 */
import type { ServerNotice } from '../common/server-notice';

export const SERVER_LINE_START = 'Tincan: ';

/** `HH:MM` in the server's local time. */
export function clockTime(epochMs: number): string {
  const at = new Date(epochMs);
  return `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
}

/** `HH:MM`, with the date in front when it is not the same day as `now`. */
function since(epochMs: number, now: number): string {
  const at = new Date(epochMs);
  const today = new Date(now);
  if (at.toDateString() === today.toDateString()) return clockTime(epochMs);
  const date = `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, '0')}-${String(at.getDate()).padStart(2, '0')}`;
  return `${date} ${clockTime(epochMs)}`;
}

// ---- names, to everyone ------------------------------------------------------------------

export function nameTakenLine(peer: string, name: string): string {
  return `Tincan: [${peer}] is now ${name}`;
}

export function nameChangedLine(peer: string, oldName: string, name: string): string {
  return `Tincan: [${peer}] ${oldName} is now ${name}`;
}

export function nameDroppedLine(peer: string, oldName: string): string {
  return `Tincan: [${peer}] is no longer ${oldName}`;
}

// ---- names, to the one who asked ---------------------------------------------------------

/** Every refusal of `/name` starts so: the app can tell it from other replies. */
export const NAME_REFUSED_START = 'Tincan: name refused: ';

export function nameInvalidLine(reason: string): string {
  return `${NAME_REFUSED_START}${reason}.`;
}

export function nameTakenByLine(name: string, holder: string, holderPeer: string): string {
  return name === holder
    ? `${NAME_REFUSED_START}${name} is taken by [${holderPeer}]; choose another.`
    : `${NAME_REFUSED_START}${name} looks like ${holder}, taken by [${holderPeer}]; choose another.`;
}

export function nameUnchangedLine(name: string): string {
  return `Tincan: you are already ${name}.`;
}

export const NO_NAME_LINE = 'Tincan: you have no name to drop.';
export const NAMES_UNAVAILABLE_LINE = `${NAME_REFUSED_START}names are not available on this server.`;
export const RENAME_RATE_LINE = `${NAME_REFUSED_START}too many name changes; wait a minute.`;
export const COMMAND_RATE_LINE = 'Tincan: too many commands; wait a moment.';

// ---- who is here -------------------------------------------------------------------------

export interface WhoEntry {
  peer: string;
  name: string | null;
  connectedAt: number;
  you: boolean;
}

/**
 * `/who`: a count, then one line per person (at most `shown` of `total`), oldest first.
 * `wholeRoom` false: a cluster node, which knows only its own clients.
 */
export function whoLines(entries: readonly WhoEntry[], total: number, now: number, wholeRoom = true): string[] {
  const lines = [`Tincan: ${total === 1 ? '1 person' : `${total} people`} ${wholeRoom ? 'here' : 'on this server'}:`];
  for (const entry of entries) {
    const who = entry.name === null ? '(no name)' : entry.name;
    lines.push(`Tincan: [${entry.peer}] ${who}, since ${since(entry.connectedAt, now)}${entry.you ? ' (you)' : ''}`);
  }
  if (total > entries.length) lines.push(`Tincan: and ${total - entries.length} more.`);
  return lines;
}

export const HELP_LINES = [
  'Tincan: commands (only you see the answers):',
  'Tincan: /name NAME   take or change your name (1-32 characters, unique here)',
  'Tincan: /name        drop your name',
  'Tincan: /who         who is here: address, name, since when',
  'Tincan: /help        this list',
];

// ---- topic -------------------------------------------------------------------------------

export function topicLine(topic: string): string {
  return `Tincan: topic: ${topic}`;
}

export const TOPIC_CLEARED_LINE = 'Tincan: the topic was cleared.';

// ---- catch-up ----------------------------------------------------------------------------

/** Before the replayed lines: how many, and the times of the first and the last. */
export function replayHeaderLine(count: number, firstAt: number, lastAt: number): string {
  const from = clockTime(firstAt);
  const to = clockTime(lastAt);
  const span = from === to ? from : `${from}–${to}`;
  return count === 1 ? `Tincan: the last line, ${span}:` : `Tincan: the last ${count} lines, ${span}:`;
}

export const REPLAY_FOOTER_LINE = 'Tincan: end of the replay; live from here.';

// ---- reading them back -------------------------------------------------------------------

/** A `Tincan: ` line as a client (the app) understands it; defined with the app's line kinds. */
export type { ServerNotice };

const PEER_LABEL = /^\[(\[[0-9A-Fa-f:.%\w-]+\]:\d{1,5}|[\w.-]+:\d{1,5})\] /;
const REPLAY_START = /^the last (?:line|(\d{1,4}) lines), \d\d:\d\d(?:–\d\d:\d\d)?:$/;
const IS_NOW = ' is now ';

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
    const at = rest.indexOf(IS_NOW);
    if (at > 0 && at + IS_NOW.length < rest.length) {
      return { kind: 'name', peer, name: rest.slice(at + IS_NOW.length), previous: rest.slice(0, at) };
    }
    return { kind: 'notice', text: line };
  }
  if (line.startsWith(NAME_REFUSED_START)) return { kind: 'name-refused', reason: line.slice(NAME_REFUSED_START.length) };
  if (text.startsWith('topic: ')) return { kind: 'topic', topic: text.slice(7) };
  if (line === TOPIC_CLEARED_LINE) return { kind: 'topic', topic: null };
  const replay = REPLAY_START.exec(text);
  if (replay !== null) return { kind: 'replay-start', count: replay[1] === undefined ? 1 : Number(replay[1]) };
  if (line === REPLAY_FOOTER_LINE) return { kind: 'replay-end' };
  return { kind: 'notice', text: line };
}

/**
 * The lines the server writes about people, the topic and catch-up: each begins with
 * `Tincan: `, which no member's line can (a member's line always begins with `[`). Pure text,
 * without line ends; the README's protocol table lists them.
 */
import {
  BANNED_LINE,
  NAME_REFUSED_START,
  PASSWORD_ACCEPTED_LINE,
  PASSWORD_ATTEMPTS_START,
  PASSWORD_PROMPT_LINE,
  PASSWORD_TIMEOUT_START,
  PASSWORD_WRONG_LINE,
  YOU_WERE_BANNED_LINE,
  YOU_WERE_REMOVED_LINE,
  REPLAY_FOOTER_LINE,
  SERVER_LINE_START,
  TOPIC_CLEARED_LINE,
  WHO_NO_NAME,
  parseServerNotice,
  type ServerNotice,
} from '../common/server-notice';

export {
  BANNED_LINE,
  NAME_REFUSED_START,
  PASSWORD_ACCEPTED_LINE,
  PASSWORD_PROMPT_LINE,
  PASSWORD_WRONG_LINE,
  REPLAY_FOOTER_LINE,
  SERVER_LINE_START,
  TOPIC_CLEARED_LINE,
  YOU_WERE_BANNED_LINE,
  YOU_WERE_REMOVED_LINE,
};

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
    const who = entry.name === null ? WHO_NO_NAME : entry.name;
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

/** `/help` to the host's own client: the list with the commands only the host may use, before its end. */
export const HOST_HELP_LINES = [
  ...HELP_LINES.slice(0, -1),
  'Tincan: /kick WHO    remove NAME or IP:port from the room',
  'Tincan: /ban WHO     remove them and refuse their address until the room closes',
  ...HELP_LINES.slice(-1),
];

// ---- topic -------------------------------------------------------------------------------

export function topicLine(topic: string): string {
  return `Tincan: topic: ${topic}`;
}


// ---- catch-up ----------------------------------------------------------------------------

/** Before the replayed lines: how many, and the times of the first and the last. */
export function replayHeaderLine(count: number, firstAt: number, lastAt: number): string {
  const from = clockTime(firstAt);
  const to = clockTime(lastAt);
  const span = from === to ? from : `${from}–${to}`;
  return count === 1 ? `Tincan: the last line, ${span}:` : `Tincan: the last ${count} lines, ${span}:`;
}


// ---- the room's password and the host's removals ----------------------------------------

export function passwordTimeoutLine(seconds: number): string {
  return `${PASSWORD_TIMEOUT_START}${seconds} seconds; goodbye.`;
}

/** At accept, to an address whose wrong passwords used up its tries. */
export function passwordAttemptsLine(retryInSeconds: number): string {
  return `${PASSWORD_ATTEMPTS_START}; try again in ${retryInSeconds} seconds.`;
}

export const PASSWORD_WAITING_FULL_LINE = 'Tincan: too many connections are waiting to give the password; try again later.';

/** To everyone: the host removed (or banned) `peer`. */
export function removedLine(peer: string, name: string | null, banned: boolean): string {
  return `Tincan: [${peer}] ${name === null ? '' : `${name} `}was ${banned ? 'banned' : 'removed'} by the host.`;
}

/** `/kick` or `/ban` from anyone but the host's own client. */
export const HOST_ONLY_LINE = 'Tincan: only the host can remove people.';
export const REMOVE_USAGE_LINE = 'Tincan: say whom: /kick NAME or /kick IP:port (/ban the same).';
export const REMOVE_UNAVAILABLE_LINE = 'Tincan: removing people is not available on this server.';
export const REMOVE_HOST_LINE = 'Tincan: that is the host\'s own connection.';
export const BANS_FULL_LINE = 'Tincan: the ban list is full; remove them with /kick instead.';

export function removeNotFoundLine(target: string): string {
  return `Tincan: no one here is called ${target}.`;
}

// ---- reading them back -------------------------------------------------------------------

/** Reading them back (the app does): main/common/server-notice.ts, next to what they mean. */
export { parseServerNotice, type ServerNotice };

// ---- a cluster's names -------------------------------------------------------------------

/** A cluster node's clients hold as many names as one node may (a bound against squatting). */
export const NAMES_FULL_LINE = `${NAME_REFUSED_START}this server's people hold as many names as it may; try again later.`;

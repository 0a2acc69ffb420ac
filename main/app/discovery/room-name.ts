/**
 * Room names and the other short texts discovery carries (TXT values, beacon fields): what a
 * host may call its room, and how a name that arrived from the network is made safe to show.
 * Escape sequences go as they go from chat text (stripControls); the rest of the cleaning is
 * cleanDisplayName's (main/common), the one every shown name goes through.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { stripControls } from '../../chat/sanitize';
import { cleanDisplayName } from '../../common/display-name';
import { MAX_ROOM_NAME_BYTES, clipToBytes, defaultRoomName, utf8Length } from '../../common/rooms';

// stripControls drops a line break; in a name it reads as a space.
const LINE_BREAKS = /[\r\n\v\f]+/g;

/**
 * Printable, single-line, trimmed, nothing invisible; '' when nothing visible is left. Reads
 * at most `maxChars` of `raw`.
 */
function cleanText(raw: string, maxChars: number): string {
  return cleanDisplayName(stripControls(raw.slice(0, maxChars).replace(LINE_BREAKS, ' ')), maxChars);
}

/**
 * A name received from the network, ready to show: cleaned and cut to MAX_ROOM_NAME_BYTES on
 * a character boundary. Null when nothing visible is left.
 */
export function cleanReceivedName(raw: string): string | null {
  const text = cleanDisplayName(clipToBytes(cleanText(raw, 4 * MAX_ROOM_NAME_BYTES), MAX_ROOM_NAME_BYTES));
  return text === '' ? null : text;
}

export type RoomNameCheck = { ok: true; name: string } | { ok: false; error: string };

/** A name the host typed: cleaned, and refused with a sentence when empty or too long. */
export function checkRoomName(raw: string): RoomNameCheck {
  const name = cleanText(raw, raw.length);
  if (name === '') return { ok: false, error: 'The room needs a name others will recognise.' };
  const bytes = utf8Length(name);
  if (bytes > MAX_ROOM_NAME_BYTES) {
    return {
      ok: false,
      error: `The room name is too long: at most ${MAX_ROOM_NAME_BYTES} bytes (about ${MAX_ROOM_NAME_BYTES} plain letters, fewer with accents or emoji); this one is ${bytes}.`,
    };
  }
  return { ok: true, name };
}

/** A short version string from the network (`0.1.0`, `1.2.3-beta.1`), or null. */
export function cleanVersion(raw: unknown): string | null {
  return typeof raw === 'string' && /^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$/.test(raw) ? raw : null;
}

/** A people count from the network: a whole number from 0 to 1,000,000, or null. */
export function cleanPeople(raw: unknown): number | null {
  const value = typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : raw;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 1_000_000 ? value : null;
}

const ROOM_ID = /^[0-9a-f]{8,32}$/;

/** A room id from the network (lower-case hex, 8–32 digits), or null. */
export function cleanRoomId(raw: unknown): string | null {
  return typeof raw === 'string' && ROOM_ID.test(raw) ? raw : null;
}

/** A fresh id for a room being announced: 64 random bits, so both mechanisms' sightings merge. */
export function newRoomId(): string {
  return randomBytes(8).toString('hex');
}

/** Who is logged in, for the default room name; '' when the system will not say. */
function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? '';
  }
}

/** This machine's default room name: "<user>'s room on <hostname>", cleaned and within 63 bytes. */
export function systemDefaultRoomName(): string {
  const name = defaultRoomName(userName(), os.hostname());
  const checked = checkRoomName(name);
  return checked.ok ? checked.name : 'Tincan room';
}

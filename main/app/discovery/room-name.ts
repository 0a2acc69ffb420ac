/**
 * Room names and the other short texts discovery carries (TXT values, beacon fields): what a
 * host may call its room, and how a name that arrived from the network is made safe to show.
 * Names are cleaned like chat text (no terminal controls), and also lose the invisible
 * formatting characters that would let one room's name disguise itself as another's.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { isBlank, stripControls } from '../../chat/sanitize';
import { MAX_ROOM_NAME_BYTES, clipToBytes, defaultRoomName, utf8Length } from '../../common/rooms';

// Bidirectional overrides and isolates, zero-width characters, the BOM and soft hyphen.
const INVISIBLE_FORMATTING = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const RUNS_OF_SPACE = /\s+/g;
const LINE_BREAKS = /[\r\n\v\f\u2028\u2029]+/g;

/** Printable, single-line, trimmed; blank when nothing visible is left. A line break reads as a space. */
function cleanText(raw: string): string {
  return stripControls(raw.replace(LINE_BREAKS, ' ')).replace(INVISIBLE_FORMATTING, '').replace(RUNS_OF_SPACE, ' ').trim();
}

/**
 * A name received from the network, ready to show: cleaned and cut to MAX_ROOM_NAME_BYTES on
 * a character boundary. Null when nothing visible is left.
 */
export function cleanReceivedName(raw: string): string | null {
  const text = clipToBytes(cleanText(raw.slice(0, 4 * MAX_ROOM_NAME_BYTES)), MAX_ROOM_NAME_BYTES).trim();
  return isBlank(text) ? null : text;
}

export type RoomNameCheck = { ok: true; name: string } | { ok: false; error: string };

/** A name the host typed: cleaned, and refused with a sentence when empty or too long. */
export function checkRoomName(raw: string): RoomNameCheck {
  const name = cleanText(raw);
  if (isBlank(name)) return { ok: false, error: 'The room needs a name others will recognise.' };
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

/**
 * Reading the room's stream entries back. Every field is checked as if a stranger had written
 * it: a node can be compromised, and anything with write access to Redis can XADD. A bad
 * entry is counted and skipped, never shown; a good one is framed by the server with the same
 * line rules as a local client's (see ClusterRoom).
 */
import net from 'node:net';
import { formatPeer } from '../../chat/protocol';
import { cleanPersonName, personNameKey } from '../../common/person-name';

export type StreamEventKind = 'join' | 'line' | 'leave' | 'name';

export interface StreamEvent {
  /** Stream entry id, `MS-SEQ`. */
  id: string;
  kind: StreamEventKind;
  /** Position in the room's history (1, 2, 3, …), kept by Redis across trimming. */
  ordinal: number;
  node: string;
  /** The origin's sequence number; null for a departure a reaper announced for a dead node. */
  seq: number | null;
  client: number;
  /** `IP:port` as the origin node saw its client (validated, canonical). */
  peer: string;
  /** Lines only: the text as bytes (not yet cleaned). */
  text: Buffer | null;
  /** Departures a reaper announced: the node that announced them (it also wrote the dead node's tombstone). */
  reaper: string | null;
  /** Name events: the name taken (clean, as cleanPersonName leaves it), null when the name was dropped. */
  name: string | null;
  /** Name events: the name's look-alike key (personNameKey), null when the name was dropped. */
  key: string | null;
}

/** Node ids are 12 lower-case hex digits (48 random bits). */
export const NODE_ID = /^[0-9a-f]{12}$/;
const ENTRY_ID = /^\d{1,20}-\d{1,20}$/;
const DIGITS = /^\d{1,15}$/;
/** Longest `IP:port` label: a full IPv6 address with a zone, bracketed, and a port. */
const MAX_PEER_LENGTH = 80;
/** A name is at most 32 characters of at most 4 bytes each. */
const MAX_NAME_BYTES = 128;
/** A name's look-alike key: decomposition lengthens some characters; a node shares no name whose key is longer. */
export const MAX_NAME_KEY_BYTES = 1024;

/** A name exactly as a node grants it: clean already, and `key` its look-alike key. */
export function isGrantableName(name: string, key: string): boolean {
  const cleaned = cleanPersonName(name);
  return cleaned.ok && cleaned.text === name && personNameKey(name) === key;
}

/** `IP:port` exactly as formatPeer prints it, or null. */
export function canonicalPeer(label: string): string | null {
  if (label.length === 0 || label.length > MAX_PEER_LENGTH) return null;
  const match = /^(?:\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(label);
  if (!match) return null;
  const host = match[1] ?? match[2]!;
  const port = Number(match[3]);
  if (port > 65535 || net.isIP(host) === 0) return null;
  const canonical = formatPeer(host, port);
  return canonical === label ? canonical : null;
}

function kindOf(value: Buffer): StreamEventKind | null {
  if (value.length !== 1) return null;
  switch (value[0]) {
    case 0x6a: // j
      return 'join';
    case 0x6c: // l
      return 'line';
    case 0x71: // q
      return 'leave';
    case 0x6e: // n
      return 'name';
    default:
      return null;
  }
}

/** The id of an entry as XREAD returns it with Buffer replies (`[id, fields]`), or null. */
export function entryId(entry: unknown): string | null {
  if (!Array.isArray(entry) || entry.length !== 2 || !Buffer.isBuffer(entry[0])) return null;
  const id = entry[0].toString('latin1');
  return ENTRY_ID.test(id) ? id : null;
}

/**
 * One entry as XREAD returns it with Buffer replies: `[id, [field, value, …]]`.
 * Returns null for anything malformed, and for what a real node never writes: a text longer
 * than `maxTextBytes` (the nodes' --max-line) or with a CR or LF in it (a node appends one
 * line per entry). So a compromised writer cannot make every node split megabytes into lines.
 * `id`: the entry's id when the caller already read it.
 */
export function parseStreamEntry(entry: unknown, maxTextBytes: number, id: string | null = entryId(entry)): StreamEvent | null {
  if (id === null) return null;
  const fields: unknown = (entry as unknown[])[1];
  if (!Array.isArray(fields) || fields.length % 2 !== 0 || fields.length > 18) return null;
  let kind: StreamEventKind | null = null;
  let ordinal: number | null = null;
  let node: string | null = null;
  let seq: number | null = null;
  let client: number | null = null;
  let peer: string | null = null;
  let text: Buffer | null = null;
  let reaper: string | null = null;
  let personName: string | null = null;
  let nameKey: string | null = null;
  for (let i = 0; i < fields.length; i += 2) {
    const name: unknown = fields[i];
    const value: unknown = fields[i + 1];
    if (!Buffer.isBuffer(name) || !Buffer.isBuffer(value) || name.length !== 1) return null;
    switch (name[0]) {
      case 0x6b: // k
        kind = kindOf(value);
        if (kind === null) return null;
        break;
      case 0x6f: {
        // o
        const digits = value.toString('latin1');
        if (!DIGITS.test(digits)) return null;
        ordinal = Number(digits);
        break;
      }
      case 0x6e: // n
        node = value.toString('latin1');
        if (!NODE_ID.test(node)) return null;
        break;
      case 0x73: {
        // s
        const digits = value.toString('latin1');
        if (!DIGITS.test(digits)) return null;
        seq = Number(digits);
        break;
      }
      case 0x63: {
        // c
        const digits = value.toString('latin1');
        if (!DIGITS.test(digits)) return null;
        client = Number(digits);
        break;
      }
      case 0x70: // p
        if (value.length > MAX_PEER_LENGTH) return null;
        peer = canonicalPeer(value.toString('latin1'));
        if (peer === null) return null;
        break;
      case 0x74: // t
        if (value.length > maxTextBytes || value.includes(0x0a) || value.includes(0x0d)) return null;
        text = value;
        break;
      case 0x72: // r
        reaper = value.toString('latin1');
        if (!NODE_ID.test(reaper)) return null;
        break;
      case 0x61: // a
        if (value.length > MAX_NAME_BYTES) return null;
        personName = value.toString('utf8');
        if (!Buffer.from(personName, 'utf8').equals(value)) return null; // not valid UTF-8
        break;
      case 0x68: // h
        if (value.length > MAX_NAME_KEY_BYTES) return null;
        nameKey = value.toString('utf8');
        if (!Buffer.from(nameKey, 'utf8').equals(value)) return null;
        break;
      default:
        return null;
    }
  }
  if (kind === null || ordinal === null || node === null || client === null || peer === null) return null;
  // Only a departure may come from a reaper; everything else carries its origin's sequence.
  if (reaper !== null ? kind !== 'leave' || seq !== null : seq === null) return null;
  if ((kind === 'line') !== (text !== null)) return null;
  if (kind === 'name') {
    if ((personName === null) !== (nameKey === null) || (personName !== null && !isGrantableName(personName, nameKey!))) return null;
  } else if (personName !== null || nameKey !== null) {
    return null;
  }
  return { id, kind, ordinal, node, seq, client, peer, text, reaper, name: personName, key: nameKey };
}

/**
 * Stream ids compared as numbers (`MS-SEQ`, both well formed). Milliseconds since 1970 and
 * per-millisecond sequence numbers stay far below 2^53, where Number is exact; longer digit
 * strings (a forged id) still compare correctly by length first.
 */
export function compareIds(a: string, b: string): number {
  const dashA = a.indexOf('-');
  const dashB = b.indexOf('-');
  return compareDigits(a, 0, dashA, b, 0, dashB) || compareDigits(a, dashA + 1, a.length, b, dashB + 1, b.length);
}

function compareDigits(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): number {
  // Without leading zeros (Redis never writes them), the longer number is the larger.
  while (aStart < aEnd - 1 && a.charCodeAt(aStart) === 0x30) aStart++;
  while (bStart < bEnd - 1 && b.charCodeAt(bStart) === 0x30) bStart++;
  const lengths = aEnd - aStart - (bEnd - bStart);
  if (lengths !== 0) return lengths < 0 ? -1 : 1;
  for (let i = 0; i < aEnd - aStart; i++) {
    const d = a.charCodeAt(aStart + i) - b.charCodeAt(bStart + i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

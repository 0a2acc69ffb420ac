/**
 * The UDP beacon: Tincan's fallback for networks that drop multicast DNS (many campus and
 * hotel Wi-Fi networks do). A room sends it to each interface's directed broadcast address
 * (`10.0.0.255`), on the room's port number over UDP (60003/udp by default), every few
 * seconds and in answer to a query. A joiner listens on that port and may broadcast a query.
 *
 * Wire format, version 1: one UDP datagram holding one JSON object, UTF-8, at most 512 bytes.
 *
 *   room   {"tincan":1,"type":"room","id":"9f2c4e1a7b3d5f60","name":"Ana’s room on lab-3",
 *           "port":60003,"people":4,"proto":1,"app":"0.1.0","ttl":10}
 *   bye    {"tincan":1,"type":"bye","id":"9f2c4e1a7b3d5f60","port":60003}
 *   query  {"tincan":1,"type":"query"}
 *
 * - `tincan`: format version. A later version keeps every version-1 field, so a reader
 *   accepts any whole number ≥ 1 and ignores fields it does not know.
 * - `id`: 8–32 lower-case hex digits, random per hosting; the same id is in the room's DNS-SD
 *   TXT record, so a room seen both ways is listed once.
 * - `name`: the room's name, at most 63 bytes of UTF-8 (a DNS-SD instance name's limit).
 * - `port`: the room's TCP port. The address to join is the datagram's source address.
 * - `people`: how many are connected now; `proto`: chat protocol version; `app`: app version.
 * - `ttl`: seconds the announcement stays valid without a newer one (1–120).
 * - `key`: the host's TLS key, the SHA-256 fingerprint of its certificate as 64 hex digits;
 *   absent when the room speaks plain text only. A room with a key takes its `id` from it
 *   (roomIdForKey: the key's first 32 digits); a key that does not match the id is ignored.
 *   Not a proof of anything: a joiner checks the key in the TLS handshake.
 * - `bye`: the room has closed; forget it now.
 *
 * Anything else — longer than 512 bytes, not JSON, a field of the wrong type, a name with
 * nothing printable — is not a beacon and is dropped without a reply.
 */
import { CHAT_PROTOCOL_VERSION, MAX_ROOM_NAME_BYTES, clipToBytes } from '../../common/rooms';
import { normalizeFingerprint } from '../../common/fingerprint';
import { cleanPeople, cleanReceivedName, cleanRoomId, cleanVersion } from './room-name';

export const BEACON_FORMAT_VERSION = 1;
export const MAX_BEACON_BYTES = 512;
export const MAX_BEACON_TTL_S = 120;

export interface RoomBeacon {
  type: 'room';
  id: string;
  name: string;
  port: number;
  people: number | null;
  proto: number | null;
  app: string | null;
  ttl: number;
  /** The host's key (`AB:CD:…`) when the room speaks TLS and the key matches the id; else absent. */
  key?: string;
}

export interface ByeBeacon {
  type: 'bye';
  id: string;
  port: number;
}

export interface QueryBeacon {
  type: 'query';
}

export type Beacon = RoomBeacon | ByeBeacon | QueryBeacon;

export interface RoomBeaconFields {
  id: string;
  name: string;
  port: number;
  people: number;
  app: string;
  ttl: number;
  /** The host's key (`AB:CD:…`) when the room speaks TLS. */
  key?: string | null;
}

/** A room's id from its host's key: the fingerprint's first 128 bits, as lower-case hex. */
export function roomIdForKey(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').slice(0, 32).toLowerCase();
}

/** The key in a beacon or TXT record: 64 hex digits, lower case. */
export function encodeKey(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').toLowerCase();
}

/** A received key: canonical when well-formed and the room's id is taken from it, else null. */
export function cleanKey(raw: unknown, id: string): string | null {
  const key = normalizeFingerprint(raw);
  return key !== null && roomIdForKey(key) === id ? key : null;
}

/** Encodes a room beacon; a name too long for 512 bytes is shortened, never the format. */
export function encodeRoomBeacon(room: RoomBeaconFields): Buffer {
  let name = clipToBytes(room.name, MAX_ROOM_NAME_BYTES);
  for (;;) {
    const bytes = Buffer.from(
      JSON.stringify({
        tincan: BEACON_FORMAT_VERSION,
        type: 'room',
        id: room.id,
        name,
        port: room.port,
        people: room.people,
        proto: CHAT_PROTOCOL_VERSION,
        app: room.app,
        ttl: room.ttl,
        ...(room.key ? { key: encodeKey(room.key) } : {}),
      }),
      'utf8',
    );
    if (bytes.length <= MAX_BEACON_BYTES || name.length === 0) return bytes;
    // Only a name of escaped characters can get here; each step drops one character.
    name = Array.from(name).slice(0, -1).join('');
  }
}

export function encodeByeBeacon(id: string, port: number): Buffer {
  return Buffer.from(JSON.stringify({ tincan: BEACON_FORMAT_VERSION, type: 'bye', id, port }), 'utf8');
}

export function encodeQueryBeacon(): Buffer {
  return Buffer.from(JSON.stringify({ tincan: BEACON_FORMAT_VERSION, type: 'query' }), 'utf8');
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** Reads one datagram; null for anything that is not a well-formed beacon. Never throws. */
export function decodeBeacon(datagram: Uint8Array): Beacon | null {
  // 0x7b is "{": most stray traffic on the port fails here, before any parsing.
  if (datagram.length < 2 || datagram.length > MAX_BEACON_BYTES || datagram[0] !== 0x7b) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(datagram.buffer, datagram.byteOffset, datagram.length).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const fields = value as Record<string, unknown>;
  const version = fields.tincan;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return null;
  switch (fields.type) {
    case 'query':
      return { type: 'query' };
    case 'bye': {
      const id = cleanRoomId(fields.id);
      return id !== null && isPort(fields.port) ? { type: 'bye', id, port: fields.port } : null;
    }
    case 'room': {
      const id = cleanRoomId(fields.id);
      const key = id !== null && typeof fields.key === 'string' && fields.key.length === 64 ? cleanKey(fields.key, id) : null;
      const name = typeof fields.name === 'string' ? cleanReceivedName(fields.name) : null;
      const ttl = fields.ttl;
      if (id === null || name === null || !isPort(fields.port)) return null;
      if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_BEACON_TTL_S) return null;
      const proto = fields.proto;
      return {
        type: 'room',
        id,
        name,
        port: fields.port,
        people: cleanPeople(fields.people),
        proto: typeof proto === 'number' && Number.isInteger(proto) && proto >= 0 && proto < 1000 ? proto : null,
        app: cleanVersion(fields.app),
        ttl,
        ...(key !== null && { key }),
      };
    }
    default:
      return null;
  }
}

/**
 * DNS-SD for a Tincan room (RFC 6763 over RFC 6762 multicast DNS), as data: the records a
 * room announces on one interface, the answer to a query, and the cache a finder keeps of
 * what it heard. Pure: the sockets live in mdns-link.ts. Packets are the decoded shapes of
 * dns-packet (multicast-dns hands them over already parsed).
 *
 * A room is `<name>._tincan._tcp.local`:
 *   PTR  _tincan._tcp.local            -> <name>._tincan._tcp.local
 *   SRV  <name>._tincan._tcp.local     -> port, target tincan-<id>.local
 *   TXT  <name>._tincan._tcp.local     -> txtvers=1 proto=1 id=<id> people=<n> app=<version>
 *                                        [key=<the host's TLS key, 64 hex; id is its first 32>]
 *   A / AAAA  tincan-<id>.local        -> the addresses of the interface it is announced on,
 *                                         then those of the room's other announced interfaces
 * The target host name is the room's own, so it can never clash with the computer's
 * `<hostname>.local` that Avahi or Bonjour defends (a clash would make them rename the host).
 */
import type multicastDns from 'multicast-dns';
import { MAX_ROOM_NAME_BYTES, ROOM_SERVICE_TYPE, CHAT_PROTOCOL_VERSION, clipToBytes } from '../../common/rooms';
import { cleanPeople, cleanReceivedName, cleanRoomId, cleanVersion } from './room-name';
import { cleanKey, encodeKey } from './beacon';
import type { Sighting } from './room-table';
import { isLinkLocalIPv6 } from './interfaces';

type Packet = multicastDns.Packet;
type Answer = multicastDns.Answer;

export const SERVICE_NAME = `${ROOM_SERVICE_TYPE}.local`;
export const SERVICES_META_NAME = '_services._dns-sd._udp.local';
/**
 * TTL of every record of a room. Shorter than RFC 6762's suggested 120 s on purpose: rooms
 * come and go, and a room that vanished without a goodbye (crash, lid closed, cable pulled)
 * should leave other people's lists within 20 s. Finders refresh at 80–95 % of it.
 */
export const RECORD_TTL_S = 20;
/**
 * A finder keeps a record at most this long without hearing it again, whatever its TTL, so
 * a third party's room (120 s, or 75 min for its PTR) also goes away soon after it stops.
 */
export const MAX_SIGHTING_S = 30;
/** Records read from one packet; a legitimate answer has fewer than 20. */
export const MAX_RECORDS_PER_PACKET = 64;
const MAX_TXT_STRINGS = 32;

export interface AnnouncedRoom {
  id: string;
  name: string;
  port: number;
  people: number;
  appVersion: string;
  /** The host's TLS key (`AB:CD:…`), whose first 128 bits are `id`; absent for plain text. */
  key?: string | null;
}

export interface LinkAddresses {
  ipv4: readonly string[];
  ipv6: readonly string[];
}

export interface RoomRecords {
  fqdn: string;
  target: string;
  ptr: Answer;
  srv: Answer;
  txt: Answer;
  addresses: Answer[];
  servicesPtr: Answer;
}

function lower(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * The room's name as one DNS label: at most 63 bytes, and no "." (the library would split
 * the label there). A dot becomes "․" (U+2024 ONE DOT LEADER), which reads the same.
 */
export function instanceLabel(name: string): string {
  return clipToBytes(name.replace(/\./g, '\u2024'), MAX_ROOM_NAME_BYTES);
}

export function roomFqdn(name: string): string {
  return `${instanceLabel(name)}.${SERVICE_NAME}`;
}

export function txtStrings(room: AnnouncedRoom): Buffer[] {
  return [
    'txtvers=1',
    `proto=${CHAT_PROTOCOL_VERSION}`,
    `id=${room.id}`,
    `people=${room.people}`,
    `app=${room.appVersion}`,
    ...(room.key ? [`key=${encodeKey(room.key)}`] : []),
  ].map((text) => Buffer.from(text, 'utf8'));
}

/** Every record of `room` as announced on one interface with `link`'s addresses. */
export function roomRecords(room: AnnouncedRoom, link: LinkAddresses, ttl = RECORD_TTL_S): RoomRecords {
  const fqdn = roomFqdn(room.name);
  const target = `tincan-${room.id}.local`;
  return {
    fqdn,
    target,
    ptr: { name: SERVICE_NAME, type: 'PTR', ttl, data: fqdn },
    srv: { name: fqdn, type: 'SRV', ttl, flush: true, data: { port: room.port, target, priority: 0, weight: 0 } },
    txt: { name: fqdn, type: 'TXT', ttl, flush: true, data: txtStrings(room) },
    addresses: [
      ...link.ipv4.map((address): Answer => ({ name: target, type: 'A', ttl, flush: true, data: address })),
      ...link.ipv6.map((address): Answer => ({ name: target, type: 'AAAA', ttl, flush: true, data: address })),
    ],
    servicesPtr: { name: SERVICES_META_NAME, type: 'PTR', ttl, data: SERVICE_NAME },
  };
}

/** The unsolicited announcement (RFC 6762 §8.3): everything, in one packet. */
export function announcementPacket(records: RoomRecords): Packet {
  return {
    type: 'response',
    answers: [records.ptr, records.srv, records.txt, ...records.addresses],
    additionals: [records.servicesPtr],
  };
}

/** The same records with TTL 0: "this room is gone" (RFC 6762 §10.1). */
export function goodbyePacket(records: RoomRecords): Packet {
  const zero = (answer: Answer): Answer => ({ ...answer, ttl: 0 });
  return { type: 'response', answers: [records.ptr, records.srv, records.txt, ...records.addresses].map(zero) };
}

/** Only the TXT record (with cache-flush): "the number of people changed". */
export function txtUpdatePacket(records: RoomRecords): Packet {
  return { type: 'response', answers: [records.txt, records.srv, ...records.addresses] };
}

function knowsAnswer(query: Packet, record: Answer): boolean {
  // Known-answer suppression (RFC 6762 §7.1): the asker already has it with at least half its TTL.
  return (query.answers ?? []).some(
    (known) =>
      known.type === record.type &&
      lower(known.name) === lower(record.name) &&
      typeof known.data === 'string' &&
      typeof record.data === 'string' &&
      lower(known.data) === lower(record.data) &&
      (known.ttl ?? 0) >= (record.ttl ?? 0) / 2,
  );
}

/** What `records` answer to `query`, or null when it asks nothing about this room. */
export function answerFor(query: Packet, records: RoomRecords): Packet | null {
  const answers = new Set<Answer>();
  const additionals = new Set<Answer>();
  const fqdn = lower(records.fqdn);
  const target = lower(records.target);
  for (const question of (query.questions ?? []).slice(0, 16)) {
    const name = lower(question.name);
    const type = question.type;
    const any = type === 'ANY';
    if (name === SERVICE_NAME && (type === 'PTR' || any)) {
      if (knowsAnswer(query, records.ptr)) continue;
      answers.add(records.ptr);
      for (const record of [records.srv, records.txt, ...records.addresses]) additionals.add(record);
    } else if (name === fqdn && (type === 'SRV' || type === 'TXT' || any)) {
      if (type !== 'TXT') answers.add(records.srv);
      if (type !== 'SRV') answers.add(records.txt);
      for (const record of records.addresses) additionals.add(record);
    } else if (name === target && (type === 'A' || type === 'AAAA' || any)) {
      for (const record of records.addresses) if (any || record.type === type) answers.add(record);
    } else if (name === SERVICES_META_NAME && (type === 'PTR' || any)) {
      answers.add(records.servicesPtr);
    }
  }
  if (answers.size === 0) return null;
  for (const answer of answers) additionals.delete(answer);
  return { type: 'response', answers: [...answers], additionals: [...additionals] };
}

/** The question a finder asks: "which _tincan._tcp rooms are there?". */
export function browseQuery(): Packet {
  return { type: 'query', questions: [{ name: SERVICE_NAME, type: 'PTR' }] };
}

/** The question for one room whose PTR arrived without its SRV and TXT. */
export function resolveQuery(fqdn: string): Packet {
  return { type: 'query', questions: [{ name: fqdn, type: 'SRV' }, { name: fqdn, type: 'TXT' }] };
}

// ---- the finder's side ------------------------------------------------------------------

function instanceOf(fqdn: string): string | null {
  const suffix = `.${SERVICE_NAME}`;
  const name = fqdn.replace(/\.$/, '');
  if (name.length <= suffix.length || !name.toLowerCase().endsWith(suffix)) return null;
  return name.slice(0, -suffix.length);
}

function decodeTxt(data: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(data)) return out;
  for (const item of data.slice(0, MAX_TXT_STRINGS)) {
    if (!Buffer.isBuffer(item) || item.length === 0 || item.length > 255) continue;
    const text = item.toString('latin1');
    const eq = text.indexOf('=');
    const key = (eq < 0 ? text : text.slice(0, eq)).toLowerCase();
    if (!/^[a-z][a-z0-9-]{0,15}$/.test(key) || out.has(key)) continue;
    out.set(key, eq < 0 ? '' : item.subarray(eq + 1).toString('utf8'));
  }
  return out;
}

interface InstanceEntry {
  fqdn: string;
  instance: string;
  sender: string;
  srv: { port: number; target: string; expiresAt: number } | null;
  txt: { values: Map<string, string>; expiresAt: number } | null;
  seenAt: number;
}

interface HostEntry {
  addresses: Map<string, { type: string; receivedAt: number; expiresAt: number }>;
}

export interface CacheResult {
  /** Complete rooms this packet told us something about. */
  sightings: Sighting[];
  /** Rooms that said goodbye: room key and sender, for RoomTable.goodbye. */
  goodbyes: { roomKey: string; sightingKey: string; sender: string }[];
  /** Names that arrived without SRV/TXT and should be asked about. */
  unresolved: string[];
}

export interface ServiceCacheOptions {
  maxInstances?: number;
  maxHosts?: number;
  maxSightingS?: number;
}

/**
 * What a finder remembers of multicast DNS answers, per sender: each room's SRV and TXT, and
 * the addresses of each SRV target. Answers often arrive split (a TXT update alone, the PTR
 * in one packet and the addresses in the next), so sightings are built from the cache.
 * Bounded by count; entries expire by TTL (at most MAX_SIGHTING_S).
 */
export class ServiceCache {
  private readonly instances = new Map<string, InstanceEntry>();
  private readonly hosts = new Map<string, HostEntry>();
  private readonly maxInstances: number;
  private readonly maxHosts: number;
  private readonly maxSightingMs: number;

  constructor(options: ServiceCacheOptions = {}) {
    this.maxInstances = options.maxInstances ?? 256;
    this.maxHosts = options.maxHosts ?? 256;
    this.maxSightingMs = (options.maxSightingS ?? MAX_SIGHTING_S) * 1000;
  }

  get size(): number {
    return this.instances.size;
  }

  /** Reads one response packet from `sender` (an address, with `%zone` for link-local IPv6). */
  ingest(packet: Packet, sender: string, now: number): CacheResult {
    const result: CacheResult = { sightings: [], goodbyes: [], unresolved: [] };
    if (packet.type !== 'response') return result;
    const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])].slice(0, MAX_RECORDS_PER_PACKET);
    const touched = new Set<string>();
    const gone = new Set<string>();
    const expiry = (ttl: number | undefined) => now + Math.min((ttl ?? 0) * 1000, this.maxSightingMs);

    // Addresses first, so a room in the same packet gets them.
    for (const record of records) {
      if ((record.type !== 'A' && record.type !== 'AAAA') || typeof record.data !== 'string') continue;
      const hostKey = `${lower(record.name)}|${sender}`;
      let host = this.hosts.get(hostKey);
      if (!host) {
        if ((record.ttl ?? 0) === 0 || this.hosts.size >= this.maxHosts) continue;
        host = { addresses: new Map() };
        this.hosts.set(hostKey, host);
      }
      let address = record.data;
      if (record.type === 'AAAA' && isLinkLocalIPv6(address) && !address.includes('%') && sender.includes('%')) {
        address = `${address}%${sender.slice(sender.indexOf('%') + 1)}`;
      }
      if (record.flush) {
        // Cache flush (RFC 6762 §10.2): older records of this name and type are replaced.
        for (const [known, seen] of host.addresses) {
          if (seen.type === record.type && seen.receivedAt < now - 1000) host.addresses.delete(known);
        }
      }
      if ((record.ttl ?? 0) === 0) host.addresses.delete(address);
      else if (host.addresses.size < 8 || host.addresses.has(address)) {
        host.addresses.set(address, { type: record.type, receivedAt: now, expiresAt: expiry(record.ttl) });
      }
    }

    for (const record of records) {
      let fqdn: string | null = null;
      if (record.type === 'PTR' && lower(record.name) === SERVICE_NAME && typeof record.data === 'string') fqdn = record.data;
      else if ((record.type === 'SRV' || record.type === 'TXT') && instanceOf(record.name) !== null) fqdn = record.name;
      if (fqdn === null) continue;
      const instance = instanceOf(fqdn);
      if (instance === null) continue;
      const key = `${lower(fqdn)}|${sender}`;
      const ttl = record.ttl ?? 0;
      if (ttl === 0 && (record.type === 'PTR' || record.type === 'SRV')) {
        gone.add(key);
        continue;
      }
      let entry = this.instances.get(key);
      if (!entry) {
        if (ttl === 0 || this.instances.size >= this.maxInstances) continue;
        entry = { fqdn: lower(fqdn), instance, sender, srv: null, txt: null, seenAt: now };
        this.instances.set(key, entry);
      }
      entry.seenAt = now;
      if (record.type === 'SRV') {
        const data = record.data as Partial<multicastDns.SrvData> | null;
        const port = data?.port;
        const target = data?.target;
        if (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535 && typeof target === 'string' && target.length <= 255) {
          entry.srv = { port, target: lower(target), expiresAt: expiry(ttl) };
        }
      } else if (record.type === 'TXT') {
        if (ttl > 0) entry.txt = { values: decodeTxt(record.data), expiresAt: expiry(ttl) };
      } else if (entry.srv) {
        // A PTR alone refreshes a room we know.
        entry.srv.expiresAt = Math.max(entry.srv.expiresAt, expiry(Math.min(ttl, RECORD_TTL_S)));
      }
      touched.add(key);
    }

    for (const key of gone) {
      const entry = this.instances.get(key);
      if (!entry) continue;
      this.instances.delete(key);
      touched.delete(key);
      result.goodbyes.push({ roomKey: roomKeyOf(entry), sightingKey: sightingKeyOf(entry), sender });
    }
    for (const key of touched) {
      const entry = this.instances.get(key);
      if (!entry) continue;
      const sighting = this.sightingOf(entry, now);
      if (sighting) result.sightings.push(sighting);
      else if (!entry.srv) result.unresolved.push(entry.fqdn);
    }
    return result;
  }

  /** Forgets what has expired. */
  expire(now: number): void {
    for (const [key, entry] of this.instances) {
      const srvAlive = entry.srv !== null && entry.srv.expiresAt > now;
      if (!srvAlive && now - entry.seenAt > this.maxSightingMs) this.instances.delete(key);
      if (entry.txt && entry.txt.expiresAt <= now) entry.txt = null;
    }
    for (const [key, host] of this.hosts) {
      for (const [address, seen] of host.addresses) if (seen.expiresAt <= now) host.addresses.delete(address);
      if (host.addresses.size === 0) this.hosts.delete(key);
    }
  }

  clear(): void {
    this.instances.clear();
    this.hosts.clear();
  }

  private sightingOf(entry: InstanceEntry, now: number): Sighting | null {
    const hostKey = keyOf(entry);
    if (!entry.srv || entry.srv.expiresAt <= now) return null;
    const name = cleanReceivedName(entry.instance);
    if (name === null) return null;
    const host = this.hosts.get(`${entry.srv.target}|${entry.sender}`);
    const txt = entry.txt?.values;
    return {
      key: sightingKeyOf(entry),
      roomKey: roomKeyOf(entry),
      source: 'mdns',
      name,
      port: entry.srv.port,
      sender: entry.sender,
      addresses: host ? [...host.addresses.keys()] : [],
      people: cleanPeople(txt?.get('people')),
      appVersion: cleanVersion(txt?.get('app')),
      ...(hostKey !== null && { hostKey }),
      seenAt: now,
      expiresAt: entry.srv.expiresAt,
    };
  }
}

function sightingKeyOf(entry: InstanceEntry): string {
  return `mdns|${entry.fqdn}|${entry.sender}`;
}

function keyOf(entry: InstanceEntry): string | null {
  const id = cleanRoomId(entry.txt?.values.get('id'));
  const key = entry.txt?.values.get('key');
  return id !== null && key !== undefined && key.length === 64 ? cleanKey(key, id) : null;
}

function roomKeyOf(entry: InstanceEntry): string {
  const id = cleanRoomId(entry.txt?.values.get('id'));
  return id !== null ? `id:${id}` : `dns:${entry.fqdn}`;
}

/**
 * The merging and ranking behind "Rooms on your network": pure, clock passed in.
 *
 * A *sighting* is one announcement as one mechanism heard it from one sender: a room on a
 * host with Wi-Fi and Ethernet, announced by multicast DNS and by the UDP beacon, makes four
 * sightings. They share a room key (the room's announced id, or its DNS-SD name for rooms
 * announced by other software) and become one DiscoveredRoom whose addresses are ranked for
 * this machine: an address on one of our own networks first, IPv4 before IPv6.
 *
 * Everything here came from the network. The table holds at most `maxRooms` rooms (more are
 * ignored until one goes away) and `maxSightingsPerRoom` sightings each, and a sighting lists
 * at most MAX_ADDRESSES_PER_SIGHTING addresses; every operation is linear in those bounds.
 */
import net from 'node:net';
import { joinHostPort } from '../../common/address';
import { MAX_DISCOVERED_ROOMS, type DiscoveredRoom, type DiscoverySource } from '../../common/rooms';
import { isLinkLocalIPv6, isLoopbackAddress } from './interfaces';

export const MAX_ADDRESSES_PER_SIGHTING = 8;
export const MAX_ADDRESSES_PER_ROOM = 8;

export interface Sighting {
  /** One per mechanism, announcement and sender; a newer sighting with the same key replaces it. */
  key: string;
  /** Which room this is: `id:<hex>` for a Tincan room, `dns:<lower-case name>` otherwise. */
  roomKey: string;
  source: DiscoverySource;
  name: string;
  port: number;
  /** The address the announcement came from (with its `%zone` for link-local IPv6). */
  sender: string;
  /** The addresses the announcement lists for the room (DNS A/AAAA records). */
  addresses: readonly string[];
  people: number | null;
  appVersion: string | null;
  seenAt: number;
  expiresAt: number;
}

/** What the ranking needs to know about this machine. */
export interface LocalView {
  /** True for an address inside one of this machine's subnets. */
  onLocalSubnet: (address: string) => boolean;
  /** True for one of this machine's own addresses (a room hosted here). */
  isOwnAddress: (address: string) => boolean;
}

export interface RoomTableOptions {
  maxRooms?: number;
  maxSightingsPerRoom?: number;
}

interface RoomEntry {
  sightings: Map<string, Sighting>;
}

export type UpsertResult = 'added' | 'updated' | 'unchanged' | 'full';

function bareAddress(address: string): string {
  return (address.split('%')[0] ?? address).replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

export class RoomTable {
  private readonly rooms = new Map<string, RoomEntry>();
  private readonly roomOfSighting = new Map<string, string>();
  private readonly maxRooms: number;
  private readonly maxSightingsPerRoom: number;

  constructor(options: RoomTableOptions = {}) {
    this.maxRooms = options.maxRooms ?? MAX_DISCOVERED_ROOMS;
    this.maxSightingsPerRoom = options.maxSightingsPerRoom ?? 16;
  }

  get size(): number {
    return this.rooms.size;
  }

  /**
   * Records a sighting. 'full' when it is a new room and the table already holds maxRooms,
   * or a new sighting of a room that already has maxSightingsPerRoom (it is dropped).
   * 'unchanged' when only the times moved (nothing the Join screen shows changed).
   */
  upsert(sighting: Sighting): UpsertResult {
    const previousRoom = this.roomOfSighting.get(sighting.key);
    if (previousRoom !== undefined && previousRoom !== sighting.roomKey) this.remove(sighting.key);
    let room = this.rooms.get(sighting.roomKey);
    if (!room) {
      if (this.rooms.size >= this.maxRooms) return 'full';
      room = { sightings: new Map() };
      this.rooms.set(sighting.roomKey, room);
    }
    const previous = room.sightings.get(sighting.key);
    if (!previous && room.sightings.size >= this.maxSightingsPerRoom) return 'full';
    const stored: Sighting = { ...sighting, addresses: sighting.addresses.slice(0, MAX_ADDRESSES_PER_SIGHTING) };
    room.sightings.set(sighting.key, stored);
    this.roomOfSighting.set(sighting.key, sighting.roomKey);
    if (!previous) return room.sightings.size === 1 ? 'added' : 'updated';
    return sameShown(previous, stored) ? 'unchanged' : 'updated';
  }

  /** Forgets one sighting; true when something was removed. */
  remove(sightingKey: string): boolean {
    const roomKey = this.roomOfSighting.get(sightingKey);
    if (roomKey === undefined) return false;
    this.roomOfSighting.delete(sightingKey);
    const room = this.rooms.get(roomKey);
    if (!room) return false;
    room.sightings.delete(sightingKey);
    if (room.sightings.size === 0) this.rooms.delete(roomKey);
    return true;
  }

  /**
   * A room said goodbye from `sender`: forget what that host told us about it, by either
   * mechanism and on any of its interfaces (a sighting counts as that host's when it came
   * from `sender` or lists `sender` among its addresses). Sightings from other senders stay,
   * so a forged goodbye from elsewhere cannot hide a room. True when something was removed.
   */
  goodbye(roomKey: string, sender: string): boolean {
    const room = this.rooms.get(roomKey);
    if (!room) return false;
    const from = bareAddress(sender);
    const hostAddresses = new Set<string>([from]);
    for (const sighting of room.sightings.values()) {
      if (bareAddress(sighting.sender) === from) for (const address of sighting.addresses) hostAddresses.add(bareAddress(address));
    }
    let removed = false;
    for (const [key, sighting] of [...room.sightings]) {
      const ofThatHost =
        hostAddresses.has(bareAddress(sighting.sender)) || sighting.addresses.some((address) => hostAddresses.has(bareAddress(address)));
      if (ofThatHost) {
        room.sightings.delete(key);
        this.roomOfSighting.delete(key);
        removed = true;
      }
    }
    if (room.sightings.size === 0) this.rooms.delete(roomKey);
    return removed;
  }

  /** Drops sightings whose time is up; true when a room changed or went away. */
  expire(now: number): boolean {
    let changed = false;
    for (const [roomKey, room] of [...this.rooms]) {
      for (const [key, sighting] of [...room.sightings]) {
        if (sighting.expiresAt <= now) {
          room.sightings.delete(key);
          this.roomOfSighting.delete(key);
          changed = true;
        }
      }
      if (room.sightings.size === 0) this.rooms.delete(roomKey);
    }
    return changed;
  }

  /** When the next sighting expires (epoch ms), or null when the table is empty. */
  nextExpiry(): number | null {
    let next: number | null = null;
    for (const room of this.rooms.values()) {
      for (const sighting of room.sightings.values()) {
        if (next === null || sighting.expiresAt < next) next = sighting.expiresAt;
      }
    }
    return next;
  }

  /** Every sighting held, in no particular order. */
  *sightings(): IterableIterator<Sighting> {
    for (const room of this.rooms.values()) yield* room.sightings.values();
  }

  clear(): void {
    this.rooms.clear();
    this.roomOfSighting.clear();
  }

  /** One entry per room, sorted by name, each with its addresses ranked for `local`. */
  list(local: LocalView): DiscoveredRoom[] {
    const out: DiscoveredRoom[] = [];
    for (const [key, room] of this.rooms) {
      const shown = mergeRoom(key, [...room.sightings.values()], local);
      if (shown) out.push(shown);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

function sameShown(a: Sighting, b: Sighting): boolean {
  return (
    a.name === b.name &&
    a.port === b.port &&
    a.sender === b.sender &&
    a.people === b.people &&
    a.appVersion === b.appVersion &&
    a.addresses.length === b.addresses.length &&
    a.addresses.every((address, i) => address === b.addresses[i])
  );
}

interface Candidate {
  address: string;
  port: number;
  fromSender: boolean;
  seenAt: number;
}

/**
 * Whether an address from an announcement is worth offering. Loopback only when the room is
 * on this very machine (the announcement came from one of our own addresses); link-local
 * IPv6 only with the zone it arrived on, without which it cannot be dialled.
 */
function usableCandidate(address: string, sighting: Sighting, local: LocalView): boolean {
  const bare = bareAddress(address);
  const family = net.isIP(bare);
  if (family === 0) return false;
  if (bare === '0.0.0.0' || bare === '::' || /^(22[4-9]|23\d|24\d|25[0-5])\./.test(bare) || /^ff/i.test(bare)) return false;
  if (isLoopbackAddress(bare)) {
    const senderBare = bareAddress(sighting.sender);
    return isLoopbackAddress(senderBare) || local.isOwnAddress(senderBare);
  }
  if (family === 6 && isLinkLocalIPv6(bare)) return address.includes('%');
  return true;
}

function rank(candidate: Candidate, local: LocalView): number[] {
  const bare = bareAddress(candidate.address);
  const v6 = net.isIP(bare) === 6;
  return [
    local.onLocalSubnet(candidate.address) ? 0 : 1,
    !v6 ? 0 : isLinkLocalIPv6(bare) ? 2 : 1,
    candidate.fromSender ? 0 : 1,
    -candidate.seenAt,
  ];
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function mergeRoom(key: string, sightings: Sighting[], local: LocalView): DiscoveredRoom | null {
  if (sightings.length === 0) return null;
  const newestFirst = [...sightings].sort((a, b) => b.seenAt - a.seenAt);
  const newest = newestFirst[0]!;
  const candidates = new Map<string, { candidate: Candidate; rank: number[] }>();
  const consider = (address: string, sighting: Sighting, fromSender: boolean) => {
    if (!usableCandidate(address, sighting, local)) return;
    const shown = joinHostPort(address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, ''), sighting.port);
    const candidate: Candidate = { address, port: sighting.port, fromSender, seenAt: sighting.seenAt };
    const ranked = rank(candidate, local);
    const existing = candidates.get(shown);
    if (!existing || compareRanks(ranked, existing.rank) < 0) candidates.set(shown, { candidate, rank: ranked });
  };
  for (const sighting of newestFirst) {
    consider(sighting.sender, sighting, true);
    for (const address of sighting.addresses) consider(address, sighting, false);
  }
  const addresses = [...candidates]
    .sort((a, b) => compareRanks(a[1].rank, b[1].rank) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, MAX_ADDRESSES_PER_ROOM)
    .map(([shown]) => shown);
  if (addresses.length === 0) return null;
  const sources = (['mdns', 'beacon'] as const).filter((source) => sightings.some((s) => s.source === source));
  return {
    key,
    name: newest.name,
    addresses,
    people: newestFirst.find((s) => s.people !== null)?.people ?? null,
    sources,
    appVersion: newestFirst.find((s) => s.appVersion !== null)?.appVersion ?? null,
    lastSeen: newest.seenAt,
  };
}

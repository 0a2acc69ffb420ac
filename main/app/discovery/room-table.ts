/**
 * The merging and ranking behind "Rooms on your network": pure, clock passed in.
 *
 * A *sighting* is one announcement as one mechanism heard it from one sender: a room on a
 * host announced by multicast DNS (over IPv4 and IPv6) and by the UDP beacon makes three.
 * They share a room key (the room's announced id, or its DNS-SD name for rooms announced by
 * other software) and become one DiscoveredRoom whose addresses are ranked for this machine:
 * an address on one of our own networks first, IPv4 before IPv6.
 *
 * A room key is public (a room's id is broadcast in clear), so it is not proof of anything:
 * whoever heard it can repeat it. What a room is *at* is therefore decided by who announced it
 * first: its own addresses are the senders of its sightings and the addresses those sightings
 * list. A sighting from any other sender never adds an address to the room. It is listed as
 * an entry of its own, marked as a copy of the room's key, unless everything it lists is
 * already the room's (the same host over IPv6 link-local, say), when it adds nothing and is
 * dropped. A goodbye removes only what its own sender announced.
 *
 * Everything here came from the network, and one host can make up any number of rooms. So the
 * table holds at most `maxRooms` rooms, at most `maxRoomsPerSender` per sender and
 * `maxRoomsPerNetwork` per /24 or /64; a new room past a bound replaces the stalest one in
 * that bound (a flood displaces itself, and a real room is never locked out); rooms hosted on
 * this machine are bound by `maxRooms` only. Rooms are listed
 * by what the joiner can check (on our own network, heard by both mechanisms, joined before),
 * then by when they were first heard, never by their names, which anyone chooses. A room holds
 * `maxSightingsPerRoom` sightings, a sighting lists at most MAX_ADDRESSES_PER_SIGHTING
 * addresses; every operation is linear in those bounds.
 */
import net from 'node:net';
import { joinHostPort } from '../../common/address';
import { MAX_DISCOVERED_ROOMS, type DiscoveredRoom, type DiscoverySource } from '../../common/rooms';
import { hostNetworkOf, isLinkLocalIPv6, isLoopbackAddress } from './interfaces';

export const MAX_ADDRESSES_PER_SIGHTING = 8;
export const MAX_ADDRESSES_PER_ROOM = 8;
/** A host may run a few rooms (on different ports); more from one address are a flood. */
export const MAX_ROOMS_PER_SENDER = 4;
/**
 * Rooms from one /24 or /64. Every room on a LAN shares its network, so this bound cannot be
 * as small as the one per sender without hiding a lab's or a LAN party's real rooms; it keeps
 * one network (IPv6 hands a host a whole /64) from filling the table.
 */
export const MAX_ROOMS_PER_NETWORK = 24;

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
  /** The host's key the announcement carries (checked against its id, beacon.ts's cleanKey). */
  hostKey?: string | null;
  seenAt: number;
  expiresAt: number;
}

/** What the ranking needs to know about this machine. */
export interface LocalView {
  /** True for an address inside one of this machine's subnets. */
  onLocalSubnet: (address: string) => boolean;
  /** True for one of this machine's own addresses (a room hosted here). */
  isOwnAddress: (address: string) => boolean;
  /** True for a room address (`IP:port`, as listed) this machine has joined before. */
  joinedBefore?: (address: string) => boolean;
}

export interface RoomTableOptions {
  maxRooms?: number;
  maxSightingsPerRoom?: number;
  maxRoomsPerSender?: number;
  maxRoomsPerNetwork?: number;
}

interface RoomEntry {
  sightings: Map<string, Sighting>;
  /** The room key this entry copies (its sender is not one of that room's), or null. */
  copyOf: string | null;
  firstSeenAt: number;
}

/** 'ignored': a sighting that adds nothing to its room (see the header), or one too many for it. */
export type UpsertResult = 'added' | 'updated' | 'unchanged' | 'ignored';

function bareAddress(address: string): string {
  return (address.split('%')[0] ?? address).replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').toLowerCase();
}

/** The key of the entry for `sender`'s copy of room `roomKey`. */
function copyKey(roomKey: string, sender: string): string {
  return `copy|${bareAddress(sender)}|${roomKey}`;
}

function lastHeard(room: RoomEntry): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const sighting of room.sightings.values()) last = Math.max(last, sighting.seenAt);
  return last;
}

export class RoomTable {
  private readonly rooms = new Map<string, RoomEntry>();
  private readonly roomOfSighting = new Map<string, string>();
  private readonly maxRooms: number;
  private readonly maxSightingsPerRoom: number;
  private readonly maxRoomsPerSender: number;
  private readonly maxRoomsPerNetwork: number;

  constructor(options: RoomTableOptions = {}) {
    this.maxRooms = options.maxRooms ?? MAX_DISCOVERED_ROOMS;
    this.maxSightingsPerRoom = options.maxSightingsPerRoom ?? 16;
    this.maxRoomsPerSender = options.maxRoomsPerSender ?? MAX_ROOMS_PER_SENDER;
    this.maxRoomsPerNetwork = options.maxRoomsPerNetwork ?? MAX_ROOMS_PER_NETWORK;
  }

  get size(): number {
    return this.rooms.size;
  }

  /**
   * Records a sighting, in its room or in its sender's copy of it (see the header); a new
   * room past a bound replaces the stalest one in that bound. 'ignored' when the sighting adds
   * nothing to its room, or is a new one for a room that already has maxSightingsPerRoom.
   * 'unchanged' when only the times moved (nothing the Join screen shows changed).
   */
  upsert(sighting: Sighting, local?: LocalView): UpsertResult {
    const target = this.entryKeyFor(sighting);
    const previousRoom = this.roomOfSighting.get(sighting.key);
    if (previousRoom !== undefined && previousRoom !== target) this.remove(sighting.key);
    if (target === null) return 'ignored';
    let room = this.rooms.get(target);
    if (!room) {
      this.makeRoomFor(sighting.sender, local);
      room = { sightings: new Map(), copyOf: target === sighting.roomKey ? null : sighting.roomKey, firstSeenAt: sighting.seenAt };
      this.rooms.set(target, room);
    }
    const previous = room.sightings.get(sighting.key);
    if (!previous && room.sightings.size >= this.maxSightingsPerRoom) return 'ignored';
    const stored: Sighting = { ...sighting, addresses: sighting.addresses.slice(0, MAX_ADDRESSES_PER_SIGHTING) };
    room.sightings.set(sighting.key, stored);
    this.roomOfSighting.set(sighting.key, target);
    const adopted = room.copyOf === null && this.adoptCopies(target, room, stored);
    if (!previous) return room.sightings.size === 1 && !adopted ? 'added' : 'updated';
    return sameShown(previous, stored) && !adopted ? 'unchanged' : 'updated';
  }

  /**
   * The room's own announcement now lists addresses whose copies were heard first (a host on
   * two networks, heard on the second before its records named it): those copies were the
   * room all along, and join it. True when one did.
   */
  private adoptCopies(roomKey: string, room: RoomEntry, sighting: Sighting): boolean {
    let adopted = false;
    for (const address of sighting.addresses) {
      const key = copyKey(roomKey, address);
      const copy = this.rooms.get(key);
      if (!copy) continue;
      this.rooms.delete(key);
      for (const [sightingKey, each] of copy.sightings) {
        if (room.sightings.size >= this.maxSightingsPerRoom && !room.sightings.has(sightingKey)) {
          this.roomOfSighting.delete(sightingKey);
          continue;
        }
        room.sightings.set(sightingKey, each);
        this.roomOfSighting.set(sightingKey, roomKey);
      }
      room.firstSeenAt = Math.min(room.firstSeenAt, copy.firstSeenAt);
      adopted = true;
    }
    return adopted;
  }

  /** Which entry a sighting belongs to: its room, its sender's copy of it, or none (null). */
  private entryKeyFor(sighting: Sighting): string | null {
    const room = this.rooms.get(sighting.roomKey);
    if (!room || room.sightings.size === 0) return sighting.roomKey;
    const own = new Set<string>();
    for (const each of room.sightings.values()) {
      own.add(bareAddress(each.sender));
      for (const address of each.addresses) own.add(bareAddress(address));
    }
    if (own.has(bareAddress(sighting.sender))) return sighting.roomKey;
    const listed = sighting.addresses.slice(0, MAX_ADDRESSES_PER_SIGHTING);
    if (listed.length > 0 && listed.every((address) => own.has(bareAddress(address)))) return null;
    return copyKey(sighting.roomKey, sighting.sender);
  }

  /**
   * Before a new room from `sender`: drops the stalest room of each bound the new one would
   * pass. Rooms hosted on this machine (`local` says which addresses are ours; the OS drops
   * packets from outside that claim them) count only towards maxRooms.
   */
  private makeRoomFor(sender: string, local: LocalView | undefined): void {
    const from = bareAddress(sender);
    const network = hostNetworkOf(from);
    const ours = (address: string) => local?.isOwnAddress(bareAddress(address)) ?? false;
    const fromOthers = (room: RoomEntry, match: (sighting: Sighting) => boolean) =>
      [...room.sightings.values()].some((s) => !ours(s.sender) && match(s));
    const bounds: { limit: number; holds: (room: RoomEntry) => boolean }[] = [
      ...(ours(from)
        ? []
        : [
            { limit: this.maxRoomsPerSender, holds: (room: RoomEntry) => fromOthers(room, (s) => bareAddress(s.sender) === from) },
            { limit: this.maxRoomsPerNetwork, holds: (room: RoomEntry) => fromOthers(room, (s) => hostNetworkOf(s.sender) === network) },
          ]),
      { limit: this.maxRooms, holds: () => true },
    ];
    for (const bound of bounds) {
      for (;;) {
        let count = 0;
        let stalest: string | null = null;
        let stalestAt = Number.POSITIVE_INFINITY;
        for (const [key, room] of this.rooms) {
          if (!bound.holds(room)) continue;
          count++;
          const at = lastHeard(room);
          if (at < stalestAt) {
            stalest = key;
            stalestAt = at;
          }
        }
        if (count < bound.limit || stalest === null) break;
        this.dropRoom(stalest);
      }
    }
  }

  private dropRoom(key: string): void {
    const room = this.rooms.get(key);
    if (!room) return;
    for (const sightingKey of room.sightings.keys()) this.roomOfSighting.delete(sightingKey);
    this.rooms.delete(key);
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
   * `sender` said goodbye for room `roomKey`: forget what `sender` itself announced of it, by
   * either mechanism (in the room or in its copy). What other senders said stays: a goodbye
   * is as forgeable as an announcement, so it can only take back its own sender's words.
   * True when something was removed.
   */
  goodbye(roomKey: string, sender: string): boolean {
    const from = bareAddress(sender);
    let removed = false;
    for (const key of [roomKey, copyKey(roomKey, sender)]) {
      const room = this.rooms.get(key);
      if (!room) continue;
      for (const [sightingKey, sighting] of [...room.sightings]) {
        if (bareAddress(sighting.sender) !== from) continue;
        room.sightings.delete(sightingKey);
        this.roomOfSighting.delete(sightingKey);
        removed = true;
      }
      if (room.sightings.size === 0) this.rooms.delete(key);
    }
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

  /**
   * One entry per room, each with its addresses ranked for `local`; rooms in the order of
   * what the joiner can check (see the header), copies last.
   */
  list(local: LocalView): DiscoveredRoom[] {
    const ranked: { room: DiscoveredRoom; rank: number[] }[] = [];
    for (const [key, entry] of this.rooms) {
      const shown = mergeRoom(key, entry, local);
      if (!shown) continue;
      const best = shown.addresses[0] ?? '';
      const rank = [
        entry.copyOf === null ? 0 : 1,
        local.onLocalSubnet(hostOf(best)) ? 0 : 1,
        shown.sources.length === 2 ? 0 : 1,
        local.joinedBefore && shown.addresses.some((address) => local.joinedBefore!(address)) ? 0 : 1,
        entry.firstSeenAt,
      ];
      ranked.push({ room: shown, rank });
    }
    return ranked
      .sort((a, b) => compareRanks(a.rank, b.rank) || (a.room.key < b.room.key ? -1 : a.room.key > b.room.key ? 1 : 0))
      .map(({ room }) => room);
  }
}

/** The host of a listed `IP:port` or `[IPv6]:port`. */
function hostOf(address: string): string {
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(address);
  if (bracketed) return bracketed[1]!;
  const colon = address.lastIndexOf(':');
  return colon < 0 ? address : address.slice(0, colon);
}

function sameShown(a: Sighting, b: Sighting): boolean {
  return (
    a.name === b.name &&
    a.port === b.port &&
    a.sender === b.sender &&
    a.people === b.people &&
    a.appVersion === b.appVersion &&
    (a.hostKey ?? null) === (b.hostKey ?? null) &&
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

function mergeRoom(key: string, entry: RoomEntry, local: LocalView): DiscoveredRoom | null {
  const sightings = [...entry.sightings.values()];
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
  const fingerprint = newestFirst.find((s) => (s.hostKey ?? null) !== null)?.hostKey ?? null;
  const sources = (['mdns', 'beacon'] as const).filter((source) => sightings.some((s) => s.source === source));
  return {
    key,
    name: newest.name,
    addresses,
    people: newestFirst.find((s) => s.people !== null)?.people ?? null,
    sources,
    appVersion: newestFirst.find((s) => s.appVersion !== null)?.appVersion ?? null,
    ...(fingerprint !== null && { fingerprint }),
    lastSeen: newest.seenAt,
    ...(entry.copyOf !== null && { copyOf: entry.copyOf }),
  };
}

/**
 * RoomFinder: the live list behind "Rooms on your network". It browses `_tincan._tcp` by
 * multicast DNS on every usable interface (IPv4 and IPv6) and listens for UDP beacons,
 * merges both into one entry per room (room-table.ts), and emits the list when it changes.
 *
 * When it asks: at start and whenever an interface appears (now, 1 s and 3 s later, since
 * an answer can be lost and a room may have been busy), then once a minute; and, for each
 * room heard by multicast DNS, at 80, 85, 90 and 95 % of its records' lifetime (RFC 6762
 * §5.2), so a room that stopped without a goodbye goes away when its records expire.
 *
 * What it hears is untrusted: packets are rate-limited per sender and in total before they
 * are read, names and TXT values are cleaned, and the list is bounded (room-table.ts).
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import type multicastDns from 'multicast-dns';
import { DEFAULT_PORT } from '../../common/constants';
import { MAX_DISCOVERED_ROOMS, type DiscoveredRoom } from '../../common/rooms';
import { MAX_BEACON_TTL_S, decodeBeacon, encodeQueryBeacon } from './beacon';
import { BeaconSocket } from './beacon-socket';
import { MAX_SIGHTING_S, ServiceCache, browseQuery, resolveQuery } from './dns-sd';
import {
  listLocalAddresses,
  onSubnet,
  subnetsOf,
  type DiscoveryInterface,
  type InterfaceSelection,
  type NetworkInterfacesReader,
} from './interfaces';
import { LinkSet } from './link-set';
import type { MdnsLink } from './mdns-link';
import { TokenBucket } from '../../common/token-bucket';
import { SourceLimiter, type SourceLimiterOptions } from './rate-limit';
import { RoomTable, type LocalView, type Sighting } from './room-table';

export interface RoomFinderOptions {
  /** Where interfaces come from: `os.networkInterfaces` in the app; tests pass a namespace's or loopback's. */
  interfaces: NetworkInterfacesReader;
  selection?: InterfaceSelection;
  platform?: NodeJS.Platform;
  mdns?: boolean;
  beacon?: boolean;
  /** UDP ports to hear beacons on. Default [60003]; a room on another port beacons there. */
  beaconPorts?: number[];
  /** At most one 'change' event per this many ms. Default 150. */
  changeIntervalMs?: number;
  interfacePollMs?: number;
  maxRooms?: number;
  /** Packet budget (per sender and in total, per second). */
  limits?: SourceLimiterOptions;
  /** True for a room address (`IP:port`) this machine joined before: such rooms are listed first. */
  joinedBefore?: (address: string) => boolean;
}

export interface RoomFinderEvents {
  change: [rooms: DiscoveredRoom[]];
  /** Non-fatal trouble (a port or an interface could not be used); the rest keeps going. */
  error: [error: Error];
}

const START_QUERY_DELAYS_MS = [0, 1000, 3000];
const BACKGROUND_QUERY_MS = 60_000;
const MIN_QUERY_GAP_MS = 1000;
const REFRESH_POINTS = [0.8, 0.85, 0.9, 0.95];

export const DEFAULT_FINDER_LIMITS: SourceLimiterOptions = {
  perSource: 20,
  perSourceBurst: 60,
  total: 300,
  totalBurst: 600,
  maxSources: 512,
};

export class RoomFinder extends EventEmitter<RoomFinderEvents> {
  private readonly table: RoomTable;
  private readonly cache = new ServiceCache({ maxSightingS: MAX_SIGHTING_S });
  private readonly links: LinkSet;
  private readonly limiter: SourceLimiter;
  /** Resolve queries for names heard without their SRV/TXT: a few a second, whatever arrives. */
  private readonly resolveBudget: TokenBucket;
  private readonly beaconSockets: BeaconSocket[] = [];
  private querySocket: BeaconSocket | null = null;
  private readonly useBeacon: boolean;
  private local: LocalView = { onLocalSubnet: () => false, isOwnAddress: () => false };
  private shown: DiscoveredRoom[] = [];
  private changeTimer: NodeJS.Timeout | null = null;
  private lastChangeAt = Number.NEGATIVE_INFINITY;
  private expiryTimer: NodeJS.Timeout | null = null;
  private expiryArmedAt = 0;
  private queryTimer: NodeJS.Timeout | null = null;
  private readonly startTimers: NodeJS.Timeout[] = [];
  private lastQueryAt = Number.NEGATIVE_INFINITY;
  private lastBackgroundQueryAt = Number.NEGATIVE_INFINITY;
  private started = false;
  private closed = false;

  constructor(private readonly options: RoomFinderOptions) {
    super();
    const now = Date.now();
    this.table = new RoomTable({ maxRooms: options.maxRooms ?? MAX_DISCOVERED_ROOMS });
    this.limiter = new SourceLimiter(options.limits ?? DEFAULT_FINDER_LIMITS, now);
    this.resolveBudget = new TokenBucket(4, 8, now);
    this.useBeacon = options.beacon ?? true;
    this.links = new LinkSet({
      interfaces: options.interfaces,
      selection: options.selection,
      platform: options.platform ?? os.platform(),
      mdns: options.mdns ?? true,
      pollMs: options.interfacePollMs,
      onPacket: (packet, sender, link) => this.onPacket(packet, sender, link),
      onLinkUp: (link) => this.onLinkUp(link),
      onLinkDown: () => Promise.resolve(),
      onInterfaces: (interfaces) => this.onInterfaces(interfaces),
      onError: (error) => this.emit('error', error),
    });
  }

  /** The rooms now, best first (room-table.ts). */
  get rooms(): DiscoveredRoom[] {
    return this.shown;
  }

  /** Packets dropped by the rate limit so far. */
  get droppedPackets(): number {
    return this.limiter.dropped;
  }

  async start(): Promise<void> {
    if (this.started || this.closed) return;
    this.started = true;
    if (this.useBeacon) {
      for (const port of new Set(this.options.beaconPorts ?? [DEFAULT_PORT])) {
        try {
          this.beaconSockets.push(
            await BeaconSocket.open({
              port,
              onMessage: (datagram, sender) => this.onBeacon(datagram, sender.address),
              onError: (error) => this.emit('error', error),
            }),
          );
        } catch (error) {
          this.emit('error', new Error(`Cannot listen for beacons on UDP port ${port}: ${(error as Error).message}`));
        }
      }
      try {
        // Queries leave from a port of their own, so unicast answers come back to us
        // and not to a room on this machine that shares the beacon port.
        this.querySocket = await BeaconSocket.open({
          port: 0,
          onMessage: (datagram, sender) => this.onBeacon(datagram, sender.address),
          onError: (error) => this.emit('error', error),
        });
      } catch (error) {
        this.emit('error', error as Error);
      }
    }
    await this.links.start();
    if (this.isClosed()) return;
    this.queryBurst();
  }

  /** Asks the network again now (the Join screen's "Refresh"); at most once a second. */
  refresh(): void {
    if (!this.started || this.closed) return;
    void this.links.refresh();
    this.sendQueries(false);
  }

  /** Read through a call: close() may run while start() awaits, which narrowing cannot see. */
  private isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of [this.changeTimer, this.expiryTimer, this.queryTimer, ...this.startTimers]) if (timer) clearTimeout(timer);
    await this.links.close();
    await Promise.all([...this.beaconSockets, ...(this.querySocket ? [this.querySocket] : [])].map((socket) => socket.close()));
    this.table.clear();
    this.cache.clear();
  }

  // ---- what we hear -----------------------------------------------------------------------

  private onPacket(packet: multicastDns.Packet, sender: string, link: MdnsLink): void {
    if (this.closed || packet.type !== 'response') return;
    // Each socket hears every interface: read a packet once, on the link of its network.
    if (this.links.ownerOf(sender) !== link) return;
    const now = Date.now();
    if (!this.limiter.allow(sender, now)) return;
    const result = this.cache.ingest(packet, sender, now);
    let changed = false;
    for (const goodbye of result.goodbyes) {
      changed = this.table.remove(goodbye.sightingKey) || changed;
      changed = this.table.goodbye(goodbye.roomKey, goodbye.sender) || changed;
    }
    for (const sighting of result.sightings) changed = this.record(sighting) || changed;
    for (const fqdn of result.unresolved.slice(0, 4)) {
      if (this.resolveBudget.take(now)) link.send(resolveQuery(fqdn)).catch(() => undefined);
    }
    if (changed) this.changed();
  }

  private onBeacon(datagram: Buffer, sender: string): void {
    if (this.closed || !this.links.covers(sender)) return;
    const now = Date.now();
    if (!this.limiter.allow(sender, now)) return;
    const beacon = decodeBeacon(datagram);
    if (beacon === null || beacon.type === 'query') return;
    if (beacon.type === 'bye') {
      if (this.table.goodbye(`id:${beacon.id}`, sender)) this.changed();
      return;
    }
    const sighting: Sighting = {
      key: `beacon|${beacon.id}|${sender}`,
      roomKey: `id:${beacon.id}`,
      source: 'beacon',
      name: beacon.name,
      port: beacon.port,
      sender,
      addresses: [],
      people: beacon.people,
      appVersion: beacon.app,
      ...(beacon.key !== undefined && { hostKey: beacon.key }),
      seenAt: now,
      expiresAt: now + Math.min(beacon.ttl, MAX_BEACON_TTL_S) * 1000,
    };
    if (this.record(sighting)) this.changed();
  }

  private record(sighting: Sighting): boolean {
    const result = this.table.upsert(sighting, this.local);
    if (result === 'ignored') return false;
    if (this.expiryTimer === null || sighting.expiresAt < this.expiryArmedAt) this.scheduleExpiry();
    if (result === 'unchanged') return false; // only the times moved; the query timer re-checks them
    this.scheduleQuery();
    return true;
  }

  // ---- interfaces -------------------------------------------------------------------------

  private onInterfaces(interfaces: DiscoveryInterface[]): void {
    const usable = interfaces.flatMap((iface) => [...iface.ipv4, ...iface.ipv6]);
    const subnets = subnetsOf(usable);
    const own = new Set(listLocalAddresses(this.links.lastTable).map((a) => (a.address.split('%')[0] ?? a.address).toLowerCase()));
    this.local = {
      onLocalSubnet: (address) => onSubnet(subnets, address),
      isOwnAddress: (address) => own.has((address.split('%')[0] ?? address).toLowerCase()),
      joinedBefore: this.options.joinedBefore,
    };
    if (this.started && !this.closed) {
      this.changed();
      this.queryBurst();
    }
  }

  private onLinkUp(link: MdnsLink): void {
    if (this.closed) return;
    link.send(browseQuery()).catch(() => undefined);
  }

  // ---- asking -----------------------------------------------------------------------------

  private queryBurst(): void {
    for (const delay of START_QUERY_DELAYS_MS) {
      const timer = setTimeout(() => {
        this.startTimers.splice(this.startTimers.indexOf(timer), 1);
        this.sendQueries(true);
      }, delay);
      timer.unref();
      this.startTimers.push(timer);
    }
  }

  private sendQueries(withBeacon: boolean): void {
    if (this.closed) return;
    const now = Date.now();
    if (now - this.lastQueryAt < MIN_QUERY_GAP_MS && !withBeacon) return;
    this.lastQueryAt = now;
    this.lastBackgroundQueryAt = now;
    for (const link of this.links.openLinks) link.send(browseQuery()).catch(() => undefined);
    if (withBeacon && this.querySocket) {
      const query = encodeQueryBeacon();
      for (const port of new Set(this.options.beaconPorts ?? [DEFAULT_PORT])) {
        void this.querySocket.broadcast(query, this.links.interfaces, port);
      }
    }
    this.cache.expire(now);
    this.scheduleQuery();
  }

  /** When to ask next: a room's refresh point, or the once-a-minute background query. */
  private nextQueryAt(): number {
    let next = this.lastBackgroundQueryAt + BACKGROUND_QUERY_MS;
    for (const sighting of this.table.sightings()) {
      if (sighting.source !== 'mdns') continue;
      const life = sighting.expiresAt - sighting.seenAt;
      for (const point of REFRESH_POINTS) {
        const at = sighting.seenAt + life * point;
        if (at > this.lastQueryAt && at < next) next = at;
      }
    }
    return Math.max(next, this.lastQueryAt + MIN_QUERY_GAP_MS);
  }

  private scheduleQuery(): void {
    if (this.closed) return;
    if (this.queryTimer) clearTimeout(this.queryTimer);
    this.queryTimer = setTimeout(() => {
      this.queryTimer = null;
      // Answers since the timer was set may have moved the refresh points later.
      if (this.nextQueryAt() > Date.now() + 20) this.scheduleQuery();
      else this.sendQueries(false);
    }, Math.max(0, this.nextQueryAt() - Date.now()));
    this.queryTimer.unref();
  }

  // ---- telling ----------------------------------------------------------------------------

  private scheduleExpiry(): void {
    const next = this.table.nextExpiry();
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    if (next === null || this.closed) return;
    this.expiryArmedAt = next;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      if (this.table.expire(Date.now())) this.changed();
      this.scheduleExpiry();
    }, Math.max(50, next - Date.now() + 1));
    this.expiryTimer.unref();
  }

  /** Emits the new list now, or as soon as changeIntervalMs has passed since the last one. */
  private changed(): void {
    if (this.changeTimer || this.closed) return;
    const wait = Math.max(0, this.lastChangeAt + (this.options.changeIntervalMs ?? 150) - Date.now());
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      if (this.closed) return;
      this.lastChangeAt = Date.now();
      this.shown = this.table.list(this.local);
      this.emit('change', this.shown);
    }, wait);
    this.changeTimer.unref();
  }
}

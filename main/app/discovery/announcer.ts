/**
 * RoomAnnouncer: tells the local network that a room is open, by multicast DNS (DNS-SD
 * `_tincan._tcp`) on every usable interface, IPv4 and IPv6, and by the UDP beacon on the
 * room's port. It answers queries, follows interfaces as they come and go, republishes the
 * people count when it changes (at most every `updateIntervalMs`), renames the room if
 * another room on the network already has its name, and says goodbye on close().
 *
 * Never used for a room that only this computer can join: the caller decides (see
 * shouldAnnounce in cli.ts and the session), the announcer announces wherever it is told.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import type multicastDns from 'multicast-dns';
import { decodeBeacon, encodeByeBeacon, encodeRoomBeacon, roomIdForKey } from './beacon';
import { BeaconSocket } from './beacon-socket';
import {
  announcementPacket,
  answerFor,
  goodbyePacket,
  roomRecords,
  txtUpdatePacket,
  type AnnouncedRoom,
  type RoomRecords,
} from './dns-sd';
import { isLinkLocalIPv6, type DiscoveryInterface, type InterfaceSelection, type NetworkInterfacesReader } from './interfaces';
import { LinkSet } from './link-set';
import { MDNS_PORT, type MdnsLink } from './mdns-link';
import { SourceLimiter } from './rate-limit';
import { cleanRoomId, newRoomId } from './room-name';

export interface RoomAnnouncerOptions {
  name: string;
  /** The room's TCP port; the beacon uses the same number over UDP. */
  port: number;
  appVersion: string;
  people?: number;
  /** Where interfaces come from: `os.networkInterfaces` in the app; tests pass a namespace's or loopback's. */
  interfaces: NetworkInterfacesReader;
  selection?: InterfaceSelection;
  platform?: NodeJS.Platform;
  mdns?: boolean;
  beacon?: boolean;
  /** Default 3000. */
  beaconIntervalMs?: number;
  /** Seconds a beacon stays valid. Default 10. */
  beaconTtlS?: number;
  /** At most one people-count update per this many ms. Default 2000. */
  updateIntervalMs?: number;
  interfacePollMs?: number;
  /** A fixed id (tests); default: taken from `key`, else 64 random bits. */
  id?: string;
  /** The host's TLS key (`AB:CD:…`): announced, and the room's id is derived from it. */
  key?: string | null;
}

export interface RoomAnnouncerEvents {
  /** Non-fatal trouble: a link or the beacon port could not be used. The rest keeps going. */
  error: [error: Error];
  /** Another room already had the name; this one is now announced as `name`. */
  renamed: [name: string];
  /** The interfaces the room is announced on changed. */
  interfaces: [names: string[]];
}

/** Unsolicited announcements after start or a change: now, 1 s and 3 s later (RFC 6762 §8.3). */
const ANNOUNCE_DELAYS_MS = [0, 1000, 3000];
/** RFC 6762 §6: a record is multicast on an interface at most once a second. */
const MIN_MULTICAST_GAP_MS = 1000;
const GOODBYE_WAIT_MS = 500;
/** Addresses of each family in a link's records (a finder reads at most 8 per host name). */
const MAX_ADDRESSES_PER_FAMILY = 8;

interface LinkState {
  link: MdnsLink;
  records: RoomRecords;
  lastMulticastAt: number;
  deferred: NodeJS.Timeout | null;
  timers: NodeJS.Timeout[];
  /** A send failure was reported already. */
  reported: boolean;
}

export class RoomAnnouncer extends EventEmitter<RoomAnnouncerEvents> {
  readonly id: string;
  private room: AnnouncedRoom;
  private readonly links: LinkSet;
  private readonly states = new Map<MdnsLink, LinkState>();
  private readonly useBeacon: boolean;
  private beacon: BeaconSocket | null = null;
  private beaconTimer: NodeJS.Timeout | null = null;
  private updateTimer: NodeJS.Timeout | null = null;
  private lastUpdateAt = Number.NEGATIVE_INFINITY;
  private readonly queryLimiter: SourceLimiter;
  private renames = 0;
  private started = false;
  private closed = false;

  constructor(private readonly options: RoomAnnouncerOptions) {
    super();
    this.id = options.id ?? (options.key ? roomIdForKey(options.key) : newRoomId());
    this.room = {
      id: this.id,
      name: options.name,
      port: options.port,
      people: options.people ?? 0,
      appVersion: options.appVersion,
      key: options.key ?? null,
    };
    this.useBeacon = options.beacon ?? true;
    this.queryLimiter = new SourceLimiter({ perSource: 2, perSourceBurst: 4, total: 20, totalBurst: 40, maxSources: 256 }, Date.now());
    this.links = new LinkSet({
      interfaces: options.interfaces,
      selection: options.selection,
      platform: options.platform ?? os.platform(),
      mdns: options.mdns ?? true,
      pollMs: options.interfacePollMs,
      onPacket: (packet, sender, link, port) => this.onPacket(packet, sender, link, port),
      onLinkUp: (link) => this.onLinkUp(link),
      onLinkDown: (link) => this.onLinkDown(link),
      onInterfaces: (interfaces) => this.onInterfaces(interfaces),
      onError: (error) => this.emit('error', error),
    });
  }

  /** The name the room is announced under (it changes when a conflict forces a rename). */
  get name(): string {
    return this.room.name;
  }

  get people(): number {
    return this.room.people;
  }

  /** Names of the interfaces the room is announced on now. */
  get interfaceNames(): string[] {
    return this.links.interfaces.map((iface) => iface.name);
  }

  /** Opens the sockets and sends the first announcements. Resolves once they are out. */
  async start(): Promise<void> {
    if (this.started || this.closed) return;
    this.started = true;
    if (this.useBeacon) {
      try {
        this.beacon = await BeaconSocket.open({
          port: this.options.port,
          ipv6: true, // answers a joiner's query sent to a typed IPv6 address
          onMessage: (datagram, sender) => this.onBeaconMessage(datagram, sender),
          onError: (error) => this.emit('error', error),
        });
      } catch (error) {
        this.emit('error', new Error(`The UDP beacon on port ${this.options.port} is unavailable: ${(error as Error).message}`));
      }
    }
    await this.links.start();
    if (this.isClosed()) return;
    await this.sendBeacon();
    this.scheduleBeacons();
  }

  /** The room's people count changed; others hear of it within updateIntervalMs. */
  setPeople(people: number): void {
    if (this.closed || people === this.room.people) return;
    this.room = { ...this.room, people };
    if (this.updateTimer) return;
    const gap = this.options.updateIntervalMs ?? 2000;
    const wait = Math.max(0, this.lastUpdateAt + gap - Date.now());
    this.updateTimer = setTimeout(() => {
      this.updateTimer = null;
      this.lastUpdateAt = Date.now();
      void this.publishUpdate();
    }, wait);
    this.updateTimer.unref();
  }

  /** Read through a call: close() may run while start() awaits, which narrowing cannot see. */
  private isClosed(): boolean {
    return this.closed;
  }

  /** Sends goodbyes (multicast DNS with TTL 0 and a `bye` beacon) and closes every socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of [this.beaconTimer, this.updateTimer]) if (timer) clearTimeout(timer);
    const goodbyes: Promise<unknown>[] = [];
    for (const state of this.states.values()) {
      this.clearLinkTimers(state);
      goodbyes.push(state.link.send(goodbyePacket(state.records)).catch(() => undefined));
    }
    if (this.beacon) goodbyes.push(this.beacon.broadcast(encodeByeBeacon(this.id, this.room.port), this.links.interfaces, this.room.port));
    await Promise.race([Promise.all(goodbyes), new Promise((resolve) => setTimeout(resolve, GOODBYE_WAIT_MS).unref())]);
    this.states.clear();
    await this.links.close();
    await this.beacon?.close();
  }

  // ---- multicast DNS ----------------------------------------------------------------------

  private recordsFor(link: MdnsLink): RoomRecords {
    // Both families' links carry all of the interface's addresses: a browser that asked over
    // IPv6 may still prefer to connect over IPv4. Link-local IPv6 needs a zone nobody else knows.
    // The room's other announced interfaces follow (a finder ranks its own networks first):
    // a finder on two of them takes an address as the room's only when the room's own
    // announcement lists it, and these records are how it learns the room is on both.
    const interfaces = [link.iface, ...this.links.interfaces.filter((iface) => iface.name !== link.iface.name)];
    const unique = (addresses: string[]) => [...new Set(addresses)].slice(0, MAX_ADDRESSES_PER_FAMILY);
    return roomRecords(this.room, {
      ipv4: unique(interfaces.flatMap((iface) => iface.ipv4.map((a) => a.address))),
      ipv6: unique(interfaces.flatMap((iface) => iface.ipv6.map((a) => a.address)).filter((address) => !isLinkLocalIPv6(address))),
    });
  }

  private onLinkUp(link: MdnsLink): void {
    if (this.closed) return;
    const state: LinkState = { link, records: this.recordsFor(link), lastMulticastAt: Number.NEGATIVE_INFINITY, deferred: null, timers: [], reported: false };
    this.states.set(link, state);
    this.announce(state);
  }

  private async onLinkDown(link: MdnsLink): Promise<void> {
    const state = this.states.get(link);
    if (!state) return;
    this.states.delete(link);
    this.clearLinkTimers(state);
    // The interface may already be gone; a failed goodbye is fine, the records expire.
    await link.send(goodbyePacket(state.records)).catch(() => undefined);
  }

  private onInterfaces(interfaces: DiscoveryInterface[]): void {
    this.emit('interfaces', interfaces.map((iface) => iface.name));
    if (!this.started || this.closed) return;
    // Every link's records list the other interfaces' addresses too: announce them afresh.
    for (const state of this.states.values()) {
      state.records = this.recordsFor(state.link);
      this.announce(state);
    }
    void this.sendBeacon();
  }

  private clearLinkTimers(state: LinkState): void {
    for (const timer of state.timers) clearTimeout(timer);
    state.timers = [];
    if (state.deferred) clearTimeout(state.deferred);
    state.deferred = null;
  }

  private announce(state: LinkState): void {
    this.clearLinkTimers(state);
    for (const delay of ANNOUNCE_DELAYS_MS) {
      const timer = setTimeout(() => {
        if (this.closed || this.states.get(state.link) !== state) return;
        state.lastMulticastAt = Date.now();
        state.link.send(announcementPacket(state.records)).catch((error: unknown) => this.sendFailed(state, error));
      }, delay);
      timer.unref();
      state.timers.push(timer);
    }
  }

  /** Reports a link that cannot send once, not once per announcement. */
  private sendFailed(state: LinkState, error: unknown): void {
    if (state.reported || this.closed) return;
    state.reported = true;
    const message = error instanceof Error ? error.message : String(error);
    this.emit('error', new Error(`Cannot announce on ${state.link.iface.name} (${state.link.family}): ${message}`));
  }

  private async publishUpdate(): Promise<void> {
    if (this.closed) return;
    const sends: Promise<void>[] = [];
    for (const state of this.states.values()) {
      state.records = this.recordsFor(state.link);
      state.lastMulticastAt = Date.now();
      sends.push(state.link.send(txtUpdatePacket(state.records)).catch(() => undefined));
    }
    sends.push(this.sendBeacon());
    await Promise.all(sends);
  }

  private onPacket(packet: multicastDns.Packet, sender: string, link: MdnsLink, port: number): void {
    const state = this.states.get(link);
    if (!state || this.closed) return;
    // Every socket on *:5353 hears every interface; answer only on the sender's own link.
    if (this.links.ownerOf(sender) !== link) return;
    if (packet.type === 'response') {
      this.checkConflict(packet, state);
      return;
    }
    if (packet.type !== 'query') return;
    const answer = answerFor(packet, state.records);
    if (!answer) return;
    const now = Date.now();
    if (port !== MDNS_PORT) {
      // A one-shot query from a simple resolver (RFC 6762 §6.7): answer it directly, at once,
      // echoing its id and question, with TTLs of at most 10 s.
      if (!this.queryLimiter.allow(sender, now)) return;
      const short = (records: multicastDns.Answer[] | undefined) => (records ?? []).map((r) => ({ ...r, ttl: Math.min(r.ttl ?? 0, 10), flush: false }));
      const reply = { ...answer, id: packet.id, questions: packet.questions, answers: short(answer.answers), additionals: short(answer.additionals) };
      link.send(reply, { address: sender, port }).catch(() => undefined);
      return;
    }
    const wait = state.lastMulticastAt + MIN_MULTICAST_GAP_MS - now;
    if (wait <= 0) {
      state.lastMulticastAt = now;
      link.send(answer).catch(() => undefined);
    } else if (!state.deferred) {
      // Asked again within a second: answer once the second is up, with whatever is current.
      state.deferred = setTimeout(() => {
        state.deferred = null;
        if (this.closed || this.states.get(link) !== state) return;
        state.lastMulticastAt = Date.now();
        link.send(announcementPacket(state.records)).catch(() => undefined);
      }, wait);
      state.deferred.unref();
    }
  }

  /**
   * Another room answering for our name (RFC 6762 §9): the room with the greater id gives
   * way and takes the next free-looking name, "Name (2)", "Name (3)"… An answer without a
   * room id is no Tincan room (only Tincan announces `_tincan._tcp`), so it forces nothing:
   * otherwise any host could rename the room by answering for its name.
   */
  private checkConflict(packet: multicastDns.Packet, state: LinkState): void {
    const ours = state.records.fqdn.toLowerCase();
    const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
    const srv = records.find((r) => r.type === 'SRV' && r.name.toLowerCase() === ours && (r.ttl ?? 0) > 0);
    if (!srv) return;
    const target = (srv.data as { target?: unknown } | null)?.target;
    if (typeof target !== 'string' || target.toLowerCase() === state.records.target.toLowerCase()) return;
    const txt = records.find((r) => r.type === 'TXT' && r.name.toLowerCase() === ours);
    const theirId = cleanRoomId(
      Array.isArray(txt?.data)
        ? (txt.data as unknown[]).map((b) => (Buffer.isBuffer(b) ? b.toString('latin1') : '')).find((s) => s.startsWith('id='))?.slice(3)
        : undefined,
    );
    if (theirId === null || theirId >= this.id) return; // no Tincan room, or they give way
    if (this.renames >= 20) return;
    this.renames++;
    const base = this.options.name;
    this.room = { ...this.room, name: `${base} (${this.renames + 1})` };
    this.emit('renamed', this.room.name);
    for (const each of this.states.values()) {
      each.records = this.recordsFor(each.link);
      each.lastMulticastAt = Number.NEGATIVE_INFINITY;
      this.announce(each);
    }
    void this.sendBeacon();
  }

  // ---- UDP beacon -------------------------------------------------------------------------

  private beaconDatagram(): Buffer {
    return encodeRoomBeacon({
      id: this.id,
      name: this.room.name,
      port: this.room.port,
      people: this.room.people,
      app: this.room.appVersion,
      key: this.room.key ?? null,
      ttl: this.options.beaconTtlS ?? 10,
    });
  }

  private async sendBeacon(): Promise<void> {
    if (!this.beacon || this.closed) return;
    await this.beacon.broadcast(this.beaconDatagram(), this.links.interfaces, this.room.port);
  }

  private scheduleBeacons(): void {
    if (!this.beacon || this.closed) return;
    this.beaconTimer = setTimeout(() => {
      void this.sendBeacon().finally(() => this.scheduleBeacons());
    }, this.options.beaconIntervalMs ?? 3000);
    this.beaconTimer.unref();
  }

  private onBeaconMessage(datagram: Buffer, sender: { address: string; port: number }): void {
    if (!this.beacon || this.closed || !this.links.covers(sender.address)) return;
    if (!this.queryLimiter.allow(sender.address, Date.now())) return;
    const beacon = decodeBeacon(datagram);
    if (beacon?.type !== 'query') return;
    void this.beacon.send(this.beaconDatagram(), sender.address, sender.port);
  }
}


/**
 * The multicast DNS links of an announcer or a finder, kept in step with the machine's
 * interfaces: an interface that appears (Wi-Fi joins, a cable goes in) gets its links, one
 * that goes away loses them. Interfaces are read by polling, since Node has no change event.
 */
import type multicastDns from 'multicast-dns';
import type net from 'node:net';
import {
  discoveryInterfaces,
  onSubnet,
  subnetsOf,
  type DiscoveryInterface,
  type InterfaceSelection,
  type NetworkInterfaceTable,
  type NetworkInterfacesReader,
} from './interfaces';
import { MdnsLink, linkKey, type LinkFamily } from './mdns-link';

export const DEFAULT_INTERFACE_POLL_MS = 3000;

export interface LinkSetOptions {
  /** Where interfaces come from: `os.networkInterfaces` in the app, a fixed table in tests. */
  interfaces: NetworkInterfacesReader;
  selection?: InterfaceSelection;
  platform: NodeJS.Platform;
  /** Open multicast DNS links (false: only follow interfaces, e.g. for the beacon alone). */
  mdns: boolean;
  pollMs?: number;
  onPacket: (packet: multicastDns.Packet, sender: string, link: MdnsLink, port: number) => void;
  /** A link is bound and in its group. */
  onLinkUp: (link: MdnsLink) => void;
  /** A link is about to close because its interface went away or changed; it can still send. */
  onLinkDown: (link: MdnsLink) => Promise<void>;
  /** The set of interfaces changed (also called once after the first read). */
  onInterfaces: (interfaces: DiscoveryInterface[]) => void;
  onError: (error: Error) => void;
}

export class LinkSet {
  private readonly links = new Map<string, MdnsLink>();
  /** Links that failed to open, by key; not retried until their interface changes. */
  private readonly failed = new Set<string>();
  private current: DiscoveryInterface[] = [];
  private subnets: net.BlockList = subnetsOf([]);
  private zones = new Set<string>();
  private table: NetworkInterfaceTable = {};
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private reconciling: Promise<void> = Promise.resolve();

  constructor(private readonly options: LinkSetOptions) {}

  /** Reads the interfaces, opens links, and keeps following them. */
  async start(): Promise<void> {
    await this.refresh();
    const poll = () => {
      this.timer = setTimeout(() => {
        void this.refresh().finally(() => {
          if (!this.closed) poll();
        });
      }, this.options.pollMs ?? DEFAULT_INTERFACE_POLL_MS);
      this.timer.unref();
    };
    if (!this.closed) poll();
  }

  /** The interfaces in use now. */
  get interfaces(): DiscoveryInterface[] {
    return this.current;
  }

  /** The whole table as last read (own addresses, for "is this room on this machine?"). */
  get lastTable(): NetworkInterfaceTable {
    return this.table;
  }

  get openLinks(): MdnsLink[] {
    return [...this.links.values()];
  }

  /**
   * True when `sender` is on the network of one of the interfaces in use: inside one of their
   * subnets, or (link-local IPv6) carrying one of their zones. Packets from anywhere else —
   * an interface we do not use, such as a Docker bridge — are not ours to read or answer.
   */
  covers(sender: string): boolean {
    const zoneAt = sender.indexOf('%');
    if (zoneAt >= 0) return this.zones.has(sender.slice(zoneAt + 1));
    return onSubnet(this.subnets, sender);
  }

  /**
   * The link a packet from `sender` belongs to: the first whose network the sender is on
   * (two interfaces on one subnet share the packet, and it is read once), or null when it is
   * on none of them and nobody should read it.
   */
  ownerOf(sender: string): MdnsLink | null {
    for (const link of this.links.values()) if (link.covers(sender)) return link;
    return null;
  }

  /** Re-reads the interfaces now (also done every pollMs). */
  refresh(): Promise<void> {
    this.reconciling = this.reconciling.then(() => this.reconcile());
    return this.reconciling;
  }

  /** Read through a call: close() may run while start() awaits, which narrowing cannot see. */
  private isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.reconciling.catch(() => undefined);
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(links.map((link) => link.close()));
  }

  private async reconcile(): Promise<void> {
    if (this.closed) return;
    let table: NetworkInterfaceTable = {};
    try {
      table = this.options.interfaces();
    } catch {
      // no interface information this time: treat as no network
    }
    this.table = table;
    const wanted = discoveryInterfaces(table, this.options.selection);
    const changed = describe(wanted) !== describe(this.current);
    this.current = wanted;
    this.subnets = subnetsOf(wanted.flatMap((iface) => [...iface.ipv4, ...iface.ipv6]));
    this.zones = new Set(wanted.flatMap((iface) => [iface.name, ...iface.ipv6.map((a) => String(a.scopeid))]));
    if (changed) this.options.onInterfaces(wanted);
    if (!this.options.mdns) return;

    const desired = new Map<string, { iface: DiscoveryInterface; family: LinkFamily }>();
    for (const iface of wanted) {
      if (iface.ipv4.length > 0) desired.set(linkKey(iface, 'IPv4'), { iface, family: 'IPv4' });
      // IPv6 multicast does not go over loopback (Linux: ENETUNREACH); its ::1 still rides in
      // the AAAA records of the IPv4 link.
      if (iface.ipv6.length > 0 && !iface.ipv6.every((a) => a.internal)) desired.set(linkKey(iface, 'IPv6'), { iface, family: 'IPv6' });
    }
    for (const key of [...this.failed]) if (!desired.has(key)) this.failed.delete(key);
    for (const [key, link] of [...this.links]) {
      if (desired.has(key)) continue;
      this.links.delete(key);
      await this.options.onLinkDown(link).catch(() => undefined);
      await link.close();
    }
    const opening: Promise<void>[] = [];
    for (const [key, { iface, family }] of desired) {
      if (this.links.has(key) || this.failed.has(key) || this.isClosed()) continue;
      let link: MdnsLink;
      try {
        link = new MdnsLink({
          iface,
          family,
          platform: this.options.platform,
          onPacket: (packet, sender, from, port) => this.options.onPacket(packet, sender, from, port),
          onError: (error) => this.options.onError(error),
        });
      } catch (error) {
        this.failed.add(key);
        this.options.onError(error as Error);
        continue;
      }
      this.links.set(key, link);
      opening.push(
        link.ready.then(
          () => {
            if (!this.closed && this.links.get(key) === link) this.options.onLinkUp(link);
          },
          (error: unknown) => {
            this.failed.add(key);
            if (this.links.get(key) === link) this.links.delete(key);
            void link.close();
            this.options.onError(new Error(`Multicast DNS on ${iface.name} (${family}) is unavailable: ${(error as Error).message}`));
          },
        ),
      );
    }
    await Promise.all(opening);
  }
}

function describe(interfaces: DiscoveryInterface[]): string {
  return interfaces
    .map((iface) => `${iface.name}=${[...iface.ipv4, ...iface.ipv6].map((a) => `${a.address}/${a.prefix}`).join(',')}`)
    .join(';');
}

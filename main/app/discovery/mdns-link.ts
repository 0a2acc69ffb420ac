/**
 * One multicast DNS socket on one interface and one address family, built on multicast-dns
 * (the engine of bonjour-service). bonjour-service itself sends on a single interface and
 * advertises every interface's addresses, Docker bridges included; a room needs one socket
 * per interface that sends there, with that interface's addresses only, so discovery uses
 * the engine directly and keeps one MdnsLink per (interface, family).
 *
 * Every socket is bound to *:5353 with SO_REUSEADDR next to the system's own responder
 * (Avahi, Bonjour). Linux hands each such socket every multicast packet that arrives on any
 * interface, so whoever owns the links decides which link a packet belongs to (`covers`).
 */
import dgram from 'node:dgram';
import multicastDns from 'multicast-dns';
import { onSubnet, subnetsOf, type DiscoveryInterface } from './interfaces';

export const MDNS_PORT = 5353;
export const MDNS_IPV4_GROUP = '224.0.0.251';
export const MDNS_IPV6_GROUP = 'ff02::fb';

export type LinkFamily = 'IPv4' | 'IPv6';

export interface MdnsLinkOptions {
  iface: DiscoveryInterface;
  family: LinkFamily;
  platform: NodeJS.Platform;
  /** `sender` is the source address (with `%zone` for link-local IPv6), `port` its UDP port. */
  onPacket: (packet: multicastDns.Packet, sender: string, link: MdnsLink, port: number) => void;
  onError: (error: Error, link: MdnsLink) => void;
}

/** Identity of a link: its interface, family and addresses. A change of address means a new link. */
export function linkKey(iface: DiscoveryInterface, family: LinkFamily): string {
  const addresses = (family === 'IPv4' ? iface.ipv4 : iface.ipv6).map((a) => a.address).sort();
  return `${iface.name}|${family}|${addresses.join(',')}`;
}

export class MdnsLink {
  readonly key: string;
  readonly iface: DiscoveryInterface;
  readonly family: LinkFamily;
  /** Resolves when the socket is bound and in the group; rejects when it cannot be. */
  readonly ready: Promise<void>;
  private readonly mdns: multicastDns.MulticastDns;
  private readonly subnets;
  private readonly zone: string;
  private closed = false;

  constructor(options: MdnsLinkOptions) {
    const { iface, family } = options;
    this.iface = iface;
    this.family = family;
    this.key = linkKey(iface, family);
    const addresses = family === 'IPv4' ? iface.ipv4 : iface.ipv6;
    this.subnets = subnetsOf(addresses);
    const first = addresses[0];
    if (!first) throw new Error(`${iface.name} has no ${family} address`);
    // Windows names an IPv6 zone by interface index, everyone else by interface name.
    this.zone = options.platform === 'win32' ? String(first.scopeid) : iface.name;
    this.mdns =
      family === 'IPv4'
        ? multicastDns({ type: 'udp4', interface: first.address, bind: '0.0.0.0', port: MDNS_PORT, reuseAddr: true, loopback: true, ttl: 255 })
        : multicastDns({
            type: 'udp6',
            ip: MDNS_IPV6_GROUP,
            interface: `::%${this.zone}`,
            bind: '::',
            port: MDNS_PORT,
            loopback: true,
            ttl: 255,
            socket: dgram.createSocket({ type: 'udp6', reuseAddr: true, ipv6Only: true }),
          });
    this.ready = new Promise<void>((resolve, reject) => {
      this.mdns.once('ready', resolve);
      this.mdns.once('error', reject);
    });
    // Keep an early failure from being an unhandled rejection; owners await `ready` themselves.
    this.ready.catch(() => undefined);
    this.mdns.on('error', (error) => {
      if (!this.closed) options.onError(error, this);
    });
    // Undecodable packets and failed re-joins: nothing to act on.
    this.mdns.on('warning', () => undefined);
    this.mdns.on('packet', (packet, rinfo) => {
      if (this.closed) return;
      options.onPacket(packet, rinfo.address, this, rinfo.port);
    });
  }

  /**
   * True when a packet from `sender` belongs to this link: it comes from one of the link's
   * subnets, or (IPv6 link-local) carries this link's zone.
   */
  covers(sender: string): boolean {
    const zoneAt = sender.indexOf('%');
    if (zoneAt >= 0) return this.family === 'IPv6' && sender.slice(zoneAt + 1) === this.zone;
    return onSubnet(this.subnets, sender);
  }

  /**
   * Multicasts a packet on this link, or sends it to `to` (a legacy one-shot querier);
   * resolves once sent, rejects on a send error.
   */
  send(packet: multicastDns.Packet, to?: { address: string; port: number }): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (error: Error | null) => (error ? reject(error) : resolve());
      if (packet.type === 'query') this.mdns.query(packet, to, done);
      else this.mdns.respond(packet, to, done);
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      try {
        this.mdns.destroy(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

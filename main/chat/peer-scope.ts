/**
 * Which peers a room accepts. A room hosted for "everyone on my network" takes peers from
 * the networks a LAN can have and nothing from beyond a router: loopback (127/8, ::1),
 * private (10/8, 172.16/12, 192.168/16), carrier-grade NAT (100.64/10, which Tailscale and
 * many ISPs hand out), link-local (169.254/16, fe80::/10), unique local IPv6 (fc00::/7), and
 * any subnet one of this machine's interfaces is on, public or not: many university labs
 * and offices number their LAN from public ranges, and a home's IPv6 /64 is global.
 * IPv4-mapped IPv6 (`::ffff:10.0.0.5`) counts as the IPv4 address it carries.
 */
import net from 'node:net';
import os from 'node:os';

/** 'local-networks': the ranges above only. 'any': every address. */
export type PeerScope = 'any' | 'local-networks';

let localNetworks: net.BlockList | null = null;

function localNetworkList(): net.BlockList {
  if (localNetworks) return localNetworks;
  const list = new net.BlockList();
  for (const [prefix, bits] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['169.254.0.0', 16]] as const) {
    list.addSubnet(prefix, bits, 'ipv4');
  }
  for (const [prefix, bits] of [['::1', 128], ['fe80::', 10], ['fc00::', 7]] as const) list.addSubnet(prefix, bits, 'ipv6');
  localNetworks = list;
  return list;
}

function familyOf(address: string): 'ipv4' | 'ipv6' | null {
  return net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : null;
}

/** A zone (fe80::1%eth0) says nothing about the range. */
function withoutZone(address: string): string {
  return address.replace(/%.*$/, '');
}

/** True for an address on one of the fixed local-network ranges above. */
export function isLocalNetworkAddress(address: string): boolean {
  const plain = withoutZone(address);
  const family = familyOf(plain);
  return family !== null && localNetworkList().check(plain, family);
}

/** How long the interfaces' subnets are trusted before they are read again (DHCP, Wi-Fi roaming). */
export const ATTACHED_NETWORKS_REFRESH_MS = 5000;

export type InterfaceTable = () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;

/**
 * The subnets this machine's interfaces are on, read again at most every few seconds so a
 * join storm costs one interface listing, not one per connection.
 */
export class AttachedNetworks {
  private list: net.BlockList | null = null;
  private readAt = 0;

  constructor(
    private readonly interfaces: InterfaceTable = () => os.networkInterfaces(),
    private readonly refreshMs: number = ATTACHED_NETWORKS_REFRESH_MS,
  ) {}

  includes(address: string, now: number = performance.now()): boolean {
    const plain = withoutZone(address);
    const family = familyOf(plain);
    if (family === null) return false;
    if (this.list === null || now - this.readAt >= this.refreshMs) {
      this.list = this.read();
      this.readAt = now;
    }
    return this.list.check(plain, family);
  }

  private read(): net.BlockList {
    const list = new net.BlockList();
    let table: NodeJS.Dict<os.NetworkInterfaceInfo[]> = {};
    try {
      table = this.interfaces();
    } catch {
      // No interface list (a sandbox): the fixed ranges still apply.
    }
    for (const entries of Object.values(table)) {
      for (const entry of entries ?? []) {
        const prefix = entry.cidr === null ? NaN : Number(entry.cidr.slice(entry.cidr.lastIndexOf('/') + 1));
        const family = familyOf(withoutZone(entry.address));
        if (family === null || !Number.isInteger(prefix)) continue;
        list.addSubnet(withoutZone(entry.address), prefix, family);
      }
    }
    return list;
  }
}

/** Whether a room with `scope` lets a peer at `address` in. */
export function peerAllowed(scope: PeerScope, address: string, attached: AttachedNetworks | null = null): boolean {
  return scope === 'any' || isLocalNetworkAddress(address) || (attached?.includes(address) ?? false);
}

/**
 * Which of this machine's network interfaces discovery may use, what to call them, and how
 * to tell whether an address is on one of their networks. Pure functions over the table
 * `os.networkInterfaces()` returns, so every rule is tested with fixed tables; the only
 * reader of the real table is whoever passes `os.networkInterfaces` in.
 */
import net from 'node:net';
import type os from 'node:os';
import type { NetworkInterfaceTable } from '../share-addresses';

export { isLinkLocalIPv6 } from '../../common/address';

export type { NetworkInterfaceTable, NetworkInterfacesReader } from '../share-addresses';

/** One address of one interface, flattened out of the table. */
export interface LocalAddress {
  /** The OS name of the interface: `eth0`, `wlp2s0`, `en0`, `Wi-Fi`, `Ethernet 2`. */
  interfaceName: string;
  family: 'IPv4' | 'IPv6';
  address: string;
  netmask: string;
  /** Prefix length (from `cidr`, or counted from the netmask). */
  prefix: number;
  internal: boolean;
  /** IPv6 scope id (the interface index), 0 for IPv4. */
  scopeid: number;
}

/** An interface discovery runs on: its name and its addresses, IPv4 first. */
export interface DiscoveryInterface {
  name: string;
  ipv4: LocalAddress[];
  ipv6: LocalAddress[];
}

/**
 * Names of interfaces that lead to virtual machines, containers or VPN tunnels. A room
 * advertised there would list an address nobody on the LAN can reach (and a joiner with the
 * same kind of interface — every Docker host has 172.17.0.1 — would even rank it first).
 */
const VIRTUAL_INTERFACE_PATTERNS: readonly RegExp[] = [
  /^docker\d*$/i,
  /^br-/i,
  /^veth/i,
  /^virbr/i,
  /^vmnet/i,
  /^vboxnet/i,
  /^tun/i,
  /^tap/i,
  /^wg/i,
  /^utun/i, // macOS VPN tunnels
  /^(awdl|llw)\d/i, // macOS peer-to-peer Wi-Fi (AirDrop): link-local noise only
  /^(lxc|lxd)br/i,
  /^(cni|flannel|cali|weave|kube-|cilium|podman)/i,
  /^(zt|tailscale|ipsec|ppp|gif|stf|bridge100)/i,
  /^(ifb|dummy|sit|ip6tnl|gre|erspan|nlmon)/i,
  /^vEthernet/i, // Windows Hyper-V / WSL switches
  /VirtualBox|VMware|Hyper-V|Npcap|Loopback Pseudo/i,
];

export function isVirtualInterfaceName(name: string): boolean {
  return VIRTUAL_INTERFACE_PATTERNS.some((pattern) => pattern.test(name));
}

export function isLoopbackAddress(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
}

/** 169.254.0.0/16: an address the OS picked because no DHCP server answered. */
export function isLinkLocalIPv4(address: string): boolean {
  return /^169\.254\./.test(address);
}

function prefixFromNetmask(netmask: string, family: 'IPv4' | 'IPv6'): number {
  if (family === 'IPv4') {
    return netmask.split('.').reduce((bits, part) => bits + popcount(Number(part) & 0xff), 0);
  }
  let bits = 0;
  for (const group of ipv6Groups(netmask) ?? []) bits += popcount(group);
  return bits;
}

function popcount(value: number): number {
  let count = 0;
  let rest = value;
  while (rest !== 0) {
    count += rest & 1;
    rest >>>= 1;
  }
  return count;
}

/** The eight 16-bit groups of an IPv6 netmask (no zone, no embedded IPv4), or null. */
function ipv6Groups(address: string): number[] | null {
  if (!net.isIPv6(address) || address.includes('.') || address.includes('%')) return null;
  const [head = '', tail] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = tail === undefined ? headGroups : [...headGroups, ...zeros, ...tailGroups];
  return groups.map((group) => parseInt(group, 16));
}

/**
 * The /24 (IPv4) or /64 (IPv6) network of an address (zone and `::ffff:` prefix ignored), as
 * `10.0.0.0/24` or `2001:db8:1:0::/64`: how many addresses one host can easily take at once.
 * Anything else is its own network.
 */
export function hostNetworkOf(address: string): string {
  const bare = (address.split('%')[0] ?? address).replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (net.isIPv4(bare)) return `${bare.split('.').slice(0, 3).join('.')}.0/24`;
  const groups = ipv6Groups(bare);
  if (groups === null) return bare;
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** Every address of every interface, in the table's order. Entries that are not addresses are skipped. */
export function listLocalAddresses(table: NetworkInterfaceTable): LocalAddress[] {
  const out: LocalAddress[] = [];
  for (const [interfaceName, entries] of Object.entries(table)) {
    for (const entry of entries ?? []) {
      const family = normaliseFamily(entry);
      if (family === null || !net.isIP(entry.address.split('%')[0] ?? '')) continue;
      const fromCidr = entry.cidr === null ? NaN : Number(entry.cidr.split('/')[1]);
      out.push({
        interfaceName,
        family,
        address: entry.address,
        netmask: entry.netmask,
        prefix: Number.isInteger(fromCidr) ? fromCidr : prefixFromNetmask(entry.netmask, family),
        internal: entry.internal,
        scopeid: family === 'IPv6' ? (entry as os.NetworkInterfaceInfoIPv6).scopeid : 0,
      });
    }
  }
  return out;
}

function normaliseFamily(entry: os.NetworkInterfaceInfo): 'IPv4' | 'IPv6' | null {
  // Node 18.0–18.3 reported the family as a number.
  const family = entry.family as string | number;
  if (family === 'IPv4' || family === 4) return 'IPv4';
  if (family === 'IPv6' || family === 6) return 'IPv6';
  return null;
}

export interface InterfaceSelection {
  /**
   * Only these interfaces (by OS name), even loopback or virtual ones. For a machine on
   * several networks, and for tests, which must never send on a real network.
   */
  only?: readonly string[];
}

/**
 * The interfaces discovery announces and listens on: every interface that is up with an
 * address, except loopback and virtual ones (unless named in `only`). An interface whose
 * only IPv4 address is link-local (169.254/16) stays: two laptops on a cable with no DHCP
 * server can still find each other, and only multicast can tell them where.
 */
export function discoveryInterfaces(table: NetworkInterfaceTable, selection: InterfaceSelection = {}): DiscoveryInterface[] {
  const only = selection.only ? new Set(selection.only) : null;
  const byName = new Map<string, DiscoveryInterface>();
  for (const address of listLocalAddresses(table)) {
    if (only) {
      if (!only.has(address.interfaceName)) continue;
    } else if (address.internal || isVirtualInterfaceName(address.interfaceName)) {
      continue;
    }
    let entry = byName.get(address.interfaceName);
    if (!entry) {
      entry = { name: address.interfaceName, ipv4: [], ipv6: [] };
      byName.set(address.interfaceName, entry);
    }
    (address.family === 'IPv4' ? entry.ipv4 : entry.ipv6).push(address);
  }
  return [...byName.values()];
}

/** The IPv4 directed broadcast address of `address`/`prefix` (`10.0.0.255` for 10.0.0.5/24). */
export function directedBroadcast(address: string, prefix: number): string | null {
  if (!net.isIPv4(address) || prefix < 0 || prefix > 32) return null;
  const parts = address.split('.').map(Number);
  const value = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  // A /31 or /32 has no broadcast address; the limited broadcast still reaches the link.
  if (prefix >= 31) return '255.255.255.255';
  const host = prefix === 0 ? 0xffffffff : (1 << (32 - prefix)) - 1;
  const broadcast = (value | host) >>> 0;
  return [broadcast >>> 24, (broadcast >>> 16) & 0xff, (broadcast >>> 8) & 0xff, broadcast & 0xff].join('.');
}

/** Subnets of `addresses`, to ask "is this address on one of my networks?". */
export function subnetsOf(addresses: readonly LocalAddress[]): net.BlockList {
  const list = new net.BlockList();
  for (const local of addresses) {
    const type = local.family === 'IPv4' ? 'ipv4' : 'ipv6';
    const bare = local.address.split('%')[0] ?? local.address;
    try {
      list.addSubnet(bare, local.prefix, type);
    } catch {
      // a malformed entry from the OS: leave it out
    }
  }
  return list;
}

/** True when `address` (IPv4 or IPv6, zone allowed) is inside one of the subnets. */
export function onSubnet(subnets: net.BlockList, address: string): boolean {
  const bare = (address.split('%')[0] ?? address).replace(/^::ffff:(?=\d+\.)/i, '');
  const family = net.isIP(bare);
  if (family === 0) return false;
  return subnets.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** `10.0.0.0/24`: how a local network is named in sentences. */
export function networkLabel(local: LocalAddress): string {
  if (local.family === 'IPv6') return `${local.address.split('%')[0] ?? ''}/${local.prefix}`;
  const parts = local.address.split('.').map(Number);
  const value = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const mask = local.prefix === 0 ? 0 : (0xffffffff << (32 - local.prefix)) >>> 0;
  const base = (value & mask) >>> 0;
  return `${[base >>> 24, (base >>> 16) & 0xff, (base >>> 8) & 0xff, base & 0xff].join('.')}/${local.prefix}`;
}

// ---- names people recognise ----------------------------------------------------------

export type InterfaceKind = 'wifi' | 'ethernet' | 'mobile' | 'usb' | 'bluetooth' | 'virtual' | 'loopback' | 'other';

const KIND_LABELS: Record<InterfaceKind, string> = {
  wifi: 'Wi-Fi',
  ethernet: 'Ethernet',
  mobile: 'Mobile broadband',
  usb: 'USB network',
  bluetooth: 'Bluetooth',
  virtual: 'Virtual network',
  loopback: 'This computer',
  other: 'Network',
};

/** What kind of link an OS interface name stands for, as far as the name can tell. */
export function interfaceKind(name: string, platform: NodeJS.Platform): InterfaceKind {
  if (/^lo\d*$/i.test(name) || /loopback/i.test(name)) return 'loopback';
  if (isVirtualInterfaceName(name)) return 'virtual';
  if (platform === 'win32') {
    if (/wi-?fi|wlan|wireless/i.test(name)) return 'wifi';
    if (/ethernet|local area connection/i.test(name)) return 'ethernet';
    if (/cellular|mobile/i.test(name)) return 'mobile';
    if (/bluetooth/i.test(name)) return 'bluetooth';
    return 'other';
  }
  if (platform === 'darwin') {
    // en0 is Wi-Fi on laptops and Ethernet on desktops; only the system knows which.
    if (/^en\d+$/.test(name)) return 'other';
    if (/^bridge\d+$/.test(name)) return 'virtual';
    return 'other';
  }
  if (/^(wl|wlan|ath|ra)\w*/i.test(name)) return 'wifi';
  if (/^(en|eth|em|eno|ens|enp|enx)\w*/i.test(name)) return /^enx/i.test(name) ? 'usb' : 'ethernet';
  if (/^(ww|wwan|rmnet)/i.test(name)) return 'mobile';
  if (/^(usb|rndis)/i.test(name)) return 'usb';
  if (/^(bnep|bt)/i.test(name)) return 'bluetooth';
  return 'other';
}

/**
 * The name to show next to a share address: `Wi-Fi (wlp2s0)`, `Ethernet (eth0)`. Windows
 * already names its adapters for people (`Wi-Fi`, `Ethernet 2`), so those stay as they are;
 * a name the rules do not know is shown as the OS gives it.
 */
export function friendlyInterfaceName(name: string, platform: NodeJS.Platform): string {
  const kind = interfaceKind(name, platform);
  if (platform === 'win32' && kind !== 'virtual') return name;
  if (kind === 'other') return platform === 'darwin' && /^en\d+$/.test(name) ? `Wi-Fi or Ethernet (${name})` : name;
  return `${KIND_LABELS[kind]} (${name})`;
}

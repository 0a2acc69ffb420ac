/**
 * Which peers a room accepts. A room hosted for "everyone on my network" takes peers from
 * the networks a LAN can have and nothing from the internet: loopback (127/8, ::1), private
 * (10/8, 172.16/12, 192.168/16), carrier-grade NAT (100.64/10, which Tailscale and many
 * ISPs hand out), link-local (169.254/16, fe80::/10) and unique local IPv6 (fc00::/7).
 * IPv4-mapped IPv6 (`::ffff:10.0.0.5`) counts as the IPv4 address it carries.
 */
import net from 'node:net';

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

/** True for an address on one of the local-network ranges above. */
export function isLocalNetworkAddress(address: string): boolean {
  const plain = address.replace(/%.*$/, ''); // a zone (fe80::1%eth0) says nothing about the range
  const family = net.isIPv4(plain) ? 'ipv4' : net.isIPv6(plain) ? 'ipv6' : null;
  if (family === null) return false;
  return localNetworkList().check(plain, family);
}

/** Whether a room with `scope` lets a peer at `address` in. */
export function peerAllowed(scope: PeerScope, address: string): boolean {
  return scope === 'any' || isLocalNetworkAddress(address);
}

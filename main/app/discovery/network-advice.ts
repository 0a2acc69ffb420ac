/**
 * What the host panel says about this machine's network: each share address with the
 * interface it is on (Wi-Fi, Ethernet…), physical networks before virtual ones, and a
 * warning when nobody else could reach this machine at all. Pure over the interface table.
 */
import { joinHostPort } from '../../common/address';
import type { Advice, NetworkHost, ShareAddress } from '../../common/rooms';
import type { HostScope } from '../../common/ipc-contract';
import { externalHosts } from '../share-addresses';
import { friendlyInterfaceName, isLinkLocalIPv4, isLinkLocalIPv6, isVirtualInterfaceName, listLocalAddresses, type NetworkInterfaceTable } from './interfaces';

/**
 * This machine's addresses on its networks, labelled: virtual interfaces (Docker, VMs, VPNs)
 * last, since their addresses work only from inside those. Empty with no network.
 */
export function labelledNetworkHosts(table: NetworkInterfaceTable, platform: NodeJS.Platform): NetworkHost[] {
  const hosts = externalHosts(table).map((entry) => ({
    host: entry.host,
    interfaceName: entry.interfaceName,
    label: friendlyInterfaceName(entry.interfaceName, platform),
  }));
  const virtual = (entry: NetworkHost) => (isVirtualInterfaceName(entry.interfaceName) ? 1 : 0);
  // Array.prototype.sort is stable: IPv4-before-IPv6 order survives within each group.
  return hosts.sort((a, b) => virtual(a) - virtual(b));
}

/** The addresses to offer, labelled. A 'local' room, or a machine with no network, offers loopback only. */
export function labelledShareAddresses(
  scope: HostScope,
  port: number,
  table: NetworkInterfaceTable,
  platform: NodeJS.Platform,
): ShareAddress[] {
  const loopback: ShareAddress[] = [{ address: joinHostPort('127.0.0.1', port), interfaceName: 'lo', label: 'This computer only' }];
  if (scope === 'local') return loopback;
  const hosts = labelledNetworkHosts(table, platform);
  if (hosts.length === 0) return loopback;
  return hosts.map(({ host, interfaceName, label }) => ({ address: joinHostPort(host, port), interfaceName, label }));
}

/**
 * A warning when others cannot reach this machine: no network but loopback, or only
 * self-assigned addresses (169.254.x.x, fe80::), which usually mean "Wi-Fi connected but
 * no DHCP answer". Null when there is an ordinary address.
 */
export function networkWarning(table: NetworkInterfaceTable): Advice | null {
  const external = listLocalAddresses(table).filter((a) => !a.internal && !isVirtualInterfaceName(a.interfaceName));
  if (external.length === 0) {
    return {
      summary: 'This computer is not connected to a network, so only people on this computer can join.',
      suggestion: 'Connect to the Wi-Fi or plug in the network cable that the others use.',
      command: null,
    };
  }
  const routable = external.filter((a) => !(a.family === 'IPv4' ? isLinkLocalIPv4(a.address) : isLinkLocalIPv6(a.address)));
  if (routable.length === 0) {
    return {
      summary: 'This computer only has a self-assigned address (169.254.x.x or fe80::), so most others cannot reach it.',
      suggestion:
        'The network did not give it an address: reconnect to the Wi-Fi or cable, or check the router. Computers cabled directly to each other can still find the room in their list.',
      command: null,
    };
  }
  return null;
}

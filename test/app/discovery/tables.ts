/** Fixed interface tables, shaped like os.networkInterfaces(), for the discovery unit tests. */
import type os from 'node:os';
import type { NetworkInterfaceTable } from '../../../main/app/discovery/interfaces';

export function v4(address: string, prefix: number, internal = false): os.NetworkInterfaceInfo {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const netmask = [mask >>> 24, (mask >>> 16) & 255, (mask >>> 8) & 255, mask & 255].join('.');
  return { address, netmask, family: 'IPv4', mac: '02:00:00:00:00:01', internal, cidr: `${address}/${prefix}` };
}

export function v6(address: string, prefix: number, scopeid = 2, internal = false): os.NetworkInterfaceInfo {
  return { address, netmask: prefix === 64 ? 'ffff:ffff:ffff:ffff::' : 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', mac: '02:00:00:00:00:01', internal, cidr: `${address}/${prefix}`, scopeid };
}

/** A laptop: Wi-Fi and Ethernet, Docker, a VPN, loopback. */
export const LAPTOP: NetworkInterfaceTable = {
  lo: [v4('127.0.0.1', 8, true), v6('::1', 128, 0, true)],
  wlp2s0: [v4('192.168.1.20', 24), v6('fe80::1c2d:3e4f:5a6b:7c8d', 64, 3), v6('2001:db8:1::20', 64, 3)],
  enp0s31f6: [v4('10.0.0.5', 16)],
  docker0: [v4('172.17.0.1', 16)],
  'br-1a2b3c': [v4('172.18.0.1', 16)],
  veth1234: [v6('fe80::1', 64, 9)],
  wg0: [v4('10.200.0.2', 24)],
  tun0: [v4('10.8.0.6', 24)],
  virbr0: [v4('192.168.122.1', 24)],
};

/** Interface filtering, names people recognise, broadcast addresses and subnet checks. */
import { describe, expect, it } from 'vitest';
import {
  directedBroadcast,
  discoveryInterfaces,
  friendlyInterfaceName,
  interfaceKind,
  isVirtualInterfaceName,
  listLocalAddresses,
  networkLabel,
  onSubnet,
  subnetsOf,
} from '../../../main/app/discovery/interfaces';
import { LAPTOP, v4, v6 } from './tables';

describe('discovery interfaces', () => {
  it('uses physical interfaces only: no loopback, Docker, bridges, veth, VPN tunnels or libvirt', () => {
    const chosen = discoveryInterfaces(LAPTOP);
    expect(chosen.map((iface) => iface.name)).toEqual(['wlp2s0', 'enp0s31f6']);
    expect(chosen[0]!.ipv4.map((a) => a.address)).toEqual(['192.168.1.20']);
    expect(chosen[0]!.ipv6.map((a) => a.address)).toEqual(['fe80::1c2d:3e4f:5a6b:7c8d', '2001:db8:1::20']);
  });

  it('keeps an interface whose only IPv4 address is self-assigned (two laptops on a cable)', () => {
    expect(discoveryInterfaces({ eth0: [v4('169.254.10.20', 16)] }).map((i) => i.name)).toEqual(['eth0']);
  });

  it('"only" picks exactly the named interfaces, loopback included (tests, multi-homed servers)', () => {
    expect(discoveryInterfaces(LAPTOP, { only: ['lo'] }).map((i) => i.name)).toEqual(['lo']);
    expect(discoveryInterfaces(LAPTOP, { only: ['docker0', 'nope'] }).map((i) => i.name)).toEqual(['docker0']);
  });

  it('skips entries that are not addresses, and numeric families from old Node versions still count', () => {
    const table = { eth0: [{ ...v4('10.1.1.1', 24), family: 4 as unknown as 'IPv4' }, { ...v4('bogus', 24) }] };
    expect(listLocalAddresses(table).map((a) => a.address)).toEqual(['10.1.1.1']);
  });

  it('reads the prefix from cidr, or from the netmask when cidr is missing', () => {
    const [a, b] = listLocalAddresses({ eth0: [{ ...v4('10.1.1.1', 20), cidr: null }], eth1: [{ ...v6('2001:db8::1', 64), cidr: null }] });
    expect(a!.prefix).toBe(20);
    expect(b!.prefix).toBe(64);
  });

  it.each([
    ['docker0', true], ['br-0123abcd', true], ['veth9f8e7d', true], ['virbr0', true], ['vmnet8', true], ['vboxnet0', true],
    ['tun0', true], ['tap1', true], ['wg0', true], ['utun3', true], ['awdl0', true], ['llw0', true], ['lxcbr0', true],
    ['vEthernet (WSL)', true], ['VirtualBox Host-Only Network', true], ['VMware Network Adapter VMnet8', true], ['tailscale0', true],
    ['eth0', false], ['wlp2s0', false], ['en0', false], ['Wi-Fi', false], ['Ethernet 2', false], ['enx00e04c680001', false], ['lan0', false],
  ])('%s is virtual: %s', (name, virtual) => {
    expect(isVirtualInterfaceName(name)).toBe(virtual);
  });

  it.each([
    ['wlp2s0', 'linux', 'Wi-Fi (wlp2s0)'],
    ['wlan0', 'linux', 'Wi-Fi (wlan0)'],
    ['eth0', 'linux', 'Ethernet (eth0)'],
    ['enp0s31f6', 'linux', 'Ethernet (enp0s31f6)'],
    ['enx00e04c680001', 'linux', 'USB network (enx00e04c680001)'],
    ['wwan0', 'linux', 'Mobile broadband (wwan0)'],
    ['docker0', 'linux', 'Virtual network (docker0)'],
    ['lo', 'linux', 'This computer (lo)'],
    ['lan0', 'linux', 'lan0'],
    ['en0', 'darwin', 'Wi-Fi or Ethernet (en0)'],
    ['Wi-Fi', 'win32', 'Wi-Fi'],
    ['Ethernet 2', 'win32', 'Ethernet 2'],
    ['vEthernet (WSL)', 'win32', 'Virtual network (vEthernet (WSL))'],
  ] as const)('%s on %s is shown as %s', (name, platform, label) => {
    expect(friendlyInterfaceName(name, platform)).toBe(label);
  });

  it('knows Windows adapters by their names', () => {
    expect(interfaceKind('Wi-Fi 2', 'win32')).toBe('wifi');
    expect(interfaceKind('Local Area Connection', 'win32')).toBe('ethernet');
  });

  it('computes directed broadcast addresses', () => {
    expect(directedBroadcast('192.168.1.20', 24)).toBe('192.168.1.255');
    expect(directedBroadcast('10.0.0.5', 16)).toBe('10.0.255.255');
    expect(directedBroadcast('10.0.0.5', 8)).toBe('10.255.255.255');
    expect(directedBroadcast('172.16.5.4', 22)).toBe('172.16.7.255');
    expect(directedBroadcast('127.0.0.1', 8)).toBe('127.255.255.255');
    expect(directedBroadcast('10.0.0.1', 31)).toBe('255.255.255.255');
    expect(directedBroadcast('fe80::1', 64)).toBeNull();
    expect(directedBroadcast('10.0.0.1', 33)).toBeNull();
  });

  it('tells whether an address is on one of the local subnets, IPv4 and IPv6, zones and mapped forms included', () => {
    const subnets = subnetsOf(listLocalAddresses(LAPTOP).filter((a) => !a.internal));
    expect(onSubnet(subnets, '192.168.1.77')).toBe(true);
    expect(onSubnet(subnets, '::ffff:192.168.1.77')).toBe(true);
    expect(onSubnet(subnets, '10.0.200.1')).toBe(true);
    expect(onSubnet(subnets, '192.168.2.1')).toBe(false);
    expect(onSubnet(subnets, '2001:db8:1::99')).toBe(true);
    expect(onSubnet(subnets, 'fe80::99%wlp2s0')).toBe(true);
    expect(onSubnet(subnets, '2001:db8:2::1')).toBe(false);
    expect(onSubnet(subnets, 'not-an-address')).toBe(false);
  });

  it('names networks the way people write them', () => {
    const [wifi] = listLocalAddresses({ wlan0: [v4('192.168.1.20', 24), v6('2001:db8:1::20', 64)] });
    expect(networkLabel(wifi!)).toBe('192.168.1.0/24');
    expect(networkLabel(listLocalAddresses({ wlan0: [v6('2001:db8:1::20', 64)] })[0]!)).toBe('2001:db8:1::20/64');
  });
});

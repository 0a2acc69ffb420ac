/** Address ranges and per-address limits, without sockets. */
import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { AddressLimits, sourceKey } from '../../main/chat/address-limits';
import { AttachedNetworks, isLocalNetworkAddress, peerAllowed } from '../../main/chat/peer-scope';

describe('isLocalNetworkAddress', () => {
  it.each([
    '127.0.0.1', '127.255.1.2', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.1.20',
    '100.64.0.1', '100.127.255.254', '169.254.10.20', '::1', 'fe80::1', 'fe80::1%eth0', 'fd12:3456::1', 'fc00::9',
    '::ffff:10.0.0.5', '::ffff:192.168.0.1', '::ffff:127.0.0.1',
  ])('%s is local', (address) => {
    expect(isLocalNetworkAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.1', '192.169.0.1', '100.63.255.255', '100.128.0.1', '11.0.0.1',
    '198.51.100.2', '2001:db8::1', '2606:4700::1111', '::ffff:8.8.8.8', 'fec0::1', '::', '0.0.0.0', 'not an address', '',
  ])('%s is not', (address) => {
    expect(isLocalNetworkAddress(address)).toBe(false);
  });

  it("'any' lets everyone in", () => {
    expect(peerAllowed('any', '8.8.8.8')).toBe(true);
    expect(peerAllowed('local-networks', '8.8.8.8')).toBe(false);
  });
});

describe('sourceKey', () => {
  it.each([
    ['10.0.0.5', '10.0.0.5'],
    ['::ffff:10.0.0.5', '10.0.0.5'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::2', '0:0:0:0::/64'],
    ['64:ff9b::1.2.3.4', '64:ff9b:0:0::/64'],
    ['fe80::1', 'fe80::1'],
    ['fe80::2%eth0', 'fe80::2'],
    ['::1', '::1'],
  ])('%s counts as %s', (address, key) => {
    expect(sourceKey(address)).toBe(key);
  });

  it('one machine cannot dodge the limit with another address of its /64', () => {
    expect(sourceKey('2001:db8:1:2::a')).toBe(sourceKey('2001:db8:1:2:ffff::b'));
    expect(sourceKey('2001:db8:1:2::a')).not.toBe(sourceKey('2001:db8:1:3::a'));
  });
});

describe('AddressLimits', () => {
  it('counts open connections per key and frees a place on release', () => {
    const limits = new AddressLimits(2, 0);
    expect(limits.admit('a', 0)).toBeNull();
    expect(limits.admit('a', 0)).toBeNull();
    expect(limits.admit('a', 0)).toBe('address-limit');
    expect(limits.admit('b', 0)).toBeNull();
    limits.release('a');
    expect(limits.openFrom('a')).toBe(1);
    expect(limits.admit('a', 0)).toBeNull();
  });

  it('joins: N at once, then N a minute', () => {
    const limits = new AddressLimits(0, 6);
    for (let i = 0; i < 6; i++) {
      expect(limits.admit('a', 0)).toBeNull();
      limits.release('a');
    }
    expect(limits.admit('a', 0)).toBe('join-rate');
    expect(limits.admit('a', 9_000)).toBe('join-rate'); // 0.9 of a join refilled
    expect(limits.admit('a', 10_001)).toBeNull(); // one every 10 s
    expect(limits.admit('a', 10_002)).toBe('join-rate');
    expect(limits.admit('b', 10_002)).toBeNull();
  });

  it('0 and 0: no limits at all', () => {
    const limits = new AddressLimits(0, 0);
    for (let i = 0; i < 1000; i++) expect(limits.admit('a', 0)).toBeNull();
  });
});

describe('AttachedNetworks', () => {
  const entry = (address: string, cidr: string | null): os.NetworkInterfaceInfo =>
    ({ address, cidr, family: address.includes(':') ? 'IPv6' : 'IPv4', netmask: '', mac: '00:00:00:00:00:00', internal: false, scopeid: 0 });

  it('takes any address on a subnet of an interface, public or not, and nothing beyond', () => {
    const attached = new AttachedNetworks(() => ({
      eth0: [entry('198.51.100.7', '198.51.100.7/24'), entry('2001:db8:5::7', '2001:db8:5::7/64')],
      tun0: [entry('203.0.113.9', null)],
    }));
    expect(attached.includes('198.51.100.200')).toBe(true);
    expect(attached.includes('::ffff:198.51.100.9')).toBe(true);
    expect(attached.includes('2001:db8:5::abcd')).toBe(true);
    expect(attached.includes('198.51.101.1')).toBe(false);
    expect(attached.includes('2001:db8:6::1')).toBe(false);
    expect(attached.includes('203.0.113.10')).toBe(false);
    expect(attached.includes('not an address')).toBe(false);
    expect(peerAllowed('local-networks', '198.51.100.200', attached)).toBe(true);
    expect(peerAllowed('local-networks', '198.51.101.1', attached)).toBe(false);
  });

  it('reads the interfaces again only after the refresh interval', () => {
    let reads = 0;
    let subnet = '198.51.100.7/24';
    const attached = new AttachedNetworks(() => {
      reads += 1;
      return { eth0: [entry(subnet.split('/')[0]!, subnet)] };
    }, 5000);
    expect(attached.includes('198.51.100.1', 0)).toBe(true);
    subnet = '192.0.2.7/24'; // the machine moved to another network
    expect(attached.includes('192.0.2.1', 4999)).toBe(false);
    expect(reads).toBe(1);
    expect(attached.includes('192.0.2.1', 5000)).toBe(true);
    expect(attached.includes('198.51.100.1', 5001)).toBe(false);
    expect(reads).toBe(2);
  });

  it('without an interface list only the fixed ranges count', () => {
    const attached = new AttachedNetworks(() => {
      throw new Error('no interfaces here');
    });
    expect(attached.includes('198.51.100.1')).toBe(false);
    expect(peerAllowed('local-networks', '10.0.0.1', attached)).toBe(true);
  });
});

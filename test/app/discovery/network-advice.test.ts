/** Share addresses with interface names, and the warning when nobody else can reach us. */
import { describe, expect, it } from 'vitest';
import { labelledShareAddresses, networkWarning } from '../../../main/app/discovery/network-advice';
import { LAPTOP, v4, v6 } from './tables';

describe('host panel network advice', () => {
  it('labels each share address with its interface, physical networks first', () => {
    expect(labelledShareAddresses('lan', 60003, LAPTOP, 'linux')).toEqual([
      { address: '192.168.1.20:60003', interfaceName: 'wlp2s0', label: 'Wi-Fi (wlp2s0)' },
      { address: '10.0.0.5:60003', interfaceName: 'enp0s31f6', label: 'Ethernet (enp0s31f6)' },
      { address: '[2001:db8:1::20]:60003', interfaceName: 'wlp2s0', label: 'Wi-Fi (wlp2s0)' },
      { address: '172.17.0.1:60003', interfaceName: 'docker0', label: 'Virtual network (docker0)' },
      { address: '172.18.0.1:60003', interfaceName: 'br-1a2b3c', label: 'Virtual network (br-1a2b3c)' },
      { address: '10.200.0.2:60003', interfaceName: 'wg0', label: 'Virtual network (wg0)' },
      { address: '10.8.0.6:60003', interfaceName: 'tun0', label: 'Virtual network (tun0)' },
      { address: '192.168.122.1:60003', interfaceName: 'virbr0', label: 'Virtual network (virbr0)' },
    ]);
  });

  it('offers loopback only for a local room or a machine without a network', () => {
    const loopback = [{ address: '127.0.0.1:4000', interfaceName: 'lo', label: 'This computer only' }];
    expect(labelledShareAddresses('local', 4000, LAPTOP, 'linux')).toEqual(loopback);
    expect(labelledShareAddresses('lan', 4000, { lo: LAPTOP.lo! }, 'linux')).toEqual(loopback);
  });

  it('warns with only loopback, or only self-assigned addresses; an ordinary address needs no warning', () => {
    expect(networkWarning({ lo: LAPTOP.lo! })?.summary).toMatch(/not connected to a network/);
    expect(networkWarning({ lo: LAPTOP.lo!, docker0: [v4('172.17.0.1', 16)] })?.summary).toMatch(/not connected to a network/);
    expect(networkWarning({ eth0: [v4('169.254.3.4', 16), v6('fe80::3', 64)] })?.summary).toMatch(/self-assigned address/);
    expect(networkWarning(LAPTOP)).toBeNull();
    expect(networkWarning({ eth0: [v6('2001:db8::5', 64)] })).toBeNull();
  });
});

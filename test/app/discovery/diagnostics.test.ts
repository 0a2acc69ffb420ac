/** The sentence and the next step for each way a join can fail. */
import { describe, expect, it } from 'vitest';
import { diagnoseJoinFailure } from '../../../main/app/discovery/diagnostics';
import { listLocalAddresses } from '../../../main/app/discovery/interfaces';
import { LAPTOP, v4 } from './tables';

const local = listLocalAddresses(LAPTOP);
const offline = listLocalAddresses({ lo: LAPTOP.lo! });

describe('diagnoseJoinFailure', () => {
  it('refused: nothing listening — is the host still hosting?', () => {
    expect(diagnoseJoinFailure({ code: 'refused', host: '192.168.1.50', port: 60003 }, local)).toMatchObject({
      summary: 'Nothing is listening at 192.168.1.50:60003.',
      suggestion: 'Is the host still hosting? Check the address and port on the host’s screen — the room may have closed, or be on another port.',
      command: 'nc -vz 192.168.1.50 60003',
    });
    expect(diagnoseJoinFailure({ code: 'refused', host: '127.0.0.1', port: 4000 }, local)?.suggestion).toMatch(/No room is open on this computer on port 4000/);
  });

  it('refused or silent: names the usual LAN causes — the host chose “Only this computer”, a firewall on the host, a different network', () => {
    const refused = diagnoseJoinFailure({ code: 'refused', host: '192.168.1.50', port: 4000 }, local)!.causes!;
    expect(refused[0]).toMatch(/^The host chose “Only this computer”.*“Everyone on my network”/);
    expect(refused.some((cause) => /firewall on the host.*TCP port 4000/.test(cause))).toBe(true);
    expect(refused.some((cause) => /different network/.test(cause))).toBe(true);
    const silent = diagnoseJoinFailure({ code: 'timeout', host: '192.168.1.50', port: 4000 }, local)!.causes!;
    expect(silent[0]).toMatch(/^A firewall on the host drops the connection.*TCP port 4000/);
    expect(silent[1]).toMatch(/different network.*guest Wi-Fi.*keeps devices apart/);
    expect(silent.some((cause) => /“Only this computer”/.test(cause))).toBe(true);
    // This computer's own address: none of these apply.
    expect(diagnoseJoinFailure({ code: 'refused', host: '127.0.0.1', port: 4000 }, local)?.causes).toBeUndefined();
    expect(diagnoseJoinFailure({ code: 'unknown-host', host: 'labpc', port: 4000 }, local)?.causes).toBeUndefined();
  });

  it('timed out on one of our networks: a firewall on the host, or a different network', () => {
    const advice = diagnoseJoinFailure({ code: 'timeout', host: '192.168.1.50', port: 60003 }, local)!;
    expect(advice.summary).toBe('192.168.1.50:60003 did not answer.');
    expect(advice.suggestion).toMatch(/firewall on the host is probably blocking port 60003.*allow Tincan \(TCP port 60003\)/);
    expect(advice.suggestion).toMatch(/different network/);
    expect(advice.command).toBe('nc -vz 192.168.1.50 60003');
  });

  it('an address on none of this machine’s networks says so and lists ours (not Docker’s)', () => {
    const advice = diagnoseJoinFailure({ code: 'timeout', host: '10.1.2.3', port: 60003 }, local.filter((a) => a.interfaceName !== 'enp0s31f6'))!;
    expect(advice.suggestion).toMatch(/^10\.1\.2\.3 is not on any of this computer’s networks \(this computer is on 192\.168\.1\.0\/24\)/);
    expect(advice.suggestion).not.toMatch(/172\.17/);
    const unreachable = diagnoseJoinFailure({ code: 'unreachable', host: '192.168.7.7', port: 60003 }, local)!;
    expect(unreachable.summary).toMatch(/^There is no route from this computer to 192\.168\.7\.7\. 192\.168\.7\.7 is not on any of this computer’s networks \(this computer is on 192\.168\.1\.0\/24, 10\.0\.0\.0\/16/);
    expect(unreachable.suggestion).toMatch(/Join the host’s network/);
  });

  it('no route to an address that is on our network: the host left or changed address', () => {
    const advice = diagnoseJoinFailure({ code: 'unreachable', host: '192.168.1.77', port: 60003 }, local)!;
    expect(advice.summary).toBe('There is no route from this computer to 192.168.1.77.');
    expect(advice.suggestion).toMatch(/left the network or got a new address/);
  });

  it('no network at all', () => {
    const advice = diagnoseJoinFailure({ code: 'unreachable', host: '192.168.1.77', port: 60003 }, offline)!;
    expect(advice).toEqual({
      summary: 'This computer is not connected to a network, so it cannot reach 192.168.1.77.',
      suggestion: 'Connect to the Wi-Fi or plug in the cable the host uses, then try again.',
      command: null,
    });
  });

  it('a name that does not resolve: type the IP address, and a word about .local names', () => {
    const advice = diagnoseJoinFailure({ code: 'unknown-host', host: 'labpc', port: 60003 }, local)!;
    expect(advice.summary).toBe('This computer cannot find a host called “labpc”.');
    expect(advice.suggestion).toMatch(/type the host’s IP address instead/);
    expect(advice.command).toBeNull();
    expect(diagnoseJoinFailure({ code: 'unknown-host', host: 'labpc.local', port: 60003 }, local)?.suggestion).toMatch(/Bonjour or Avahi/);
  });

  it('reset, other, and an IPv6 host (no brackets in the nc command); a cancelled join says nothing', () => {
    expect(diagnoseJoinFailure({ code: 'reset', host: '192.168.1.50', port: 60003 }, local)?.summary).toBe('192.168.1.50:60003 accepted the connection and then closed it.');
    expect(diagnoseJoinFailure({ code: 'other', host: '192.168.1.50', port: 60003, message: 'Could not connect: EPERM' }, local)?.summary).toBe('Could not connect: EPERM.');
    const v6 = diagnoseJoinFailure({ code: 'refused', host: '2001:db8:1::50', port: 60003 }, local)!;
    expect(v6.summary).toBe('Nothing is listening at [2001:db8:1::50]:60003.');
    expect(v6.command).toBe('nc -vz 2001:db8:1::50 60003');
    expect(diagnoseJoinFailure({ code: 'timeout', host: 'fe80::5%wlp2s0', port: 60003 }, local)?.suggestion).toMatch(/firewall/);
    expect(diagnoseJoinFailure({ code: 'aborted', host: '192.168.1.50', port: 60003 }, local)).toBeNull();
  });

  it('compares with the current networks, not the ones the machine had before', () => {
    const moved = listLocalAddresses({ wlan0: [v4('10.9.0.5', 24)] });
    expect(diagnoseJoinFailure({ code: 'timeout', host: '192.168.1.50', port: 60003 }, moved)?.suggestion).toMatch(/this computer is on 10\.9\.0\.0\/24/);
  });
});

describe('diagnoseJoinFailure on macOS', () => {
  it('no route to an address on this computer’s own network: the Local Network permission, and where to turn it on', () => {
    const advice = diagnoseJoinFailure({ code: 'unreachable', host: '192.168.1.77', port: 60003 }, local, 'darwin')!;
    expect(advice.summary).toBe(
      'There is no route from this computer to 192.168.1.77, although it is on this computer’s network: macOS is most likely keeping Tincan off the local network.',
    );
    expect(advice.suggestion).toMatch(/^Open System Settings → Privacy & Security → Local Network, turn Tincan on, and join again\./);
    expect(advice.command).toBe('nc -vz 192.168.1.77 60003');
    // Off this computer's networks, offline, or another system: the permission is not the likely cause.
    expect(diagnoseJoinFailure({ code: 'unreachable', host: '192.168.7.7', port: 60003 }, local, 'darwin')?.summary).toMatch(/is not on any of this computer’s networks/);
    expect(diagnoseJoinFailure({ code: 'unreachable', host: '192.168.1.77', port: 60003 }, offline, 'darwin')?.summary).toMatch(/not connected to a network/);
    expect(diagnoseJoinFailure({ code: 'unreachable', host: '192.168.1.77', port: 60003 }, local, 'linux')?.summary).toBe('There is no route from this computer to 192.168.1.77.');
    expect(diagnoseJoinFailure({ code: 'refused', host: '192.168.1.77', port: 60003 }, local, 'darwin')?.summary).toBe('Nothing is listening at 192.168.1.77:60003.');
  });
});

/**
 * Why a join failed, in a plain sentence, and what to try next. Pure: it takes the
 * ChatClient's error code and this machine's addresses, and compares the host's address
 * with the local networks ("10.1.2.3 is on none of this computer's networks").
 */
import net from 'node:net';
import { joinHostPort } from '../../common/address';
import { testCommand, type Advice } from '../../common/rooms';
import type { ChatClientErrorCode } from '../../chat/types';
import { isLoopbackAddress, isVirtualInterfaceName, networkLabel, onSubnet, subnetsOf, type LocalAddress } from './interfaces';

export interface JoinFailure {
  code: ChatClientErrorCode;
  host: string;
  port: number;
  /** The ChatClient's own sentence, used for 'other'. */
  message?: string;
}

type Reachability = 'no-network' | 'loopback' | 'on-network' | 'off-network' | 'name';

function reachability(host: string, local: readonly LocalAddress[]): { kind: Reachability; networks: string[] } {
  const external = local.filter((a) => !a.internal);
  const physical = external.filter((a) => !isVirtualInterfaceName(a.interfaceName));
  const bare = host.split('%')[0] ?? host;
  const family = net.isIP(bare);
  const sameFamily = physical.filter((a) => (family === 6 ? a.family === 'IPv6' : a.family === 'IPv4'));
  const networks = [...new Set(sameFamily.map(networkLabel))].slice(0, 4);
  if (family !== 0 && isLoopbackAddress(bare)) return { kind: 'loopback', networks };
  if (external.length === 0) return { kind: 'no-network', networks };
  if (family === 0) return { kind: 'name', networks };
  if (family === 6 && host.includes('%')) return { kind: 'on-network', networks };
  return { kind: onSubnet(subnetsOf(external), bare) ? 'on-network' : 'off-network', networks };
}

function offNetworkSentence(host: string, networks: string[]): string {
  const yours = networks.length === 0 ? '' : ` (this computer is on ${networks.join(', ')})`;
  return `${host} is not on any of this computer’s networks${yours}, so you may be on a different network from the host — a guest Wi-Fi, another building, a phone hotspot.`;
}

/**
 * macOS 15 and later keep an app off the local network until the user allows it (System
 * Settings → Privacy & Security → Local Network), and a denied connection fails as "no route
 * to host" even to a machine on the same Wi-Fi. So on a Mac, no route to an address on one
 * of this computer's own networks most likely means the permission. Terminal has a permission
 * of its own, so `nc` from there tells the two apart.
 */
function macLocalNetworkAdvice(host: string, command: string | null): Advice {
  return {
    summary: `There is no route from this computer to ${host}, although it is on this computer’s network: macOS is most likely keeping Tincan off the local network.`,
    suggestion:
      'Open System Settings → Privacy & Security → Local Network, turn Tincan on, and join again. If Tincan is not in that list, quit Tincan, open it again and join: macOS asks the first time. If the command below reaches the host from Terminal, it is this permission; if not, the host may have left the network or got a new address.',
    command,
  };
}

/**
 * What usually stops a join on a LAN, in the host's words where it has them ("Only this
 * computer" is the Host form's choice). A refused connection reached a computer that turned
 * it away; a silent one met a firewall that drops, or never reached the host at all.
 */
function refusedCauses(port: number): string[] {
  return [
    'The host chose “Only this computer” when hosting: nobody else can connect. Ask them to host again with “Everyone on my network”.',
    `The room closed, or is on another port than ${port}: check the address on the host’s screen.`,
    `A firewall on the host turns the connection away: on the host, allow Tincan (TCP port ${port}) through it.`,
    'You are on a different network from the host, and this address is another computer’s here: join the host’s Wi-Fi or cable and use the address on their screen.',
  ];
}

function silentCauses(port: number): string[] {
  return [
    `A firewall on the host drops the connection: on the host, allow Tincan (TCP port ${port}) through it.`,
    'You are on a different network from the host (a guest Wi-Fi, another building, a phone hotspot), or the Wi-Fi keeps devices apart, as campus and guest networks often do: join the same network as the host, or use a cable.',
    'The host chose “Only this computer” when hosting, or the room closed: ask the host to check their screen.',
  ];
}

/**
 * The explanation for a failed join, or null for one the user cancelled. `local` is
 * listLocalAddresses(os.networkInterfaces()) at the time of the failure; `platform`, this
 * computer's, adds what that system is known to block (absent: nothing platform-specific).
 */
export function diagnoseJoinFailure(failure: JoinFailure, local: readonly LocalAddress[], platform?: NodeJS.Platform): Advice | null {
  const { code, host, port } = failure;
  const where = joinHostPort(host, port);
  const command = testCommand(host, port);
  const { kind, networks } = reachability(host, local);
  const offNetwork = kind === 'off-network' ? ` ${offNetworkSentence(host, networks)}` : '';
  switch (code) {
    case 'aborted':
      return null;
    case 'wrong-key':
      // A key that is not the pinned one gets its own warning (JoinResult.keyWarning), not advice.
      return null;
    case 'tls':
      return {
        summary: `${where} did not complete an encrypted connection.`,
        suggestion: 'It may not be a Tincan room, or something between you and the host is interfering. Ask the host to check the room is still open.',
        command,
      };
    case 'refused':
      return {
        summary: `Nothing is listening at ${where}.`,
        suggestion:
          kind === 'loopback'
            ? `No room is open on this computer on port ${port}. Start hosting first, or check the port.`
            : `Is the host still hosting? Check the address and port on the host’s screen — the room may have closed, or be on another port.`,
        command,
        ...(kind === 'loopback' ? {} : { causes: refusedCauses(port) }),
      };
    case 'timeout':
      return {
        summary: `${where} did not answer.`,
        suggestion:
          kind === 'off-network'
            ? `${offNetworkSentence(host, networks)} Join the host’s network, or use an address from the host’s screen.`
            : `A firewall on the host is probably blocking port ${port}: on the host, allow Tincan (TCP port ${port}) through the firewall. Or the host is on a different network even though the address looks close to yours.`,
        command,
        ...(kind === 'loopback' ? {} : { causes: silentCauses(port) }),
      };
    case 'unreachable':
      if (kind === 'no-network') {
        return {
          summary: `This computer is not connected to a network, so it cannot reach ${host}.`,
          suggestion: 'Connect to the Wi-Fi or plug in the cable the host uses, then try again.',
          command: null,
        };
      }
      if (platform === 'darwin' && kind === 'on-network') return macLocalNetworkAdvice(host, command);
      return {
        summary: `There is no route from this computer to ${host}.${offNetwork}`,
        suggestion:
          kind === 'off-network'
            ? 'Join the host’s network (same Wi-Fi or cable), or use an address from the host’s screen that starts like one of yours.'
            : 'The host may have left the network or got a new address: check the address on the host’s screen again.',
        command,
      };
    case 'unknown-host':
      return {
        summary: `This computer cannot find a host called “${host}”.`,
        suggestion: /\.local\.?$/i.test(host)
          ? `Names ending in .local need Bonjour or Avahi on both computers. Type the host’s IP address instead (its screen shows it, for example 192.168.1.20:${port}).`
          : `Check the spelling, or type the host’s IP address instead (its screen shows it, for example 192.168.1.20:${port}).`,
        command: null,
      };
    case 'reset':
      return {
        summary: `${where} accepted the connection and then closed it.`,
        suggestion: 'The room may be full, or this may not be a Tincan room. Ask the host to check.',
        command,
      };
    // 'busy' is a refused send, never a failed join; if one ever arrives here it reads like any other failure.
    case 'busy':
    case 'other':
      return {
        summary: failure.message !== undefined && failure.message.length > 0 ? `${failure.message.replace(/\.?$/, '.')}` : `Could not connect to ${where}.`,
        suggestion: `Check the address, then try again.${offNetwork}`,
        command,
      };
  }
}

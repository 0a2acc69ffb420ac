/**
 * The addresses a host tells others to type, `IP:port`. One implementation for the desktop
 * app's host panel and the headless server's start-up banner.
 */
import type os from 'node:os';
import { isLinkLocalIPv6, joinHostPort } from '../common/address';

export type NetworkInterfaceTable = NodeJS.Dict<os.NetworkInterfaceInfo[]>;
export type NetworkInterfacesReader = () => NetworkInterfaceTable;

export interface ShareAddressEntry {
  /** `IP:port`, IPv6 in brackets. */
  address: string;
  interfaceName: string;
}

/**
 * Every external IPv4 address, then every external IPv6 address in brackets, each once, with
 * the interface it is on. Link-local IPv6 (fe80::) is left out: it only works with the
 * *joiner's* interface name appended, which we cannot know.
 */
export function shareAddressEntries(port: number, interfaces: NetworkInterfaceTable): ShareAddressEntry[] {
  const v4: ShareAddressEntry[] = [];
  const v6: ShareAddressEntry[] = [];
  for (const [interfaceName, entries] of Object.entries(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      if (entry.family === 'IPv4') v4.push({ address: joinHostPort(entry.address, port), interfaceName });
      else if (!isLinkLocalIPv6(entry.address)) v6.push({ address: joinHostPort(entry.address, port), interfaceName });
    }
  }
  const seen = new Set<string>();
  return [...v4, ...v6].filter((entry) => !seen.has(entry.address) && seen.add(entry.address));
}

/** The addresses of shareAddressEntries, as strings. */
export function externalAddresses(port: number, interfaces: NetworkInterfaceTable): string[] {
  return shareAddressEntries(port, interfaces).map((entry) => entry.address);
}

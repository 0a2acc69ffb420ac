/**
 * The addresses a host tells others to type, `IP:port`. One implementation for the desktop
 * app's host panel and the headless server's start-up banner.
 */
import type os from 'node:os';
import { isLinkLocalIPv6, joinHostPort } from '../common/address';

export type NetworkInterfaceTable = NodeJS.Dict<os.NetworkInterfaceInfo[]>;
export type NetworkInterfacesReader = () => NetworkInterfaceTable;

export interface ExternalHost {
  /** The IP address, unbracketed. */
  host: string;
  interfaceName: string;
}

/**
 * Every external IPv4 address, then every external IPv6 address, each once, with the
 * interface it is on. Link-local IPv6 (fe80::) is left out: it only works with the
 * *joiner's* interface name appended, which we cannot know.
 */
export function externalHosts(interfaces: NetworkInterfaceTable): ExternalHost[] {
  const v4: ExternalHost[] = [];
  const v6: ExternalHost[] = [];
  for (const [interfaceName, entries] of Object.entries(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      if (entry.family === 'IPv4') v4.push({ host: entry.address, interfaceName });
      else if (!isLinkLocalIPv6(entry.address)) v6.push({ host: entry.address, interfaceName });
    }
  }
  const seen = new Set<string>();
  return [...v4, ...v6].filter((entry) => !seen.has(entry.host) && seen.add(entry.host));
}

/** `IP:port` (IPv6 in brackets) for each of externalHosts. */
export function externalAddresses(port: number, interfaces: NetworkInterfaceTable): string[] {
  return externalHosts(interfaces).map((entry) => joinHostPort(entry.host, port));
}

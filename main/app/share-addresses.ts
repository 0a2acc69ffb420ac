/**
 * The addresses a host tells others to type, `IP:port`. One implementation for the desktop
 * app's host panel and the headless server's start-up banner.
 */
import os from 'node:os';
import { isLinkLocalIPv6, joinHostPort } from '../common/address';
import type { HostScope } from '../common/ipc-contract';

export type NetworkInterfaceTable = NodeJS.Dict<os.NetworkInterfaceInfo[]>;
export type NetworkInterfacesReader = () => NetworkInterfaceTable;

/**
 * Every external IPv4 address, then every external IPv6 address in brackets, each once.
 * Link-local IPv6 (fe80::) is left out: it only works with the *joiner's* interface name
 * appended, which we cannot know.
 */
export function externalAddresses(port: number, interfaces: NetworkInterfaceTable): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      if (entry.family === 'IPv4') v4.push(joinHostPort(entry.address, port));
      else if (!isLinkLocalIPv6(entry.address)) v6.push(joinHostPort(entry.address, port));
    }
  }
  return [...new Set([...v4, ...v6])];
}

/** What the host panel offers: loopback only for a 'local' room, and loopback when there is no network at all. */
export function shareAddressesFor(scope: HostScope, port: number, interfaces: NetworkInterfaceTable): string[] {
  const loopback = [joinHostPort('127.0.0.1', port)];
  if (scope === 'local') return loopback;
  const all = externalAddresses(port, interfaces);
  return all.length > 0 ? all : loopback;
}

/** shareAddressesFor over this machine's interfaces; a reader that throws counts as no network. */
export function readShareAddresses(scope: HostScope, port: number, read: NetworkInterfacesReader = os.networkInterfaces): string[] {
  let interfaces: NetworkInterfaceTable = {};
  try {
    interfaces = read();
  } catch {
    // no network information: loopback only
  }
  return shareAddressesFor(scope, port, interfaces);
}

/**
 * Rooms found on the local network, as the Join screen shows them, and the few rules about
 * room names that every layer shares. Pure: no Node, no DOM.
 *
 * Everything in a DiscoveredRoom came from the network and was cleaned in main (control
 * characters removed, lengths bounded); the renderer still shows it as text only.
 */

import { joinHostPort } from './address';

/** Version of the chat protocol a room speaks (TXT `proto`, beacon `proto`). */
export const CHAT_PROTOCOL_VERSION = 1;

/** DNS-SD service type of a Tincan room. */
export const ROOM_SERVICE_TYPE = '_tincan._tcp';

/**
 * Longest room name, in bytes of UTF-8. A DNS-SD instance name is one DNS label, and a label
 * holds at most 63 bytes.
 */
export const MAX_ROOM_NAME_BYTES = 63;

/** The Join screen lists at most this many rooms; a new one replaces the stalest. */
export const MAX_DISCOVERED_ROOMS = 100;

/** Longest user or host name that goes into a default room name (before the byte bound). */
const MAX_DEFAULT_PART_CHARS = 24;

export type DiscoverySource = 'mdns' | 'beacon';

export interface DiscoveredRoom {
  /** Stable while the room is seen: the room's announced id, or its DNS-SD name. */
  key: string;
  /** The room's name as announced, cleaned. */
  name: string;
  /**
   * Where to join, best first, each `IP:port` (IPv6 in brackets) ready for the Join field:
   * addresses on one of this machine's own networks first, IPv4 before IPv6.
   */
  addresses: string[];
  /** People in the room, when the room says (a third-party announcement may not). */
  people: number | null;
  /** How the room was seen: multicast DNS, the UDP beacon, or both. */
  sources: DiscoverySource[];
  /** The app version the room announced, if any (e.g. `0.1.0`). */
  appVersion: string | null;
  /**
   * The host's TLS key (`AB:CD:…`) the announcements carry; the room's id is derived from it.
   * Unproven until the handshake shows it: a join from the list requires exactly this key.
   */
  fingerprint?: string;
  /** Epoch ms of the latest announcement from any source. */
  lastSeen: number;
  /**
   * Present when another host announced this room's id first: the key of that room. The id is
   * public, so this entry may be someone posing as that room; it is listed after real rooms.
   */
  copyOf?: string;
}

/** `"<user>'s room on <host>"`, both parts shortened so the name fits a DNS-SD label. */
export function defaultRoomName(user: string, host: string): string {
  const shortHost = host.split('.')[0] ?? host;
  const clip = (text: string) => Array.from(text.trim()).slice(0, MAX_DEFAULT_PART_CHARS).join('');
  const who = clip(user);
  const where = clip(shortHost);
  if (who.length === 0) return where.length === 0 ? 'Tincan room' : `Room on ${where}`;
  if (where.length === 0) return `${who}’s room`;
  return clipToBytes(`${who}’s room on ${where}`, MAX_ROOM_NAME_BYTES);
}

/** UTF-8 length without TextEncoder allocations (surrogate pairs count 4). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** The longest prefix of whole characters that fits in `maxBytes` of UTF-8. */
export function clipToBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += char;
  }
  return out;
}

/**
 * How someone without the app joins from a terminal: nc and telnet in plain text, `ncat --ssl`
 * and `openssl s_client` over TLS (a room that refuses plain text). All but openssl take an
 * unbracketed IPv6 address; openssl takes `HOST:PORT`, with an IPv6 address in brackets.
 */
export function terminalJoinCommand(tool: 'nc' | 'telnet' | 'ncat-ssl' | 'openssl', host: string, port: number): string {
  switch (tool) {
    case 'ncat-ssl':
      return `ncat --ssl ${host} ${port}`;
    case 'openssl':
      return `openssl s_client -quiet -connect ${joinHostPort(host, port)}`;
    default:
      return `${tool} ${host} ${port}`;
  }
}

/** The command that tells whether a TCP port answers, as the Join-failure help offers it. */
export function testCommand(host: string, port: number): string {
  return `nc -vz ${host} ${port}`;
}

// ---- the host panel's and the Join screen's help ------------------------------------------

/** One of this machine's addresses on a network, before a port is chosen (the Host form's preview). */
export interface NetworkHost {
  /** The IP address, unbracketed. */
  host: string;
  /** The OS name: `wlp2s0`, `eth0`, `Wi-Fi`. */
  interfaceName: string;
  /** For people: `Wi-Fi (wlp2s0)`. */
  label: string;
}

/** One address the host panel offers, with the interface it belongs to. */
export interface ShareAddress {
  /** `IP:port`, IPv6 in brackets. */
  address: string;
  /** The OS name: `wlp2s0`, `eth0`, `Wi-Fi`. */
  interfaceName: string;
  /** For people: `Wi-Fi (wlp2s0)`, `Ethernet (eth0)`, `Virtual network (docker0)`. */
  label: string;
}

/** A sentence to show, and when there is one, the thing to do or type about it. */
export interface Advice {
  summary: string;
  /** What to try next (a sentence), or null. */
  suggestion: string | null;
  /** A command to copy (`sudo ufw allow 60003/tcp`, `nc -vz 10.0.0.5 60003`), or null. */
  command: string | null;
  /** The usual causes on a LAN, most likely first, each a sentence with what to do about it (a failed join). */
  causes?: string[];
}

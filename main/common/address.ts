/**
 * Parses what a user types into the Join field. Pure, shared by the renderer (to explain a
 * bad address before anything is tried) and by main (which never trusts the renderer).
 */

export const MAX_HOST_LENGTH = 253;

export type HostPortResult =
  | { ok: true; host: string; port: number }
  | { ok: false; error: string };

const HOSTNAME_RE = /^(?=.{1,253}$)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
// Loose shape check; the socket layer has the final word on an IPv6 literal.
const IPV6_RE = /^[0-9a-fA-F:.]+(%[\w.-]+)?$/;

/** A DNS host name (RFC 1123 labels, at most 253 characters, an optional final dot). */
export function isHostName(host: string): boolean {
  return HOSTNAME_RE.test(host);
}

export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

function checkHost(host: string): string | null {
  if (host.length === 0) return 'Type the host’s address, for example 192.168.1.20:60003.';
  if (host.length > MAX_HOST_LENGTH) return 'That address is too long.';
  const v4 = IPV4_RE.exec(host);
  if (v4) {
    return v4.slice(1).every((part) => Number(part) <= 255)
      ? null
      : `“${host}” is not a valid IPv4 address: each part must be 0–255.`;
  }
  if (host.includes(':')) {
    return IPV6_RE.test(host) && host.split(':').length >= 3
      ? null
      : `“${host}” is not a valid IPv6 address.`;
  }
  if (/^[\d.]+$/.test(host)) return `“${host}” is not a valid IPv4 address.`;
  return isHostName(host) ? null : `“${host}” is not a valid host name.`;
}

/**
 * Accepts `10.0.0.5:60003`, `10.0.0.5`, `[fe80::1]:60003`, `fe80::1`, `host.lan`, `host.lan:4000`.
 */
export function parseHostPort(input: string, defaultPort: number): HostPortResult {
  const text = input.trim();
  if (text.length === 0) return { ok: false, error: 'Type the host’s address, for example 192.168.1.20:60003.' };
  if (text.length > MAX_HOST_LENGTH + 8) return { ok: false, error: 'That address is too long.' };
  let host: string;
  let portText: string | null = null;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { ok: false, error: 'An IPv6 address in brackets needs its closing “]”.' };
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest.length > 0) {
      if (!rest.startsWith(':')) return { ok: false, error: 'After “]” put “:” and the port, for example [fe80::1]:60003.' };
      portText = rest.slice(1);
    }
    if (!host.includes(':')) return { ok: false, error: `“${host}” is not a valid IPv6 address.` };
  } else {
    const colons = text.split(':').length - 1;
    if (colons === 1) {
      const at = text.indexOf(':');
      host = text.slice(0, at);
      portText = text.slice(at + 1);
    } else {
      host = text; // none, or a bare IPv6 address
    }
  }
  const hostError = checkHost(host);
  if (hostError) return { ok: false, error: hostError };
  let port = defaultPort;
  if (portText !== null) {
    const parsed = parsePort(portText);
    if (parsed === null) return { ok: false, error: `“${portText}” is not a port: use a number from 1 to 65535.` };
    port = parsed;
  }
  return { ok: true, host, port };
}

const V4_MAPPED_PREFIX = '::ffff:';

/** The one place an IPv6 literal gets its brackets: `[::1]`; IPv4 and names stay as they are. */
export function bracketHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** How to show host and port together again: brackets around IPv6. */
export function joinHostPort(host: string, port: number): string {
  return `${bracketHost(host)}:${port}`;
}

/**
 * The address part of a peer label as the server prints it: IPv4-mapped IPv6
 * (`::ffff:10.0.0.5`) shown as plain IPv4, other IPv6 in brackets.
 */
export function formatHost(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith(V4_MAPPED_PREFIX) && lower.includes('.')) return address.slice(V4_MAPPED_PREFIX.length);
  return bracketHost(address);
}

/** fe80::/10: usable only with the joiner's own interface name appended, which we cannot know. */
export function isLinkLocalIPv6(address: string): boolean {
  return /^fe[89ab]/i.test(address);
}

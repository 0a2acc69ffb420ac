/**
 * A room's key as people see it: the SHA-256 fingerprint of the host's certificate, written
 * as `openssl x509 -fingerprint -sha256` and Node's `fingerprint256` write it (`AB:CD:…`, 32
 * bytes), and a short form to read aloud or compare with the host's screen: its first 8
 * bytes as four groups of four hex digits (`AB12 CD34 EF56 7890`, 64 bits: enough for a person
 * comparing two screens, never used for the check itself, which compares the whole
 * fingerprint). Pure: no Node, no DOM.
 */

const FINGERPRINT = /^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/;

/** A whole SHA-256 fingerprint in upper-case `AB:CD:…` form. */
export function isFingerprint(value: unknown): value is string {
  return typeof value === 'string' && FINGERPRINT.test(value);
}

/** The fingerprint in canonical form (upper case, colons), or null when `value` is none. Accepts bare hex too. */
export function normalizeFingerprint(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 128) return null;
  const hex = value.replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

/** The short form people read aloud: the first 8 bytes as four groups of four hex digits. */
export function shortFingerprint(fingerprint: string): string {
  const hex = fingerprint.replace(/:/g, '').slice(0, 16).toUpperCase();
  return hex.match(/.{1,4}/g)?.join(' ') ?? '';
}

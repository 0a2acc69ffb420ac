/**
 * Recognises connections that are not chat clients from their first bytes: a web browser
 * (an HTTP request line, in clear or as the first bytes inside TLS) or, on a server without a
 * certificate, a TLS client (a handshake record). Without this, anyone who can make a browser
 * open `http://HOST:60003/` could post the request into the room. A server with a
 * certificate takes a first byte of 0x16 as TLS before asking this (transport.ts).
 */

export type Opening = 'chat' | 'http' | 'tls' | 'undecided';

const HTTP_OPENINGS = [
  'GET /', 'POST /', 'HEAD /', 'PUT /', 'DELETE /', 'OPTIONS ', 'PATCH /', 'TRACE /', 'CONNECT ',
  'GET http', 'POST http', 'HEAD http', 'PRI * HTTP/2',
].map((text) => Buffer.from(text, 'latin1'));

/** The longest prefix worth holding back while deciding. */
export const MAX_OPENING_BYTES = Math.max(...HTTP_OPENINGS.map((opening) => opening.length));

const TLS_HANDSHAKE = 0x16;
const TLS_MAJOR_VERSION = 0x03;

export function classifyOpening(head: Uint8Array): Opening {
  if (head.length === 0) return 'undecided';
  if (head[0] === TLS_HANDSHAKE) {
    if (head.length === 1) return 'undecided';
    if (head[1] === TLS_MAJOR_VERSION) return 'tls';
  }
  let undecided = false;
  for (const opening of HTTP_OPENINGS) {
    const n = Math.min(opening.length, head.length);
    let same = true;
    for (let i = 0; i < n; i++) {
      if (head[i] !== opening[i]) {
        same = false;
        break;
      }
    }
    if (!same) continue;
    if (head.length >= opening.length) return 'http';
    undecided = true;
  }
  return undecided ? 'undecided' : 'chat';
}

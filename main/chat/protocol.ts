/**
 * The wire protocol, in one place. Everything here is pure: no sockets, no Electron.
 *
 *   a client connects  -> every other client gets  `[IP:port] (connected)\n`
 *   a client sends     -> every client gets         `[IP:port] the line\n`
 *   a client leaves    -> every other client gets   `[IP:port] (disconnected)\n`
 *
 * A message that would read as a notice is relayed in double quotes (see quoteNoticeLookalike).
 */

import { formatHost } from '../common/address';
import type { ServerLineKind } from '../common/line-kind';

export const CONNECTED_TEXT = '(connected)';
export const DISCONNECTED_TEXT = '(disconnected)';
export const CONNECTED_BYTES = Buffer.from(CONNECTED_TEXT);
export const DISCONNECTED_BYTES = Buffer.from(DISCONNECTED_TEXT);

/** A prefix as the server frames it: `[peer] `. */
export function prefixFor(peer: string): Buffer {
  return Buffer.from(`[${peer}] `, 'utf8');
}

const OPEN_PAREN = 0x28;
/** Longer lines are padded so far that they no longer look like a notice on any screen. */
const LOOKALIKE_MAX_BYTES = 256;

/**
 * A client must never produce a line identical to a notice: `[its IP:port] (disconnected)`
 * would tell everyone it left while it still listens. A message whose text, ignoring white
 * space around it, is `(connected)` or `(disconnected)` is relayed as `"(connected)"`, in
 * double quotes. Returns the text to relay instead, or null when `line` is fine as it is.
 */
export function quoteNoticeLookalike(line: Buffer): Buffer | null {
  if (line.length > LOOKALIKE_MAX_BYTES || line.indexOf(OPEN_PAREN) < 0) return null;
  const text = line.toString('utf8').trim();
  return text === CONNECTED_TEXT || text === DISCONNECTED_TEXT ? Buffer.from(`"${text}"`) : null;
}

/** `IP:port` exactly as the server prints it: `10.0.0.5:50123` or `[::1]:50123`. */
export function formatPeer(address: string, port: number): string {
  return `${formatHost(address)}:${port}`;
}

export type { ServerLineKind };

export interface ServerLine {
  kind: ServerLineKind;
  /** `IP:port` of the client the line is about. */
  peer: string;
  /** The message text; empty for notices. */
  text: string;
}

/**
 * Reads one line the server sent (without its `\n`). Returns null for a line that does
 * not follow the protocol, so a client can show it as-is instead of guessing.
 */
export function parseServerLine(line: string): ServerLine | null {
  if (!line.startsWith('[')) return null;
  // A peer is `a.b.c.d:port` or `[v6]:port`; find the `] ` that closes the label.
  const close = line.startsWith('[[') ? line.indexOf(']:') + 1 : 0;
  const end = line.indexOf('] ', close);
  if (end < 0) {
    // A message of only whitespace is never sent, but `[peer]` alone is still not ours.
    return null;
  }
  const peer = line.slice(1, end);
  if (!/^(\[[0-9a-fA-F:.%\w-]+\]|[\w.-]+):\d{1,5}$/.test(peer)) return null;
  const rest = line.slice(end + 2);
  if (rest === CONNECTED_TEXT) return { kind: 'connected', peer, text: '' };
  if (rest === DISCONNECTED_TEXT) return { kind: 'disconnected', peer, text: '' };
  return { kind: 'message', peer, text: rest };
}

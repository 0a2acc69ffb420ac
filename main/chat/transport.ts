/**
 * The seam between the room and a client's byte stream. The room writes, reads, pauses and
 * ends a `net.Socket` (a `tls.TLSSocket` is one too); what differs between plain TCP and TLS
 * is what a stream's first bytes mean and how much of what was handed to it the peer's
 * kernel has taken. That is this interface, and plain TCP and TLS (tls-transport.ts) are its
 * two implementations: a third transport is a new implementation, not a change to the room.
 *
 * Progress matters because slow readers are judged by it (output-budget.ts): Node hands a
 * stream one write request at a time, and `writableLength` only moves when a whole request
 * completes, so a slow reader would look as stuck as one that never reads. The kernel's own
 * count of what it took is what tells them apart.
 */
import type net from 'node:net';

/** A TLS record of type handshake: a connection whose first byte is this speaks TLS. */
export const TLS_HANDSHAKE_BYTE = 0x16;

export interface Transport {
  /** Its bytes travel encrypted. */
  readonly encrypted: boolean;
  /**
   * Bytes handed to `socket` that the peer's kernel has not taken yet, counted from the last
   * `settled` (what was handed before then was all taken).
   */
  unsentBytes(socket: net.Socket): number;
  /** Everything handed to `socket` so far was taken (or is about to be written after this). */
  settled(socket: net.Socket): void;
}

type HandleWithQueue = { writeQueueSize?: unknown };

/**
 * Bytes libuv has not written yet of what was handed to `socket`'s TCP handle (libuv's count,
 * updated on every partial write); the private handle is read here and nowhere else.
 */
export function tcpQueuedBytes(socket: net.Socket): number {
  const handle = (socket as unknown as { _handle?: HandleWithQueue | null })._handle;
  const size = handle?.writeQueueSize;
  return typeof size === 'number' ? size : -1;
}

/** Plain TCP: what the kernel has not taken is what libuv still queues. Shared by every plain connection. */
export const TCP_TRANSPORT: Transport = {
  encrypted: false,
  unsentBytes(socket) {
    const queued = tcpQueuedBytes(socket);
    return queued >= 0 ? queued : socket.writableLength;
  },
  settled() {},
};

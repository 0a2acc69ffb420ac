/**
 * How every bench client opens its socket, plain or TLS: the load workers (worker.ts) and the
 * attack's roles (attack-worker.ts) differ only in what they do with the bytes.
 *
 * TLS clients accept the bench's own self-signed certificate (servers.ts makes one per run and
 * every TLS server of the run uses it); the bench measures the servers, not the trust.
 */
import net from 'node:net';
import tls from 'node:tls';

export interface ClientSocketOptions {
  host: string;
  port: number;
  localAddress?: string;
  tls: boolean;
  noDelay?: boolean;
  /**
   * Reads land in `buffer` (no allocation per read, plain or TLS) and `onRead(n)` gets how
   * many bytes the read brought. Without it, reads arrive as ordinary 'data' events.
   */
  read?: { buffer: Buffer; onRead: (n: number, buffer: Buffer) => void };
  /** Called once the socket can carry chat: TCP connected, or the TLS handshake done. */
  onConnect?: () => void;
}

export function openClientSocket(o: ClientSocketOptions): net.Socket {
  const common = {
    host: o.host,
    port: o.port,
    ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
    ...(o.read
      ? {
          onread: {
            buffer: o.read.buffer,
            callback: (n: number, buffer: Buffer) => {
              o.read!.onRead(n, buffer);
              return true;
            },
          },
        }
      : {}),
  };
  const socket = o.tls ? tls.connect({ ...common, rejectUnauthorized: false }) : net.connect(common);
  if (o.noDelay) socket.setNoDelay(true);
  if (o.onConnect) socket.once(o.tls ? 'secureConnect' : 'connect', o.onConnect);
  return socket;
}

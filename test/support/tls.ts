/** TLS for tests: one host certificate per test file, a real ClientHello, TLS clients in a room. */
import net from 'node:net';
import tls from 'node:tls';
import { createHostCertificate, type HostCertificate } from '../../main/chat/host-certificate';
import type { TlsServerOptions } from '../../main/chat/tls-transport';
import { RawClient } from './raw-client';
import type { TestRoom } from './room';

let made: Promise<HostCertificate> | null = null;

/** A host certificate, made once per test file (made as the server makes its own). */
export function testCertificate(): Promise<HostCertificate> {
  return (made ??= createHostCertificate());
}

/** The room's `tls` option with the test certificate. */
export async function tlsOption(options: Omit<TlsServerOptions, 'cert' | 'key'> = {}): Promise<TlsServerOptions> {
  const { cert, key } = await testCertificate();
  return { cert, key, ...options };
}

/**
 * The first flight of a real TLS client (Node's): what a handshake flood sends. Sent to a
 * TLS server, it starts a handshake that the sender then never finishes.
 */
export function clientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const catcher = net.createServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        socket.destroy();
        catcher.close();
        resolve(chunk);
      });
    });
    catcher.listen(0, '127.0.0.1', () => {
      const { port } = catcher.address() as net.AddressInfo;
      const client = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
      client.on('error', () => {});
      client.on('close', () => catcher.close());
    });
    catcher.on('error', reject);
  });
}

/** A TLS client in `r` (closed with the room), once its handshake is done. */
export async function connectTls(r: TestRoom, options: { localAddress?: string; ca?: string } = {}): Promise<RawClient> {
  const client = await RawClient.connectTls(r.port, '127.0.0.1', options);
  r.clients.push(client);
  return client;
}

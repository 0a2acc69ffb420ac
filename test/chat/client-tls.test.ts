/**
 * ChatClient over TLS: the host is known by its certificate's fingerprint, not by an
 * authority. A different key stops the connection before any line goes out.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ChatClient, ChatClientError } from '../../main/chat/client';
import { createHostCertificate } from '../../main/chat/host-certificate';
import { useCleanup } from '../support/cleanup';
import { frame } from '../support/raw-client';
import { useRooms } from '../support/room';
import { testCertificate, tlsOption } from '../support/tls';
import { Signal, waitUntil } from '../support/wait';

const room = useRooms();
const defer = useCleanup();

async function connect(port: number, fingerprint: string | null): Promise<ChatClient> {
  const client = await ChatClient.connect({ host: '127.0.0.1', port, tls: { fingerprint } });
  defer(() => client.close());
  return client;
}

describe('ChatClient over TLS', () => {
  it('takes any key on a first join, says which, and talks with plain members byte for byte', async () => {
    const r = await room({ admitDelayMs: 50, tls: await tlsOption() });
    const plain = await r.join();
    const client = await connect(r.port, null);
    expect(client.fingerprint).toBe((await testCertificate()).fingerprint);
    const lines: string[] = [];
    client.on('line', (line) => lines.push(line));
    await plain.waitForText(frame(client.localPeer, '(connected)'));
    client.send('hello');
    await plain.waitForText(frame(client.localPeer, 'hello'));
    await plain.write('hi\n');
    await waitUntil(() => lines.includes(`[${plain.label}] hi`), 'the plain line over TLS');
  });

  it('joins when the key is the expected one', async () => {
    const r = await room({ admitDelayMs: 50, tls: await tlsOption() });
    const expected = (await testCertificate()).fingerprint;
    const client = await connect(r.port, expected);
    expect(client.fingerprint).toBe(expected);
  });

  it('refuses another key before a line is sent, saying what may be happening', async () => {
    const other = await createHostCertificate();
    const r = await room({ admitDelayMs: 50, tls: await tlsOption() });
    const received: string[] = [];
    r.server.on('message', (_client, text) => received.push(text));
    const error = await ChatClient.connect({ host: '127.0.0.1', port: r.port, tls: { fingerprint: other.fingerprint } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChatClientError);
    expect((error as ChatClientError).code).toBe('wrong-key');
    expect((error as ChatClientError).message).toMatch(/different key.*intercepting/);
    expect(received).toEqual([]);
  });

  it('a plain client is still plain: no handshake byte reaches the server, no fingerprint', async () => {
    const first = new Signal();
    let head: Buffer | null = null;
    const server = net.createServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        head = chunk;
        first.notify();
      });
      defer(() => socket.destroy());
    });
    defer(() => new Promise((resolve) => server.close(resolve)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const client = await ChatClient.connect({ host: '127.0.0.1', port });
    defer(() => client.close());
    expect(client.fingerprint).toBeNull();
    client.send('hello');
    await first.until(() => head !== null, 'the first bytes');
    expect(head).toEqual(Buffer.from('hello\n'));
  });
});

/**
 * A deliberately minimal chat server speaking Tincan's wire protocol, used only to
 * validate the load generator (`--server reference`): it turns each read into one
 * buffer of prefixed lines and hands that same buffer to every client, with no limits,
 * no sanitising and no slow-client handling. If the generator reports this server as
 * slow, the generator is the bottleneck.
 *
 * Usage: tsx bench/reference-server.ts --port 0 --host 127.0.0.1
 */
import net from 'node:net';

function argOf(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

interface Peer {
  socket: net.Socket;
  prefix: Buffer;
  partial: Buffer | null;
}

const peers = new Set<Peer>();

function broadcast(data: Buffer, except: Peer | null): void {
  for (const p of peers) if (p !== except) p.socket.write(data);
}

const server = net.createServer((socket) => {
  // Without this, Nagle holds back small writes until the reader's delayed ACK.
  socket.setNoDelay(true);
  const label = `[${socket.remoteAddress}:${socket.remotePort}] `;
  const peer: Peer = { socket, prefix: Buffer.from(label), partial: null };
  broadcast(Buffer.from(`${label}(connected)\n`), null);
  peers.add(peer);
  socket.on('data', (chunk: Buffer) => {
    const data = peer.partial ? Buffer.concat([peer.partial, chunk]) : chunk;
    const parts: Buffer[] = [];
    let start = 0;
    for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
      parts.push(peer.prefix, data.subarray(start, nl + 1));
      start = nl + 1;
    }
    peer.partial = start < data.length ? Buffer.from(data.subarray(start)) : null;
    if (parts.length > 0) broadcast(Buffer.concat(parts), null);
  });
  const leave = (): void => {
    if (!peers.delete(peer)) return;
    broadcast(Buffer.from(`${label}(disconnected)\n`), null);
  };
  socket.on('close', leave);
  socket.on('error', () => socket.destroy());
});

server.listen(Number(argOf('--port', '0')), argOf('--host', '127.0.0.1'), () => {
  const a = server.address() as net.AddressInfo;
  process.stdout.write(`Listening on ${a.address}:${a.port}\n`);
});

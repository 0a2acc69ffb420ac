/** Ports for tests: one nobody listens on, one somebody holds, and whether one is free. */
import net from 'node:net';

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port that was free a moment ago: for "nothing listens here" and "restart on the same port". */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  const port = await listen(server, host, 0);
  await close(server);
  return port;
}

/** A port held by a server that closes every connection, until `close()`. */
export async function occupiedPort(host = '127.0.0.1'): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  const port = await listen(server, host, 0);
  return { port, close: () => close(server) };
}

/** Whether `port` can be listened on right now. */
export async function canListen(port: number, host = '127.0.0.1'): Promise<boolean> {
  const server = net.createServer();
  try {
    await listen(server, host, port);
  } catch {
    return false;
  }
  await close(server);
  return true;
}

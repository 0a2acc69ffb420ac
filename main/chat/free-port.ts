/**
 * A port the host could listen on now: the Host form's "Use a free port" after a busy one.
 * Ports just above the one that was busy come first, so the suggestion stays memorable
 * (60004 after 60003); when none of those is free the system picks any.
 */
import net from 'node:net';

/** How many ports above the busy one are tried before asking the system for any. */
export const FREE_PORT_TRIES = 20;

/** The port bound when `port` can be listened on at `host` right now (the probe closes at once), else the error code. */
function tryListen(host: string, port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'ERROR'));
    // The same options the chat server uses, so "free" means free for it.
    server.listen({ host, port, ipv6Only: false, exclusive: true }, () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A port above `busyPort` free on every interface (`everywhere`) or on loopback only, else
 * any free one; null when the system has none to give.
 */
export async function findFreePort(busyPort: number, everywhere: boolean): Promise<number | null> {
  const probe = async (port: number): Promise<number | null> => {
    if (!everywhere) return asPort(await tryListen('127.0.0.1', port));
    const bound = await tryListen('::', port);
    // No IPv6 on this machine: IPv4 alone is then every interface there is (as the server does).
    if (bound === 'EAFNOSUPPORT' || bound === 'EADDRNOTAVAIL') return asPort(await tryListen('0.0.0.0', port));
    return asPort(bound);
  };
  for (let port = busyPort + 1; port <= Math.min(65535, busyPort + FREE_PORT_TRIES); port += 1) {
    if ((await probe(port)) !== null) return port;
  }
  return probe(0);
}

function asPort(bound: number | string): number | null {
  return typeof bound === 'number' ? bound : null;
}

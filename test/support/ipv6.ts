/** IPv6 tests without skipping: where ::1 is missing, the server must at least say so clearly. */
import net from 'node:net';
import { ChatServer } from '../../main/chat/server';

let probe: Promise<boolean> | null = null;

/** Whether this machine can listen on ::1 (checked once). */
export function ipv6Loopback(): Promise<boolean> {
  probe ??= new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
  return probe;
}

/** True when the caller should go on with its IPv6 test; otherwise checks the clear error. */
export async function ipv6OrClearError(): Promise<boolean> {
  if (await ipv6Loopback()) return true;
  const server = new ChatServer();
  try {
    await server.listen({ port: 0, host: '::1' }).then(
      () => {
        throw new Error('listening on ::1 succeeded although the probe failed');
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (!message.includes('::1')) throw new Error(`unclear error for ::1: ${message}`);
      },
    );
  } finally {
    await server.close();
  }
  return false;
}

/**
 * A hostile host, as a child process: a TCP server that speaks just enough of the protocol to
 * be joined, then misbehaves as told. Run it with `spawnHostileHost(script)`; it prints
 * `Listening on 127.0.0.1:PORT` like the headless server.
 *
 * For each connection, in order: the `lines` of the script (`{you}` becomes the joiner's own
 * label, `[IP:port]` as a real server would print it), then, if asked, an endless flood of
 * `floodLineBytes`-byte lines as fast as the socket takes them (respecting backpressure, so
 * the flood is exactly as fast as the joiner reads). With `echoCopies`, every line the joiner
 * sends comes back under its own label, as a real Tincan room would relay it (more than once:
 * a host replaying what we said).
 */
import net from 'node:net';
import path from 'node:path';
import { formatPeer } from '../../main/chat/protocol';
import { spawnServer, type ServerProcess } from './headless-server';

export interface HostileScript {
  lines?: string[];
  /** Relay what the joiner sends back to it under its label, this many times (default 0). */
  echoCopies?: number;
  /** After the lines: flood lines of this many bytes (label included), forever. */
  floodLineBytes?: number;
  /** Label the flood lines carry; default another peer's. */
  floodLabel?: string;
  /** Raw bytes (base64) written once after the lines: garbage, broken UTF-8, controls. */
  garbageBase64?: string;
}

export const HOSTILE_HOST = __filename;

export function spawnHostileHost(script: HostileScript): ServerProcess {
  return spawnServer([JSON.stringify(script)], { entry: HOSTILE_HOST });
}

function serve(script: HostileScript): void {
  const server = net.createServer((socket) => {
    const you = formatPeer(socket.remoteAddress ?? '', socket.remotePort ?? 0);
    socket.on('error', () => undefined);
    for (const line of script.lines ?? []) socket.write(`${line.replaceAll('{you}', you)}\n`);
    if (script.garbageBase64 !== undefined) socket.write(Buffer.from(script.garbageBase64, 'base64'));
    const copies = script.echoCopies ?? 0;
    if (copies > 0) {
      let pending = '';
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => {
        pending += text;
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        for (const part of parts) {
          if (part.trim().length === 0) continue;
          for (let copy = 0; copy < copies; copy += 1) socket.write(`[${you}] ${part}\n`);
        }
      });
    } else {
      socket.resume();
    }
    const size = script.floodLineBytes;
    if (size !== undefined && size > 0) {
      const label = `[${script.floodLabel ?? '10.66.66.66:6666'}] `;
      // One chunk of lines, reused: the flood costs the host nothing but the writes.
      const line = `${label}${'x'.repeat(Math.max(1, size - label.length - 1))}\n`;
      const chunk = Buffer.from(line.repeat(Math.max(1, Math.floor((256 * 1024) / line.length))), 'utf8');
      const pump = (): void => {
        while (!socket.destroyed && socket.write(chunk));
      };
      socket.on('drain', pump);
      pump();
    }
  });
  server.listen({ host: '127.0.0.1', port: 0 }, () => {
    const { port } = server.address() as net.AddressInfo;
    process.stdout.write(`Listening on 127.0.0.1:${port}\n`);
  });
  const stop = (): void => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// Runs only as the child process's entry point, never on import.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === HOSTILE_HOST) {
  serve(JSON.parse(process.argv[2] ?? '{}') as HostileScript);
}

/**
 * Test helpers for the chat server tests: a raw `net` client that accumulates every byte it
 * receives, and waits for a condition with a timeout (never a sleep for luck).
 */
import net from 'node:net';
import { ChatServer } from '../../main/chat/server';
import type { ChatServerOptions } from '../../main/chat/types';

export const WAIT_MS = 5000;

/** Resolves once `check()` is true; re-checks when `subscribe`'s callback fires and every 5 ms. */
export function waitUntil(check: () => boolean, what: string | (() => string), timeoutMs = WAIT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) {
      resolve();
      return;
    }
    const started = Date.now();
    const poll = setInterval(() => {
      if (check()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`));
      }
    }, 5);
  });
}

function preview(text: string, max = 600): string {
  const shown = text.length > max ? `${text.slice(0, max / 2)} …[${text.length - max} chars]… ${text.slice(-max / 2)}` : text;
  return JSON.stringify(shown);
}

export class RawClient {
  private store = Buffer.allocUnsafe(4096);
  private total = 0;
  ended = false;
  closed = false;
  error: NodeJS.ErrnoException | null = null;
  private listeners = new Set<() => void>();

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.total + chunk.length > this.store.length) {
        const next = Buffer.allocUnsafe(Math.max(this.store.length * 2, this.total + chunk.length));
        this.store.copy(next, 0, 0, this.total);
        this.store = next;
      }
      chunk.copy(this.store, this.total);
      this.total += chunk.length;
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error;
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static connect(port: number, host = '127.0.0.1', options: { allowHalfOpen?: boolean } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, allowHalfOpen: options.allowHalfOpen ?? false });
      const client = new RawClient(socket);
      socket.once('connect', () => {
        socket.off('error', reject);
        void client.label; // remembered: a closed socket no longer knows its address
        resolve(client);
      });
      socket.once('error', reject);
    });
  }

  /** `IP:port` as the server prints this client. */
  get label(): string {
    if (this.labelCache) return this.labelCache;
    if (this.socket.localPort === undefined) return '?:0';
    const address = this.socket.localAddress ?? '?';
    const host = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address.includes(':') ? `[${address}]` : address;
    this.labelCache = `${host}:${this.socket.localPort}`;
    return this.labelCache;
  }
  private labelCache: string | null = null;

  /** Everything received so far (a view: valid until more arrives). */
  get bytes(): Buffer {
    return this.store.subarray(0, this.total);
  }

  /** Forgets what was received so far. */
  clear(): void {
    this.total = 0;
  }

  get byteLength(): number {
    return this.total;
  }

  get text(): string {
    return this.bytes.toString('utf8');
  }

  lines(): string[] {
    const text = this.text;
    const parts = text.split('\n');
    parts.pop(); // after the last \n (or an unfinished line)
    return parts;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Waits (event-driven) until `predicate` holds for what has been received so far. */
  waitFor(predicate: (client: RawClient) => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      if (predicate(this)) {
        resolve();
        return;
      }
      const listener = () => {
        if (!predicate(this)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; ${this.label} received ${this.total} bytes: ${preview(this.text)} ended=${this.ended} closed=${this.closed} error=${this.error?.code ?? 'none'}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
    });
  }

  /** Waits until `text` was received (searching only the new bytes each time). */
  waitForText(text: string, timeoutMs = WAIT_MS): Promise<void> {
    const needle = Buffer.from(text, 'utf8');
    let from = 0;
    return this.waitFor((client) => {
      const found = client.bytes.indexOf(needle, from) >= 0;
      from = Math.max(0, client.byteLength - needle.length);
      return found;
    }, preview(text), timeoutMs);
  }

  /** Waits until the received bytes end with `text` (or contain it when `anywhere`). */
  waitForLine(line: string, timeoutMs = WAIT_MS): Promise<void> {
    return this.waitForText(`${line}\n`, timeoutMs);
  }

  waitForEnd(timeoutMs = WAIT_MS): Promise<void> {
    return this.waitFor((client) => client.ended || client.closed, 'end of stream', timeoutMs);
  }

  waitForClose(timeoutMs = WAIT_MS): Promise<void> {
    return this.waitFor((client) => client.closed, 'close', timeoutMs);
  }

  /** Writes and waits until the data is handed to the kernel. */
  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(data, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** One write per byte, each after the previous one was flushed and a turn of the event loop. */
  async writeBytewise(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    for (const byte of bytes) {
      await this.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface TestRoom {
  server: ChatServer;
  port: number;
  clients: RawClient[];
  /** Connects a client and waits until the server announced it (so it hears what follows). */
  join(host?: string): Promise<RawClient>;
  close(): Promise<void>;
}

/** A ChatServer on 127.0.0.1:0 (or `host`) plus bookkeeping so every socket is closed afterwards. */
export async function startRoom(options: ChatServerOptions = {}, host = '127.0.0.1'): Promise<TestRoom> {
  const server = new ChatServer({ admitDelayMs: 0, ...options });
  const errors: Error[] = [];
  server.on('error', (error) => errors.push(error));
  const joined = new Set<string>();
  server.on('join', (client) => joined.add(client.peer));
  const { port } = await server.listen({ port: 0, host });
  const clients: RawClient[] = [];
  const room: TestRoom = {
    server,
    port,
    clients,
    async join(connectHost = host === '::' ? '127.0.0.1' : host) {
      const client = await RawClient.connect(port, connectHost);
      clients.push(client);
      const label = client.label;
      if (options.admitDelayMs !== undefined && options.admitDelayMs > 0) {
        // announced on its first byte or after the delay; callers that need it announced send something
        return client;
      }
      await waitUntil(() => joined.has(label), `the server to announce ${label}`);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      await server.close();
    },
  };
  return room;
}

/** `[peer] text\n` */
export function frame(client: RawClient | string, text: string): string {
  return `[${typeof client === 'string' ? client : client.label}] ${text}\n`;
}

export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

let ipv6: Promise<boolean> | null = null;
/** Whether this machine can listen on ::1 (checked once). */
export function ipv6Loopback(): Promise<boolean> {
  ipv6 ??= new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
  return ipv6;
}

/**
 * For IPv6 tests without skipping: when ::1 is missing here, the server must at least say so
 * clearly. Returns true when the caller should go on with the IPv6 test.
 */
export async function ipv6OrClearError(): Promise<boolean> {
  if (await ipv6Loopback()) return true;
  const server = new ChatServer();
  try {
    await server.listen({ port: 0, host: '::1' }).then(
      () => {
        throw new Error('listening on ::1 succeeded although the probe failed');
      },
      (error: Error) => {
        if (!/::1/.test(error.message)) throw new Error(`unclear error for ::1: ${error.message}`);
      },
    );
  } finally {
    await server.close();
  }
  return false;
}

/**
 * The one raw TCP client of the tests: what telnet or nc would be. It keeps every byte it
 * receives, exactly, and lets a test wait for what it expects.
 */
import net from 'node:net';
import tls from 'node:tls';
import { formatPeer } from '../../main/chat/protocol';
import { Signal, WAIT_MS } from './wait';

function preview(text: string, max = 600): string {
  const shown = text.length > max ? `${text.slice(0, max / 2)} …[${text.length - max} chars]… ${text.slice(-max / 2)}` : text;
  return JSON.stringify(shown);
}

export interface RawConnectOptions {
  /** Keep the socket writable after the server's FIN (default false, like nc). */
  allowHalfOpen?: boolean;
  /**
   * Connect from this address, e.g. '127.0.0.66': every 127.0.0.0/8 address is this machine,
   * so several of them stand for several machines (the server limits per source address).
   */
  localAddress?: string;
}

export class RawClient {
  /** `IP:port` of this client as the server prints it (the protocol's own formatter). */
  readonly label: string;
  ended = false;
  closed = false;
  error: NodeJS.ErrnoException | null = null;
  private store = Buffer.allocUnsafe(4096);
  private total = 0;
  private readonly changed = new Signal();

  private constructor(readonly socket: net.Socket) {
    // Read now: a closed socket no longer knows its address.
    this.label = formatPeer(socket.localAddress ?? '?', socket.localPort ?? 0);
    socket.on('data', (chunk: Buffer) => {
      if (this.total + chunk.length > this.store.length) {
        const next = Buffer.allocUnsafe(Math.max(this.store.length * 2, this.total + chunk.length));
        this.store.copy(next, 0, 0, this.total);
        this.store = next;
      }
      chunk.copy(this.store, this.total);
      this.total += chunk.length;
      this.changed.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.changed.notify();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error;
      this.changed.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.changed.notify();
    });
  }

  static connect(port: number, host = '127.0.0.1', options: RawConnectOptions = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({
        port,
        host,
        allowHalfOpen: options.allowHalfOpen ?? false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /**
   * The same over TLS (what `openssl s_client` would be), resolved once the handshake is
   * done; `ca` is the certificate it must present (PEM), otherwise any is accepted.
   */
  static connectTls(port: number, host = '127.0.0.1', options: { localAddress?: string; ca?: string } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        port,
        host,
        ...(options.ca === undefined ? { rejectUnauthorized: false } : { ca: options.ca, checkServerIdentity: () => undefined }),
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      });
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /** Everything received so far (a view: valid until more arrives). */
  get bytes(): Buffer {
    return this.store.subarray(0, this.total);
  }

  get byteLength(): number {
    return this.total;
  }

  get text(): string {
    return this.bytes.toString('utf8');
  }

  /** The complete lines received so far, without their `\n`. */
  lines(): string[] {
    const parts = this.text.split('\n');
    parts.pop(); // what follows the last \n: an unfinished line, or nothing
    return parts;
  }

  /** Forgets what was received so far. */
  clear(): void {
    this.total = 0;
  }

  /** Waits until `predicate` holds for this client, re-checked whenever something arrives. */
  waitFor(predicate: (client: RawClient) => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    return this.changed.until(
      () => predicate(this),
      () => `${what}; ${this.label} received ${this.total} bytes: ${preview(this.text)} ended=${this.ended} closed=${this.closed} error=${this.error?.code ?? 'none'}`,
      timeoutMs,
    );
  }

  /** Waits until `text` was received anywhere (searching only the new bytes each time). */
  waitForText(text: string, timeoutMs = WAIT_MS): Promise<void> {
    const needle = Buffer.from(text, 'utf8');
    let from = 0;
    return this.waitFor((client) => {
      const found = client.bytes.indexOf(needle, from) >= 0;
      from = Math.max(0, client.byteLength - needle.length);
      return found;
    }, preview(text), timeoutMs);
  }

  /** Waits until a whole line equal to `line` was received (its own line, ended by `\n`). */
  waitForLine(line: string, timeoutMs = WAIT_MS): Promise<void> {
    const needle = Buffer.from(`${line}\n`, 'utf8');
    let from = 0;
    return this.waitFor((client) => {
      const bytes = client.bytes;
      for (let at = bytes.indexOf(needle, from); at >= 0; at = bytes.indexOf(needle, at + 1)) {
        if (at === 0 || bytes[at - 1] === 0x0a) return true;
      }
      from = Math.max(0, client.byteLength - needle.length);
      return false;
    }, `the line ${preview(line)}`, timeoutMs);
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

  /** Leaves cleanly (FIN). */
  end(): void {
    this.socket.end();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.socket.destroy();
  }
}

/** `[peer] text\n`, a protocol line as every client receives it. */
export function frame(client: RawClient | string, text: string): string {
  return `[${typeof client === 'string' ? client : client.label}] ${text}\n`;
}

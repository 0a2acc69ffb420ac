/**
 * TLS on the chat port: the second transport (transport.ts). A connection whose first byte is
 * a TLS handshake record is wrapped, server side, in a `tls.TLSSocket` with the host's
 * certificate; once its handshake is done it is a member like any other.
 *
 * A handshake costs the server CPU (key exchange, a signature) and a descriptor while it
 * lasts, so handshakes are bounded: one that has not finished within `handshakeTimeoutMs` is
 * cut, and at most `maxHandshakes` are in progress at once, `maxHandshakesPerAddress` of them
 * from one source address. A connection over a bound is closed at once, before any
 * cryptography: a flood of ClientHellos costs the room little more than the accepts.
 */
import type net from 'node:net';
import tls from 'node:tls';
import { tcpQueuedBytes, type Transport } from './transport';

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_HANDSHAKES = 128;
export const DEFAULT_MAX_HANDSHAKES_PER_ADDRESS = 8;

export interface TlsServerOptions {
  /** The host's certificate and private key (PEM). */
  cert: string | Buffer;
  key: string | Buffer;
  /** Plain connections are refused with one line saying how to connect with TLS. Default false. */
  require?: boolean;
  /** A handshake not finished by then is cut. Default 5000. */
  handshakeTimeoutMs?: number;
  /** Handshakes in progress at once, in all. Default 128. */
  maxHandshakes?: number;
  /** Handshakes in progress at once from one source address (address-limits.ts's key). Default 8. */
  maxHandshakesPerAddress?: number;
}

/** What a plain connection is told when the room takes TLS only. */
export function tlsRequiredNotice(): Buffer {
  return Buffer.from(
    'Tincan: this room is encrypted; connect with TLS: openssl s_client -quiet -connect HOST:PORT  or  ncat --ssl HOST PORT\n',
  );
}

/**
 * What the peer's kernel took of a TLS stream, judged below the encryption: the raw TCP
 * socket's encrypted bytes written minus what libuv still queues. Encrypted bytes are a few
 * more than the plaintext they carry, so the count errs towards the client (it looks a little
 * further along than it is), never towards cutting an honest reader.
 */
export class TlsTransport implements Transport {
  readonly encrypted = true;
  private settledAt = 0;

  constructor(private readonly raw: net.Socket) {}

  private taken(): number {
    return this.raw.bytesWritten - Math.max(0, tcpQueuedBytes(this.raw));
  }

  unsentBytes(socket: net.Socket): number {
    const pending = socket.writableLength;
    if (pending === 0) return 0;
    return Math.max(0, pending - (this.taken() - this.settledAt));
  }

  settled(): void {
    this.settledAt = this.taken();
  }
}

function ignore(): void {}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number ≥ 1 (got ${value})`);
  return value;
}

/** Handshakes in progress, bounded in time, in number and per address. */
export class TlsAcceptor {
  readonly required: boolean;
  private readonly context: tls.SecureContext;
  private readonly timeoutMs: number;
  private readonly maxHandshakes: number;
  private readonly maxPerAddress: number;
  private readonly bySource = new Map<string, number>();
  /** Each handshake in progress, with what cuts it. */
  private readonly inProgress = new Map<tls.TLSSocket, () => void>();

  /** Throws a readable Error when the certificate or key cannot be used. */
  constructor(options: TlsServerOptions) {
    this.required = options.require ?? false;
    this.timeoutMs = positive('handshakeTimeoutMs', options.handshakeTimeoutMs, DEFAULT_HANDSHAKE_TIMEOUT_MS);
    this.maxHandshakes = positive('maxHandshakes', options.maxHandshakes, DEFAULT_MAX_HANDSHAKES);
    this.maxPerAddress = positive(
      'maxHandshakesPerAddress', options.maxHandshakesPerAddress, DEFAULT_MAX_HANDSHAKES_PER_ADDRESS);
    try {
      this.context = tls.createSecureContext({ cert: options.cert, key: options.key, minVersion: 'TLSv1.2' });
    } catch (error) {
      throw new Error(`The TLS certificate or key cannot be used: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Handshakes in progress now. */
  get handshakes(): number {
    return this.inProgress.size;
  }

  /**
   * Starts the handshake of `raw`, whose first bytes `head` were already read (and whose
   * listeners the caller removed). `done` gets the secure socket, or null when the handshake
   * failed, stalled or the acceptor closed (the socket is destroyed then). False, and nothing
   * started, when a bound is reached: the caller closes `raw`.
   */
  accept(raw: net.Socket, head: Buffer, source: string, done: (secure: tls.TLSSocket | null) => void): boolean {
    const fromSource = this.bySource.get(source) ?? 0;
    if (this.inProgress.size >= this.maxHandshakes || fromSource >= this.maxPerAddress) return false;
    this.bySource.set(source, fromSource + 1);
    raw.on('error', ignore);
    raw.pause();
    raw.unshift(head);
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: this.context });
    let finished = false;
    const finish = (ok: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      secure.off('secure', succeeded);
      secure.off('error', failed);
      secure.off('close', failed);
      this.inProgress.delete(secure);
      const left = (this.bySource.get(source) ?? 1) - 1;
      if (left > 0) this.bySource.set(source, left);
      else this.bySource.delete(source);
      if (!ok) {
        secure.on('error', ignore);
        secure.destroy();
      }
      done(ok ? secure : null);
    };
    const succeeded = (): void => finish(true);
    const failed = (): void => finish(false);
    this.inProgress.set(secure, failed);
    const timer = setTimeout(failed, this.timeoutMs);
    timer.unref();
    secure.once('secure', succeeded);
    secure.once('error', failed);
    secure.once('close', failed);
    return true;
  }

  /** Cuts every handshake in progress. */
  close(): void {
    for (const cut of [...this.inProgress.values()]) cut();
  }
}

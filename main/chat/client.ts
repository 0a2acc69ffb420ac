/**
 * ChatClient: one connection to a Tincan room (ours or anyone's speaking the protocol).
 * Incoming bytes go through the same LineDecoder as on the server, so whatever a server
 * sends, the app only ever sees bounded, clean UTF-8 lines: a label plus at most 8 KiB.
 *
 * Bounded both ways for a hostile host: `send` refuses once 1 MiB is waiting to go out, and
 * `pause()`/`resume()` let the app stop reading while it catches up (TCP then pushes back on
 * the host), so nothing grows without limit on this side.
 *
 * Over TLS (`tls` in ConnectOptions) the host is known by its key, not by an authority: any
 * certificate is taken in the handshake and its SHA-256 fingerprint is then compared with the
 * one expected, before the connection is handed to anyone, so nothing is sent to a host with
 * the wrong key.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { joinHostPort } from '../common/address';
import { shortFingerprint } from '../common/fingerprint';
import { DEFAULT_MAX_LINE_BYTES, LineDecoder } from './line-decoder';
import { formatPeer } from './protocol';
import { isBlank, stripControls } from './sanitize';
import type { ChatClientErrorCode, ChatClientEvents, ConnectOptions } from './types';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** The longest `[IP:port] ` label: a bracketed IPv6 address with a zone and a port, with room to spare. */
const MAX_LABEL_BYTES = 128;
/** A server's line is a label plus at most 8 KiB of text; anything longer arrives cut in pieces. */
export const MAX_INCOMING_LINE_BYTES = DEFAULT_MAX_LINE_BYTES + MAX_LABEL_BYTES;
/** Unsent output past which `send` refuses (the connection is too slow, or the host stopped reading). */
export const MAX_UNSENT_BYTES = 1024 * 1024;
const LINE_BREAK = /\r\n|\r|\n/;

export class ChatClientError extends Error {
  constructor(
    readonly code: ChatClientErrorCode,
    message: string,
    /** The key the host showed, for 'wrong-key'. */
    readonly shownKey: string | null = null,
  ) {
    super(message);
    this.name = 'ChatClientError';
  }
}

/** A connection failure as a sentence a person can act on. */
export function describeConnectError(error: NodeJS.ErrnoException, host: string, port: number): ChatClientError {
  switch (error.code) {
    case 'ECONNREFUSED':
      return new ChatClientError('refused', `Nothing is listening at ${joinHostPort(host, port)}`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new ChatClientError('unreachable', `No route to ${host}`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return new ChatClientError('unknown-host', `Unknown host: ${host}`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new ChatClientError('reset', `The connection to ${joinHostPort(host, port)} was reset`);
    case 'ETIMEDOUT':
      return new ChatClientError('timeout', `Timed out connecting to ${joinHostPort(host, port)}`);
    default:
      return new ChatClientError('other', `Could not connect to ${joinHostPort(host, port)}: ${error.message}`);
  }
}

/** Splits what the user typed into clean, non-blank lines. */
export function outgoingLines(text: string): string[] {
  const lines: string[] = [];
  for (const piece of text.split(LINE_BREAK)) {
    const line = stripControls(piece);
    if (!isBlank(line)) lines.push(line);
  }
  return lines;
}

export class ChatClient extends EventEmitter<ChatClientEvents> {
  /** This end as the server prints it, e.g. `127.0.0.1:50123`. */
  readonly localPeer: string;
  /** The server, e.g. `10.0.0.5:60003`. */
  readonly remotePeer: string;
  private closedByUs = false;
  private closeError: Error | null = null;
  private finished = false;
  private readonly decoder: LineDecoder;
  private paused = false;
  /** What arrived but is not decoded yet because the app paused us (at most one read). */
  private pending: Buffer | null = null;
  private endPending = false;
  /** The host's certificate fingerprint (`AB:CD:…`) over TLS; null over plain TCP. */
  readonly fingerprint: string | null;

  private constructor(private readonly socket: net.Socket, fingerprint: string | null) {
    super();
    this.fingerprint = fingerprint;
    this.localPeer = formatPeer(socket.localAddress ?? '', socket.localPort ?? 0);
    this.remotePeer = formatPeer(socket.remoteAddress ?? '', socket.remotePort ?? 0);
    this.decoder = new LineDecoder(MAX_INCOMING_LINE_BYTES, (line) => {
      this.emit('line', line.toString('utf8'));
      return !this.paused; // a pause from a 'line' listener stops right after this line
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk: Buffer) => void this.decode(chunk));
    socket.on('end', () => {
      if (this.pending) this.endPending = true;
      else this.ended();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.decoder.reset();
      this.pending = null;
      if (!this.closedByUs) {
        this.closeError ??= error.code === 'ECONNRESET' || error.code === 'EPIPE'
          ? new ChatClientError('reset', `The connection to ${this.remotePeer} was lost`)
          : new ChatClientError('other', `The connection to ${this.remotePeer} failed: ${error.message}`);
      }
    });
    socket.on('close', () => {
      if (this.finished) return;
      this.finished = true;
      this.emit('close', this.closedByUs ? null : this.closeError ?? new ChatClientError('reset', `The connection to ${this.remotePeer} was lost`));
    });
  }

  /**
   * Connects to a room. Rejects with a ChatClientError whose message is a plain sentence
   * (`Nothing is listening at 10.0.0.5:60003`, `No route to 10.0.0.5`, `Timed out after 5 s`,
   * `Unknown host: foo`); `signal` cancels the attempt.
   */
  static connect(options: ConnectOptions): Promise<ChatClient> {
    const { host, port, signal } = options;
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        reject(new ChatClientError('other', `Port must be a whole number from 1 to 65535 (got ${String(port)})`));
        return;
      }
      if (signal?.aborted) {
        reject(new ChatClientError('aborted', 'Cancelled'));
        return;
      }
      const secure = options.tls;
      const socket: net.Socket = secure
        ? tls.connect({ host, port, rejectUnauthorized: false, minVersion: 'TLSv1.2', ...(net.isIP(host) === 0 ? { servername: host } : {}) })
        : net.connect({ host, port });
      // Over TLS: the TCP connection was made, so what fails from here on is the handshake.
      let reached = false;
      if (secure) socket.once('connect', () => (reached = true));
      let settled = false;
      const settle = (error: ChatClientError | null, fingerprint: string | null = null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.off(secure ? 'secureConnect' : 'connect', onConnect);
        socket.off('error', onError);
        if (error) {
          socket.destroy();
          reject(error);
        } else {
          resolve(new ChatClient(socket, fingerprint));
        }
      };
      const onConnect = () => {
        if (!secure) {
          settle(null);
          return;
        }
        // The key, not an authority, says who the host is: checked before a byte of ours goes out.
        const shown = (socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
        if (typeof shown !== 'string' || shown.length === 0) {
          settle(new ChatClientError('tls', `${joinHostPort(host, port)} showed no certificate`));
        } else if (secure.fingerprint !== null && shown !== secure.fingerprint) {
          settle(new ChatClientError(
            'wrong-key',
            `${joinHostPort(host, port)} answered with a different key (${shortFingerprint(shown)}) than the one expected (${shortFingerprint(secure.fingerprint)}). Someone may be intercepting the connection, or the host made a new key. Nothing was sent.`,
            shown,
          ));
        } else {
          settle(null, shown);
        }
      };
      const onError = (error: NodeJS.ErrnoException) => {
        // A TLS alert or a handshake the other end broke off: not a network failure.
        if (secure && (reached || error.code?.startsWith('ERR_SSL') || error.code === 'EPROTO')) {
          settle(new ChatClientError('tls', `The encrypted connection to ${joinHostPort(host, port)} failed: ${error.message}`));
        } else {
          settle(describeConnectError(error, host, port));
        }
      };
      const onAbort = () => settle(new ChatClientError('aborted', 'Cancelled'));
      const seconds = timeoutMs / 1000;
      const timer = setTimeout(() => {
        const after = `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
        settle(reached
          ? new ChatClientError('tls', `${joinHostPort(host, port)} did not complete an encrypted connection within ${after}`)
          : new ChatClientError('timeout', `Timed out after ${after}`));
      }, timeoutMs);
      socket.once(secure ? 'secureConnect' : 'connect', onConnect);
      socket.on('error', onError);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get connected(): boolean {
    return !this.finished && !this.socket.destroyed;
  }

  /** Bytes handed to `send` that the connection has not passed to the network yet. */
  get unsentBytes(): number {
    return this.socket.writableLength;
  }

  /**
   * Sends each non-blank line of `text` (control characters removed); returns how many.
   * Throws a ChatClientError ('busy') instead when more than 1 MiB is still waiting to go
   * out: the connection is too slow or the host stopped reading.
   */
  send(text: string): number {
    if (!this.connected || this.socket.writableEnded) return 0;
    if (this.socket.writableLength > MAX_UNSENT_BYTES) {
      const kib = Math.round(this.socket.writableLength / 1024);
      throw new ChatClientError('busy', `Not sent: ${kib} KiB of earlier messages are still waiting to go out to ${this.remotePeer} (the connection is too slow, or the host stopped reading). Try again in a moment.`);
    }
    const lines = outgoingLines(text);
    if (lines.length === 0) return 0;
    this.socket.write(lines.join('\n') + '\n');
    return lines.length;
  }

  /** True between pause() and resume(). */
  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Stops reading: no 'line' is emitted until resume() (called from a 'line' listener, right
   * after that line), and the socket is not read, so TCP pushes back on the host instead of
   * lines piling up here. The host may cut us as a slow reader if this lasts.
   */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  /** Reads again: first what arrived before the pause, then the socket. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const pending = this.pending;
    this.pending = null;
    if (pending && !this.decode(pending)) return; // a listener paused again
    if (this.endPending) {
      this.endPending = false;
      this.ended();
    }
    if (!this.finished) this.socket.resume();
  }

  // False when a 'line' listener paused us (the rest of the chunk then waits in `pending`).
  private decode(chunk: Buffer): boolean {
    const used = this.decoder.push(chunk);
    if (used < chunk.length) this.pending = chunk.subarray(used);
    return !this.paused;
  }

  private ended(): void {
    this.decoder.end();
    if (!this.closedByUs) this.closeError ??= new ChatClientError('reset', `The host ${this.remotePeer} closed the connection`);
    this.socket.end();
  }

  /** Leaves cleanly (FIN), then closes; 'close' is emitted with null. */
  close(): void {
    if (this.finished) return;
    this.closedByUs = true;
    this.socket.end();
    // A server that never answers the FIN must not keep the socket open for ever.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }
}

/** Test helpers for the session tests: event recorders and raw TCP clients, all with timeouts. */
import net from 'node:net';
import type { BridgeEvent, ChatLine, SessionStatus } from '../../main/common/ipc-contract';
import type { ChatSession } from '../../main/app/session';

const DEFAULT_WAIT_MS = 5000;

/** Records every batch a session emits and lets a test wait for a condition over them. */
export class EventRecorder {
  readonly batches: { at: number; events: BridgeEvent[] }[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(session: ChatSession) {
    this.unsubscribe = session.onEvents((events) => {
      this.batches.push({ at: performance.now(), events });
      for (const waiter of [...this.waiters]) waiter();
    });
  }

  get events(): BridgeEvent[] {
    return this.batches.flatMap((batch) => batch.events);
  }

  get lines(): ChatLine[] {
    return this.events.flatMap((event) => (event.type === 'lines' ? event.lines : []));
  }

  get statuses(): SessionStatus[] {
    return this.events.flatMap((event) => (event.type === 'status' ? [event.status] : []));
  }

  get lastStatus(): SessionStatus | undefined {
    return this.statuses.at(-1);
  }

  /** Resolves when `condition()` holds, checked now and after every batch; rejects after `timeoutMs`. */
  waitFor(condition: () => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  dispose(): void {
    this.unsubscribe();
  }
}

/** A plain TCP client like telnet/nc: records exactly the bytes it receives. */
export class RawClient {
  private received = '';
  private ended = false;
  private readonly waiters = new Set<() => void>();

  /** This socket as the server prints it (kept: a destroyed socket forgets its address). */
  readonly peer: string;

  private constructor(readonly socket: net.Socket) {
    this.peer = `${socket.localAddress}:${socket.localPort}`;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.received += chunk;
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  get text(): string {
    return this.received;
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  write(text: string): void {
    this.socket.write(text);
  }

  waitFor(condition: (received: string) => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (condition(this.received)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition(this.received)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; received ${JSON.stringify(this.received.slice(-300))}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  waitForEnd(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!this.ended) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for the socket to end`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A port that was free a moment ago (for "nothing listens here" and "restart on the same port"). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Listens on 127.0.0.1:0 and keeps the port busy until closed. */
export function occupyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ port, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

export function canListen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port }, () => server.close(() => resolve(true)));
  });
}

/** A ChatServer on a free loopback port with bookkeeping, so every socket is closed afterwards. */
import { ChatServer } from '../../main/chat/server';
import type { ChatServerOptions } from '../../main/chat/types';
import { useCleanup } from './cleanup';
import { RawClient, type RawConnectOptions } from './raw-client';
import { waitUntil } from './wait';

export interface TestRoom {
  server: ChatServer;
  port: number;
  clients: RawClient[];
  /** Errors the server reported (its 'error' event). */
  errors: Error[];
  /** Connects a client; unless the room delays announcements, waits until the server announced it. */
  join(host?: string): Promise<RawClient>;
  /** Connects a client (closed with the room) without waiting for anything: it may be refused. */
  connect(host?: string, options?: RawConnectOptions): Promise<RawClient>;
  close(): Promise<void>;
}

/**
 * The limits a room has when a test does not ask for them: none per address and no line
 * rate, since every test client comes from 127.0.0.1 and many tests flood on purpose. Tests
 * of those limits set them.
 */
export const UNLIMITED: ChatServerOptions = { maxConnectionsPerAddress: 0, joinsPerAddressPerMinute: 0, maxLinesPerSecond: 0 };

/**
 * Starts a room on 127.0.0.1:0 (or `host`). Newcomers are announced at once unless
 * `options.admitDelayMs` says otherwise; callers that delay announce by sending something.
 */
export async function startRoom(options: ChatServerOptions = {}, host = '127.0.0.1'): Promise<TestRoom> {
  const server = new ChatServer({ admitDelayMs: 0, ...UNLIMITED, ...options });
  const errors: Error[] = [];
  server.on('error', (error) => errors.push(error));
  const announced = new Set<string>();
  server.on('join', (client) => announced.add(client.peer));
  const { port } = await server.listen({ port: 0, host });
  const clients: RawClient[] = [];
  const delayed = options.admitDelayMs !== undefined && options.admitDelayMs > 0;
  const connect = async (connectHost = host === '::' ? '127.0.0.1' : host, connectOptions?: RawConnectOptions): Promise<RawClient> => {
    const client = await RawClient.connect(port, connectHost, connectOptions);
    clients.push(client);
    return client;
  };
  return {
    server,
    port,
    clients,
    errors,
    async join(connectHost) {
      const client = await connect(connectHost);
      if (!delayed) await waitUntil(() => announced.has(client.label), `the server to announce ${client.label}`);
      return client;
    },
    connect,
    async close() {
      for (const client of clients) client.destroy();
      await server.close();
    },
  };
}

/** Call once per test file: `room(options)` starts a room that is closed after the test. */
export function useRooms(): (options?: ChatServerOptions, host?: string) => Promise<TestRoom> {
  const defer = useCleanup();
  return async (options, host) => {
    const room = await startRoom(options, host);
    defer(() => room.close());
    return room;
  };
}

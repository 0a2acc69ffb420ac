/** A ChatSession for a test, with its events recorded, closed when the test ends. */
import { MemoryPreferencesStore, defaultPreferences } from '../../main/app/preferences';
import { ChatSession, type ChatSessionOptions } from '../../main/app/session';
import { ChatServer } from '../../main/chat/server';
import type { ChatServerOptions } from '../../main/chat/types';
import type { Cleanup } from './cleanup';
import { EventRecorder } from './event-recorder';
import { RawClient } from './raw-client';

export type NewSession = (options?: ChatSessionOptions) => { session: ChatSession; events: EventRecorder };

/**
 * Makes sessions that reconnect quickly (50–400 ms), each with `base()`'s options under the
 * test's own, closed through `defer` (useCleanup).
 */
export function sessionMaker(defer: (cleanup: Cleanup) => void, base: () => ChatSessionOptions = () => ({})): NewSession {
  return (options = {}) => {
    const session = new ChatSession({ reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 400, ...base(), ...options });
    const events = new EventRecorder(session);
    defer(() => session.close());
    return { session, events };
  };
}

/** Nameless preferences (a store of its own): a host's own name line would race byte-exact transcripts. */
export function namelessPreferences(): ChatSessionOptions {
  return { preferences: new MemoryPreferencesStore({ ...defaultPreferences(), displayName: '' }) };
}

export interface SessionPeers {
  /** A ChatServer on 127.0.0.1 (`port`, default a free one) that announces newcomers at once, closed when the test ends. */
  startServer(options?: ChatServerOptions, port?: number): Promise<{ server: ChatServer; port: number }>;
  /** A raw TCP client of `port` on 127.0.0.1, destroyed when the test ends. */
  connectRaw(port: number): Promise<RawClient>;
}

/** The rooms and raw clients a session test talks to, closed through `defer` (useCleanup). */
export function sessionPeers(defer: (cleanup: Cleanup) => void): SessionPeers {
  return {
    async startServer(options = {}, port = 0) {
      const server = new ChatServer({ admitDelayMs: 0, ...options });
      server.on('error', () => undefined);
      const address = await server.listen({ port, host: '127.0.0.1' });
      defer(() => server.close());
      return { server, port: address.port };
    },
    async connectRaw(port) {
      const raw = await RawClient.connect(port);
      defer(() => raw.destroy());
      return raw;
    },
  };
}

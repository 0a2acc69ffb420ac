/** A ChatSession for a test, with its events recorded, closed when the test ends. */
import { MemoryPreferencesStore, defaultPreferences } from '../../main/app/preferences';
import { ChatSession, type ChatSessionOptions } from '../../main/app/session';
import type { Cleanup } from './cleanup';
import { EventRecorder } from './event-recorder';

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

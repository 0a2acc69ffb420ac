/**
 * What the session needs from the chat core to slow a connection down, found at run time so
 * the session works with a ChatClient/ChatServer that has it and one that does not (yet):
 *  - ChatClient `pause()` / `resume()`: stop and restart reading the socket (TCP then pushes
 *    back on the sender, so a flood costs the sender, not our memory);
 *  - ChatServer `exemptFromSlowCut(peer)`: the host's own loopback client may be paused
 *    without its own server cutting it as a slow reader of its own room.
 * Without them the session still stays bounded: the EventBatcher drops the oldest waiting
 * lines and says how many.
 */

export interface PausableClient {
  pause(): void;
  resume(): void;
}

export interface SlowCutExemption {
  exemptFromSlowCut(peer: string): void;
}

/** `client` itself when it can pause its socket, else null. */
export function pausableClient(client: object): PausableClient | null {
  const candidate = client as Partial<PausableClient>;
  return typeof candidate.pause === 'function' && typeof candidate.resume === 'function' ? (client as PausableClient) : null;
}

/** `server` itself when it can exempt a peer from the slow-reader cut, else null. */
export function slowCutExemption(server: object): SlowCutExemption | null {
  const candidate = server as Partial<SlowCutExemption>;
  return typeof candidate.exemptFromSlowCut === 'function' ? (server as SlowCutExemption) : null;
}

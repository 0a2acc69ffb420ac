/**
 * A room's id is its key: a click in "Rooms on your network" joins over TLS and requires the
 * key the room's announcements carry. A forged announcement of the same room from another
 * address (127.0.0.2, 127.0.0.3), with the key copied or left out, lists a copy whose join
 * fails the handshake's check: the forger cannot show the host's key.
 */
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeKey, roomIdForKey } from '../../../main/app/discovery/beacon';
import { ChatSession, type ChatSessionOptions, type SessionDiscoveryOptions } from '../../../main/app/session';
import type { DiscoveredRoom } from '../../../main/common/ipc-contract';
import { EventRecorder } from '../../support/event-recorder';
import { freePort } from '../../support/ports';
import { useRooms } from '../../support/room';
import { useTempDirs } from '../../support/temp-dir';
import { tlsOption } from '../../support/tls';
import { LoopbackForger } from './loopback';

const room = useRooms();
const tempDir = useTempDirs();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function loopback(port: number): SessionDiscoveryOptions {
  return { interfaces: os.networkInterfaces, selection: { only: ['lo'] }, appVersion: '0.1.0', beaconPorts: [port] };
}

function newSession(options: ChatSessionOptions): { session: ChatSession; events: EventRecorder } {
  const session = new ChatSession(options);
  const events = new EventRecorder(session);
  cleanups.push(() => session.close());
  return { session, events };
}

function latestRooms(events: EventRecorder): DiscoveredRoom[] {
  return events.events.flatMap((event) => (event.type === 'rooms' ? [event.rooms] : [])).at(-1) ?? [];
}

describe('discovery with keys', () => {
  it('a listed room is joined over TLS with its key; forged copies from other addresses fail the check', async () => {
    const port = await freePort();
    const { session: host } = newSession({ discovery: loopback(port), certificateDir: await tempDir('tincan-key-') });
    const name = `Keyed ${Math.random().toString(16).slice(2, 8)}`;
    const hosted = await host.host({ port, scope: 'lan', name });
    const status = hosted.after?.status;
    const fingerprint = status?.mode === 'hosting' ? status.security?.fingerprint : undefined;
    expect(fingerprint).toBeDefined();
    const id = roomIdForKey(fingerprint!);

    const { session: joiner, events } = newSession({ discovery: loopback(port), tlsProbeMs: 1 });
    await joiner.findRooms();
    await events.waitFor(() => latestRooms(events).some((r) => r.key === `id:${id}` && r.fingerprint === fingerprint), 'the room with its key', 10_000);
    const real = latestRooms(events).find((r) => r.key === `id:${id}`)!;
    expect(real.addresses[0]).toBe(`127.0.0.1:${port}`);
    const joined = await joiner.join({ address: real.addresses[0]! });
    expect(joined.ok).toBe(true);
    const joinedStatus = joined.after?.status;
    expect(joinedStatus?.mode === 'joined' && joinedStatus.security?.fingerprint).toBe(fingerprint);
    await joiner.leave();

    // Two forgers, each with a TLS room of its own key: one repeats the key, one leaves it out.
    const forgedRooms = await Promise.all(['127.0.0.2', '127.0.0.3'].map(async (address) => room({ admitDelayMs: 50, tls: await tlsOption() }, address)));
    const forgers = await Promise.all(['127.0.0.2', '127.0.0.3'].map((address) => LoopbackForger.open(address)));
    cleanups.push(() => Promise.all(forgers.map((forger) => forger.close())));
    await forgers[0]!.beacon({ id, name, port: forgedRooms[0]!.port, key: encodeKey(fingerprint!) }, port);
    await forgers[1]!.beacon({ id, name, port: forgedRooms[1]!.port }, port);
    const copies = () => latestRooms(events).filter((r) => r.copyOf === `id:${id}`);
    await events.waitFor(() => copies().length === 2, 'both forged copies', 10_000);
    for (const [i, forged] of forgedRooms.entries()) {
      const copy = copies().find((r) => r.addresses[0]?.startsWith(i === 0 ? '127.0.0.2' : '127.0.0.3'))!;
      expect(copy.addresses[0]).toBe(`${i === 0 ? '127.0.0.2' : '127.0.0.3'}:${forged.port}`);
      const received: string[] = [];
      forged.server.on('message', (_client, text) => received.push(text));
      const refused = await joiner.join({ address: copy.addresses[0]! });
      expect(refused.ok).toBe(false);
      expect(!refused.ok && refused.error).toMatch(/different key/);
      expect(refused.after?.status.mode).toBe('idle');
      expect(received).toEqual([]);
    }
  }, 30_000);
});

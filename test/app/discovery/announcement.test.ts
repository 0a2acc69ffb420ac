/**
 * RoomAnnouncement, the one owner of a hosted room's announcement (the session's and the
 * headless server's): its people count follows the real chat server, and close() leaves
 * nothing behind on the server or the announcer. Loopback only.
 */
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { RoomAnnouncement } from '../../../main/app/discovery/announcement';
import { RoomFinder } from '../../../main/app/discovery/finder';
import { ChatServer } from '../../../main/chat/server';
import { RawClient } from '../../support/raw-client';
import { waitUntil } from '../../support/wait';
import { LOOPBACK, freeUdpPort, waitForRooms } from './loopback';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('RoomAnnouncement', () => {
  it('follows the server\'s people count, and close() says goodbye and removes every listener it added', async () => {
    const server = new ChatServer({ admitDelayMs: 0 });
    cleanups.push(() => server.close());
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
    const beaconPort = await freeUdpPort();
    const finder = new RoomFinder({ interfaces: os.networkInterfaces, selection: LOOPBACK, beaconPorts: [beaconPort], mdns: false });
    cleanups.push(() => finder.close());
    finder.on('error', () => undefined);
    await finder.start();
    const before = { join: server.listenerCount('join'), leave: server.listenerCount('leave') };
    const errors: Error[] = [];
    const announcement = new RoomAnnouncement(
      server,
      // The beacon on the finder's port, so the finder hears it; the room's own port is TCP's.
      { name: 'Owned room', port: beaconPort, appVersion: '0.1.0', interfaces: os.networkInterfaces, selection: LOOPBACK, mdns: false },
      { onError: (error) => errors.push(error), onRenamed: () => undefined, onInterfaces: () => undefined },
    );
    cleanups.push(() => announcement.close());
    await announcement.started;
    expect(announcement.announcer.listenerCount('renamed')).toBe(1);
    const key = `id:${announcement.announcer.id}`;
    await waitForRooms(finder, (rooms) => rooms.find((r) => r.key === key)?.people === 0, 'the room, empty');

    const client = await RawClient.connect(port);
    cleanups.push(async () => client.destroy());
    await waitUntil(() => announcement.announcer.people === 1, 'people = 1');
    await waitForRooms(finder, (rooms) => rooms.find((r) => r.key === key)?.people === 1, 'the room with one person');

    await announcement.close();
    await announcement.close();
    expect(server.listenerCount('join')).toBe(before.join);
    expect(server.listenerCount('leave')).toBe(before.leave);
    expect(announcement.announcer.listenerCount('renamed')).toBe(0);
    expect(announcement.announcer.listenerCount('interfaces')).toBe(0);
    await waitForRooms(finder, (rooms) => !rooms.some((r) => r.key === key), 'the goodbye', 5000);
    expect(errors).toEqual([]);
  }, 20_000);
});

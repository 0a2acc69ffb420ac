/**
 * Announcer and finder in this process, told to use loopback only (`only: ['lo']`): what the
 * app's own tests and the E2E run rely on. Nothing leaves this machine. Other test files may
 * run rooms at the same time, so each test looks for its own room by id.
 */
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { RoomAnnouncer } from '../../../main/app/discovery/announcer';
import { RoomFinder } from '../../../main/app/discovery/finder';
import { LOOPBACK, freeUdpPort, waitForRooms } from './loopback';
import { LAPTOP } from './tables';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function pair(port: number, options: { mdns?: boolean; beacon?: boolean } = {}) {
  const finder = new RoomFinder({ interfaces: os.networkInterfaces, selection: LOOPBACK, beaconPorts: [port], ...options });
  open.push(finder);
  const errors: Error[] = [];
  finder.on('error', (error) => errors.push(error));
  await finder.start();
  const announcer = new RoomAnnouncer({ name: 'Loopback room', port, appVersion: '0.1.0', interfaces: os.networkInterfaces, selection: LOOPBACK, ...options });
  open.push(announcer);
  announcer.on('error', (error) => errors.push(error));
  await announcer.start();
  return { finder, announcer, errors, key: `id:${announcer.id}` };
}

describe('discovery on loopback only', () => {
  it('finds the room at 127.0.0.1, follows its people count, and drops it on goodbye', async () => {
    const port = await freeUdpPort();
    const { finder, announcer, errors, key } = await pair(port);
    expect(announcer.interfaceNames).toEqual(['lo']);
    const rooms = await waitForRooms(finder, (list) => list.find((r) => r.key === key)?.sources.length === 2, 'the room by both mechanisms');
    expect(rooms.find((r) => r.key === key)).toMatchObject({ name: 'Loopback room', addresses: [`127.0.0.1:${port}`, `[::1]:${port}`], people: 0 });
    announcer.setPeople(3);
    await waitForRooms(finder, (list) => list.find((r) => r.key === key)?.people === 3, 'people = 3');
    await announcer.close();
    await waitForRooms(finder, (list) => !list.some((r) => r.key === key), 'the room to go', 5000);
    expect(errors).toEqual([]);
  });

  it('each mechanism alone finds the room', async () => {
    for (const only of [{ mdns: false }, { beacon: false }]) {
      const port = await freeUdpPort();
      const { finder, key } = await pair(port, only);
      const rooms = await waitForRooms(finder, (list) => list.some((r) => r.key === key), `the room with ${JSON.stringify(only)}`);
      expect(rooms.find((r) => r.key === key)?.sources).toEqual([only.mdns === false ? 'beacon' : 'mdns']);
      await Promise.all(open.splice(0).map((thing) => thing.close()));
    }
  });

  it('with no usable interface it opens no multicast socket and sends nothing, and says which interfaces it uses', async () => {
    const finder = new RoomFinder({ interfaces: () => ({ lo: LAPTOP.lo }), beacon: false });
    open.push(finder);
    await finder.start();
    const announcer = new RoomAnnouncer({ name: 'Nowhere', port: 1, appVersion: '0.1.0', interfaces: () => ({ lo: LAPTOP.lo }), beacon: false });
    open.push(announcer);
    await announcer.start();
    expect(announcer.interfaceNames).toEqual([]);
    expect(finder.rooms).toEqual([]);
  });

  it('ignores beacons from senders on no interface it uses', async () => {
    const port = await freeUdpPort();
    // Loopback-only finder, but told its interface is a LAN one: 127.0.0.1 is then nobody we know.
    const finder = new RoomFinder({ interfaces: () => ({ eth9: LAPTOP.wlp2s0 }), selection: { only: ['eth9'] }, mdns: false, beaconPorts: [port] });
    open.push(finder);
    await finder.start();
    const control = new RoomFinder({ interfaces: os.networkInterfaces, selection: LOOPBACK, mdns: false, beaconPorts: [port] });
    open.push(control);
    await control.start();
    const announcer = new RoomAnnouncer({ name: 'Stranger', port, appVersion: '0.1.0', interfaces: os.networkInterfaces, selection: LOOPBACK, mdns: false });
    open.push(announcer);
    await announcer.start();
    await waitForRooms(control, (list) => list.some((r) => r.key === `id:${announcer.id}`), 'the control finder to see it');
    expect(finder.rooms).toEqual([]);
  });
});

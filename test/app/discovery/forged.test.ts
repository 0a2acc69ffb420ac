/**
 * A hostile host on the LAN against the real finder and announcer: forged beacons and
 * multicast DNS answers from a second loopback address (127.0.0.2), as any machine on the
 * network could send them. A room's id is broadcast in clear, so the forger knows it. Other
 * test files may run rooms on loopback at the same time, so each test looks at its own ids.
 */
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { RoomAnnouncer, type RoomAnnouncerOptions } from '../../../main/app/discovery/announcer';
import { RoomFinder, type RoomFinderOptions } from '../../../main/app/discovery/finder';
import { MAX_ROOMS_PER_SENDER } from '../../../main/app/discovery/room-table';
import type { DiscoveredRoom } from '../../../main/common/rooms';
import { LOOPBACK, LoopbackForger, freeUdpPort, waitForRooms } from './loopback';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

function keep<T extends { close(): Promise<void> }>(thing: T): T {
  open.push(thing);
  return thing;
}

async function finderOn(port: number, options: Partial<RoomFinderOptions> = {}): Promise<RoomFinder> {
  const finder = keep(new RoomFinder({ interfaces: os.networkInterfaces, selection: LOOPBACK, beaconPorts: [port], ...options }));
  finder.on('error', () => undefined);
  await finder.start();
  return finder;
}

async function roomOn(port: number, options: Partial<RoomAnnouncerOptions> = {}): Promise<RoomAnnouncer> {
  const announcer = keep(new RoomAnnouncer({ name: 'Real room', port, appVersion: '0.1.0', interfaces: os.networkInterfaces, selection: LOOPBACK, ...options }));
  announcer.on('error', () => undefined);
  await announcer.start();
  return announcer;
}

/** Every list the finder emits from now on, until the test ends. */
function recordLists(finder: RoomFinder): DiscoveredRoom[][] {
  const lists: DiscoveredRoom[][] = [];
  finder.on('change', (rooms) => lists.push(rooms));
  return lists;
}

const randomId = () => Array.from({ length: 16 }, () => Math.floor(Math.random() * 16).toString(16)).join('');

describe('forged announcements from another host', () => {
  it('cannot redirect a listed room: beacons and answers repeating its id from elsewhere are listed apart, marked as copies', async () => {
    const port = await freeUdpPort();
    const finder = await finderOn(port);
    const room = await roomOn(port);
    const key = `id:${room.id}`;
    await waitForRooms(finder, (rooms) => rooms.some((r) => r.key === key), 'the real room');
    const lists = recordLists(finder);
    const forger = keep(await LoopbackForger.open('127.0.0.2'));
    // Ten rounds, newer than anything the real room sent (it beacons every 3 s), under the
    // per-sender rate limit; then a sentinel room, so that once it is listed all were read.
    for (let round = 0; round < 10; round++) {
      await forger.beacon({ id: room.id, name: 'Real room', port: 6666 }, port);
      await forger.answer({ id: room.id, name: 'Real room', port: 6666, target: `tincan-${room.id}.local`, addresses: ['127.0.0.2'] });
    }
    const sentinel = randomId();
    await forger.beacon({ id: sentinel, name: 'Sentinel', port: 1 }, port);
    const rooms = await waitForRooms(finder, (list) => list.some((r) => r.key === `id:${sentinel}`), 'the sentinel');
    const copy = rooms.find((r) => r.copyOf === key);
    expect(copy?.addresses[0]).toBe('127.0.0.2:6666');
    expect(copy?.sources).toEqual(['mdns', 'beacon']);
    expect(rooms.findIndex((r) => r.key === key)).toBeLessThan(rooms.indexOf(copy!));
    const real = lists.flatMap((list) => list.filter((r) => r.key === key));
    expect(real.length).toBeGreaterThan(0);
    for (const shown of real) {
      expect(shown.addresses[0]).toBe(`127.0.0.1:${port}`);
      expect(shown.addresses.some((address) => address.startsWith('127.0.0.2'))).toBe(false);
    }
  }, 20_000);

  it('cannot hide a room with a forged goodbye: an answer listing the room\'s address, then a goodbye, from elsewhere', async () => {
    const port = await freeUdpPort();
    const finder = await finderOn(port);
    const room = await roomOn(port, { beaconIntervalMs: 60_000 });
    const key = `id:${room.id}`;
    await waitForRooms(finder, (rooms) => rooms.find((r) => r.key === key)?.sources.length === 2, 'the real room by both mechanisms');
    const lists = recordLists(finder);
    const forger = keep(await LoopbackForger.open('127.0.0.2'));
    // The answer first, and once a sentinel sent after it is listed, the goodbye: the two go
    // to different sockets, so only waiting keeps them in this order.
    const [mdnsSentinel, beaconSentinel] = [randomId(), randomId()];
    await forger.answer({ id: room.id, name: 'Forged', port, target: `tincan-${room.id}.local`, addresses: ['127.0.0.1'] });
    await forger.answer({ id: mdnsSentinel, name: `Sentinel ${mdnsSentinel}`, port: 1, target: `s-${mdnsSentinel}.local`, addresses: ['127.0.0.2'] });
    await waitForRooms(finder, (list) => list.some((r) => r.key === `id:${mdnsSentinel}`), 'the multicast DNS sentinel');
    await forger.bye(room.id, port, port);
    await forger.beacon({ id: beaconSentinel, name: 'Sentinel', port: 1 }, port);
    const both = (list: DiscoveredRoom[]) => [beaconSentinel, mdnsSentinel].every((id) => list.some((r) => r.key === `id:${id}`));
    const rooms = await waitForRooms(finder, both, 'both sentinels');
    expect(rooms.find((r) => r.key === key)?.addresses[0]).toBe(`127.0.0.1:${port}`);
    expect(lists.filter((list) => !list.some((r) => r.key === key))).toEqual([]);
  }, 20_000);

  it('cannot fill the list: 110 rooms from one address keep only a few, and a real room started afterwards is listed first', async () => {
    const port = await freeUdpPort();
    // The table's bounds are under test here, not the rate limit.
    const finder = await finderOn(port, { limits: { perSource: 1000, perSourceBurst: 1000, total: 1000, totalBurst: 1000, maxSources: 512 } });
    const forger = keep(await LoopbackForger.open('127.0.0.2'));
    const ids = Array.from({ length: 110 }, () => randomId());
    for (const [i, id] of ids.entries()) await forger.beacon({ id, name: `!${i}`, port: 6666 }, port);
    const forgedKeys = new Set(ids.map((id) => `id:${id}`));
    await waitForRooms(finder, (rooms) => rooms.some((r) => r.key === `id:${ids.at(-1)!}`), 'the last forged room');
    const room = await roomOn(port, { name: 'Real room after a flood' });
    const rooms = await waitForRooms(finder, (list) => list.find((r) => r.key === `id:${room.id}`)?.sources.length === 2, 'the real room by both mechanisms');
    const forgedShown = rooms.filter((r) => forgedKeys.has(r.key));
    expect(forgedShown.length).toBeLessThanOrEqual(MAX_ROOMS_PER_SENDER);
    const realAt = rooms.findIndex((r) => r.key === `id:${room.id}`);
    expect(forgedShown.every((r) => rooms.indexOf(r) > realAt)).toBe(true);
  }, 20_000);

  it('an answer for the room\'s name without an id forces no rename; one with a lower id renames it once', async () => {
    const port = await freeUdpPort();
    const base = `Renamed ${randomId()}`;
    const room = await roomOn(port, { name: base, beacon: false, id: 'ffffffffffffffff' });
    const renames: string[] = [];
    room.on('renamed', (name) => renames.push(name));
    const forger = keep(await LoopbackForger.open('127.0.0.2'));
    const fqdn = `${base}._tincan._tcp.local`;
    const answersFor = (name: string) => (reply: { answers?: { type: string; name: string }[] }) =>
      (reply.answers ?? []).some((answer) => answer.type === 'SRV' && answer.name.toLowerCase() === name.toLowerCase());
    for (let i = 0; i < 3; i++) await forger.answer({ name: base, port: 1, target: 'forger.local', addresses: ['127.0.0.2'] });
    // Read after the answers (same socket, same way): the room still answers to its name.
    await forger.ask({ type: 'query', questions: [{ name: fqdn, type: 'SRV' }] }, answersFor(fqdn));
    expect(renames).toEqual([]);
    expect(room.name).toBe(base);
    await forger.answer({ id: '0000000000000000', name: base, port: 1, target: 'other-room.local', addresses: ['127.0.0.2'] });
    const renamedFqdn = `${base} (2)._tincan._tcp.local`;
    await forger.ask({ type: 'query', questions: [{ name: renamedFqdn, type: 'SRV' }] }, answersFor(renamedFqdn));
    expect(renames).toEqual([`${base} (2)`]);
  }, 15_000);
});

/** Merging sightings into rooms and ranking their addresses: pure, with a fixed clock. */
import { describe, expect, it } from 'vitest';
import { MAX_ROOMS_PER_SENDER, RoomTable, type LocalView, type Sighting } from '../../../main/app/discovery/room-table';
import { listLocalAddresses, onSubnet, subnetsOf } from '../../../main/app/discovery/interfaces';
import { LAPTOP } from './tables';

const local = listLocalAddresses(LAPTOP);
const usable = local.filter((a) => ['wlp2s0', 'enp0s31f6'].includes(a.interfaceName));
const subnets = subnetsOf(usable);
const view: LocalView = {
  onLocalSubnet: (address) => onSubnet(subnets, address),
  isOwnAddress: (address) => local.some((a) => a.address === address),
};

function sighting(overrides: Partial<Sighting> = {}): Sighting {
  const source = overrides.source ?? 'mdns';
  const sender = overrides.sender ?? '192.168.1.50';
  const roomKey = overrides.roomKey ?? 'id:00000000000000aa';
  return {
    key: `${source}|${roomKey}|${sender}`,
    roomKey,
    source,
    name: 'Lab room',
    port: 60003,
    sender,
    addresses: [],
    people: 3,
    appVersion: '0.1.0',
    seenAt: 1000,
    expiresAt: 21_000,
    ...overrides,
  };
}

describe('RoomTable', () => {
  it('lists one room for the same id seen by both mechanisms on two interfaces', () => {
    const table = new RoomTable();
    table.upsert(sighting({ source: 'mdns', sender: '10.0.0.50', addresses: ['10.0.0.50', '192.168.1.50', '2001:db8:1::50'] }));
    table.upsert(sighting({ source: 'mdns', sender: '192.168.1.50', addresses: ['192.168.1.50'] }));
    table.upsert(sighting({ source: 'beacon', sender: '192.168.1.50', seenAt: 2000 }));
    table.upsert(sighting({ source: 'beacon', sender: '10.0.0.50', seenAt: 2500, people: 4 }));
    const rooms = table.list(view);
    expect(rooms).toHaveLength(1);
    expect(rooms[0]).toMatchObject({ key: 'id:00000000000000aa', name: 'Lab room', people: 4, sources: ['mdns', 'beacon'], lastSeen: 2500 });
    expect(rooms[0]!.addresses).toEqual(['10.0.0.50:60003', '192.168.1.50:60003', '[2001:db8:1::50]:60003']);
  });

  it('ranks an address on one of our own networks first, IPv4 before IPv6, then the rest', () => {
    const table = new RoomTable();
    table.upsert(sighting({ sender: '172.17.0.1', addresses: ['2001:db8:9::1', '203.0.113.9', '2001:db8:1::50', '192.168.1.50', 'fe80::5%wlp2s0'] }));
    expect(table.list(view)[0]!.addresses).toEqual([
      '192.168.1.50:60003',
      '[2001:db8:1::50]:60003',
      '[fe80::5%wlp2s0]:60003',
      '172.17.0.1:60003',
      '203.0.113.9:60003',
      '[2001:db8:9::1]:60003',
    ]);
  });

  it('offers loopback only for a room on this very machine, and never a zoneless link-local, multicast or unspecified address', () => {
    const table = new RoomTable();
    table.upsert(sighting({ roomKey: 'id:00000000000000b1', sender: '192.168.1.50', addresses: ['127.0.0.1', 'fe80::1', '224.0.0.251', '0.0.0.0', '::', 'ff02::fb'] }));
    table.upsert(sighting({ roomKey: 'id:00000000000000b2', name: 'Mine', sender: '192.168.1.20', addresses: ['127.0.0.1'] }));
    table.upsert(sighting({ roomKey: 'id:00000000000000b3', name: 'Loop', sender: '127.0.0.1', addresses: ['127.0.0.1'] }));
    const byKey = (key: string) => table.list(view).find((room) => room.key === key)!;
    const [lab, mine, loop] = ['id:00000000000000b1', 'id:00000000000000b2', 'id:00000000000000b3'].map(byKey);
    expect(lab!.addresses).toEqual(['192.168.1.50:60003']);
    expect(mine!.addresses).toEqual(['192.168.1.20:60003', '127.0.0.1:60003']);
    expect(loop!.addresses).toEqual(['127.0.0.1:60003']);
  });

  it('lists rooms in the order they were first heard, whatever their names, and reports what changed', () => {
    const table = new RoomTable();
    expect(table.upsert(sighting({ roomKey: 'id:00000000000000c2', name: 'Zebra', sender: '192.168.1.51' }))).toBe('added');
    expect(table.upsert(sighting({ roomKey: 'id:00000000000000c1', name: '!0 alpha', sender: '192.168.1.52', seenAt: 1500 }))).toBe('added');
    expect(table.list(view).map((r) => r.name)).toEqual(['Zebra', '!0 alpha']);
    expect(table.upsert(sighting({ roomKey: 'id:00000000000000c1', name: '!0 alpha', sender: '192.168.1.52', seenAt: 5000, expiresAt: 25_000 }))).toBe('unchanged');
    expect(table.upsert(sighting({ roomKey: 'id:00000000000000c1', name: '!0 alpha', sender: '192.168.1.52', people: 9 }))).toBe('updated');
    expect(table.list(view).map((r) => r.name)).toEqual(['Zebra', '!0 alpha']);
  });

  it('ranks by what the joiner can check: on our network, heard both ways, joined before; then first heard', () => {
    const table = new RoomTable();
    table.upsert(sighting({ roomKey: 'id:00000000000000d1', name: 'far', sender: '203.0.113.9', source: 'beacon', seenAt: 100 }));
    table.upsert(sighting({ roomKey: 'id:00000000000000d2', name: 'one way', sender: '192.168.1.61', source: 'beacon', seenAt: 200 }));
    table.upsert(sighting({ roomKey: 'id:00000000000000d3', name: 'joined', sender: '192.168.1.62', source: 'beacon', seenAt: 300 }));
    for (const source of ['beacon', 'mdns'] as const) {
      table.upsert(sighting({ roomKey: 'id:00000000000000d4', name: 'both', sender: '192.168.1.63', source, seenAt: 400 }));
    }
    const joined = (address: string) => address === '192.168.1.62:60003';
    expect(table.list({ ...view, joinedBefore: joined }).map((r) => r.name)).toEqual(['both', 'joined', 'one way', 'far']);
    expect(table.list(view).map((r) => r.name)).toEqual(['both', 'one way', 'joined', 'far']);
  });

  it('moves a sighting to another room when its key changes (TXT id arriving after the SRV)', () => {
    const table = new RoomTable();
    table.upsert(sighting({ key: 'mdns|x|1', roomKey: 'dns:lab room._tincan._tcp.local' }));
    table.upsert(sighting({ key: 'mdns|x|1', roomKey: 'id:00000000000000aa' }));
    expect(table.list(view).map((r) => r.key)).toEqual(['id:00000000000000aa']);
  });

  it('a goodbye removes only what its own sender announced, by either mechanism', () => {
    const table = new RoomTable();
    table.upsert(sighting({ source: 'mdns', sender: '10.0.0.50', addresses: ['10.0.0.50', '192.168.1.50'] }));
    table.upsert(sighting({ source: 'beacon', sender: '192.168.1.50' }));
    table.upsert(sighting({ source: 'beacon', sender: '10.0.0.50' }));
    expect(table.goodbye('id:00000000000000aa', '10.0.0.50')).toBe(true);
    const rooms = table.list(view);
    expect(rooms).toHaveLength(1);
    expect(rooms[0]!.sources).toEqual(['beacon']);
    expect(table.goodbye('id:00000000000000aa', '192.168.1.50')).toBe(true);
    expect(table.size).toBe(0);
    expect(table.goodbye('id:00000000000000aa', '192.168.1.50')).toBe(false);
  });

  it('a forged goodbye cannot hide a room: an answer listing the room\'s address, then a goodbye, from elsewhere', () => {
    const table = new RoomTable();
    table.upsert(sighting({ source: 'beacon', sender: '192.168.1.50' }));
    // The attacker's answer carries the room's id and the victim's A record.
    table.upsert(sighting({ source: 'mdns', sender: '192.168.1.66', addresses: ['192.168.1.50'] }));
    expect(table.goodbye('id:00000000000000aa', '192.168.1.66')).toBe(false);
    expect(table.list(view).map((r) => r.addresses)).toEqual([['192.168.1.50:60003']]);
  });

  it('a sighting from another sender never adds an address to a room: it is listed apart, marked as a copy', () => {
    const table = new RoomTable();
    table.upsert(sighting({ source: 'beacon', sender: '192.168.1.50', seenAt: 1000 }));
    // More often, and newer, than the real room: it still never becomes the room's address.
    for (let i = 0; i < 20; i++) table.upsert(sighting({ source: 'beacon', sender: '192.168.1.66', seenAt: 2000 + i, name: 'Lab room' }));
    table.upsert(sighting({ source: 'mdns', sender: '192.168.1.67', addresses: ['192.168.1.50', '192.168.1.67'], seenAt: 3000 }));
    const rooms = table.list(view);
    expect(rooms[0]).toMatchObject({ key: 'id:00000000000000aa', addresses: ['192.168.1.50:60003'] });
    expect(rooms[0]!.copyOf).toBeUndefined();
    expect(rooms.slice(1).map((r) => [r.copyOf, r.addresses[0]])).toEqual([
      ['id:00000000000000aa', '192.168.1.66:60003'],
      ['id:00000000000000aa', '192.168.1.67:60003'],
    ]);
    // The same host over IPv6 link-local, listing only the room's own addresses, adds nothing.
    expect(table.upsert(sighting({ source: 'mdns', sender: 'fe80::50%wlp2s0', addresses: ['192.168.1.50'] }))).toBe('ignored');
    expect(table.size).toBe(3);
    // Once the real room is gone, the id is free again.
    expect(table.goodbye('id:00000000000000aa', '192.168.1.50')).toBe(true);
    expect(table.upsert(sighting({ source: 'beacon', sender: '192.168.1.66', seenAt: 4000 }))).toBe('added');
    expect(table.list(view).find((r) => r.key === 'id:00000000000000aa')?.addresses).toEqual(['192.168.1.66:60003']);
  });

  it('expires sightings when their time is up and says when the next one is due', () => {
    const table = new RoomTable();
    table.upsert(sighting({ source: 'beacon', expiresAt: 11_000 }));
    table.upsert(sighting({ source: 'mdns', expiresAt: 21_000 }));
    expect(table.nextExpiry()).toBe(11_000);
    expect(table.expire(10_999)).toBe(false);
    expect(table.expire(11_000)).toBe(true);
    expect(table.list(view)[0]!.sources).toEqual(['mdns']);
    expect(table.expire(21_000)).toBe(true);
    expect(table.size).toBe(0);
    expect(table.nextExpiry()).toBeNull();
  });

  it('a host on two networks, heard on the second before its records name it, becomes one room once they do', () => {
    const table = new RoomTable();
    table.upsert(sighting({ source: 'mdns', sender: '192.168.1.50', addresses: ['192.168.1.50'] }));
    table.upsert(sighting({ source: 'beacon', sender: '10.0.0.50' }));
    expect(table.list(view).map((r) => r.copyOf)).toEqual([undefined, 'id:00000000000000aa']);
    expect(table.upsert(sighting({ source: 'mdns', sender: '192.168.1.50', addresses: ['192.168.1.50', '10.0.0.50'] }))).toBe('updated');
    const rooms = table.list(view);
    expect(rooms).toHaveLength(1);
    expect(rooms[0]).toMatchObject({ key: 'id:00000000000000aa', sources: ['mdns', 'beacon'] });
    expect(rooms[0]!.addresses).toEqual(['10.0.0.50:60003', '192.168.1.50:60003']);
    expect(table.upsert(sighting({ source: 'beacon', sender: '10.0.0.50', people: 5 }))).toBe('updated');
    expect(table.size).toBe(1);
  });

  it('rooms hosted on this machine count only towards maxRooms', () => {
    const table = new RoomTable();
    for (let i = 0; i < 10; i++) table.upsert(sighting({ roomKey: `id:${(i + 1).toString(16).padStart(16, '0')}`, sender: '192.168.1.20' }), view);
    expect(table.size).toBe(10);
  });

  it('holds a few rooms per sender: a flood from one address replaces its own stalest, and a real room still gets in', () => {
    const table = new RoomTable();
    for (let i = 0; i < 10_000; i++) {
      table.upsert(sighting({ roomKey: `id:${i.toString(16).padStart(16, '0')}`, name: `!${i}`, sender: '192.168.1.66', seenAt: 1000 + i }));
    }
    expect(table.size).toBe(MAX_ROOMS_PER_SENDER);
    expect(table.list(view).map((r) => r.name)).toEqual(['!9996', '!9997', '!9998', '!9999']);
    expect(table.upsert(sighting({ roomKey: 'id:ffffffffffffffff', name: 'Real room', sender: '192.168.1.50', seenAt: 20_000 }))).toBe('added');
    expect(table.list(view).map((r) => r.name)).toContain('Real room');
  });

  it('holds a few rooms per /24 and per /64, and maxRooms in all, replacing the stalest', () => {
    const table = new RoomTable({ maxRoomsPerSender: 4, maxRoomsPerNetwork: 6, maxRooms: 20 });
    for (let i = 0; i < 500; i++) table.upsert(sighting({ roomKey: `id:${(i + 1).toString(16).padStart(16, '0')}`, sender: `192.168.1.${(i % 250) + 1}`, seenAt: i }));
    expect(table.size).toBe(6);
    for (let i = 0; i < 500; i++) table.upsert(sighting({ roomKey: `id:${(i + 1000).toString(16).padStart(16, '0')}`, sender: `2001:db8:1::${(i + 1).toString(16)}`, seenAt: 1000 + i }));
    expect(table.size).toBe(12);
    expect([...table.sightings()].filter((s) => s.sender.startsWith('2001:db8:1::'))).toHaveLength(6);
    for (let i = 0; i < 500; i++) table.upsert(sighting({ roomKey: `id:${(i + 5000).toString(16).padStart(16, '0')}`, sender: `10.${i % 200}.0.1`, seenAt: 5000 + i }));
    expect(table.size).toBe(20);
    // The newest room always gets in.
    expect(table.list(view).some((r) => r.key === `id:${(5499).toString(16).padStart(16, '0')}`)).toBe(true);
  });

  it('holds at most maxSightingsPerRoom sightings per room; a room that leaves makes space', () => {
    const table = new RoomTable({ maxRooms: 100, maxSightingsPerRoom: 4 });
    table.upsert(sighting({ roomKey: 'id:ffffffffffffffff', sender: '192.168.1.1', addresses: Array.from({ length: 8 }, (_, i) => `192.168.1.${i + 1}`) }));
    for (let i = 0; i < 50; i++) table.upsert(sighting({ key: `s${i}`, roomKey: 'id:ffffffffffffffff', sender: `192.168.1.${(i % 8) + 1}` }));
    expect([...table.sightings()].filter((s) => s.roomKey === 'id:ffffffffffffffff')).toHaveLength(4);
    table.expire(21_000);
    expect(table.size).toBe(0);
  });

  it('keeps at most 8 addresses per room, however many an announcement lists', () => {
    const table = new RoomTable();
    table.upsert(sighting({ addresses: Array.from({ length: 500 }, (_, i) => `192.168.1.${i % 250}`) }));
    expect(table.list(view)[0]!.addresses.length).toBeLessThanOrEqual(8);
  });

  it('drops a room whose only addresses are unusable', () => {
    const table = new RoomTable();
    table.upsert(sighting({ sender: '224.0.0.1', addresses: ['127.0.0.1'] }));
    expect(table.list(view)).toEqual([]);
  });
});

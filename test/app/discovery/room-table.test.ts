/** Merging sightings into rooms and ranking their addresses: pure, with a fixed clock. */
import { describe, expect, it } from 'vitest';
import { RoomTable, type LocalView, type Sighting } from '../../../main/app/discovery/room-table';
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
    const [lab, loop, mine] = table.list(view);
    expect(lab!.addresses).toEqual(['192.168.1.50:60003']);
    expect(mine!.addresses).toEqual(['192.168.1.20:60003', '127.0.0.1:60003']);
    expect(loop!.addresses).toEqual(['127.0.0.1:60003']);
  });

  it('sorts rooms by name so the list does not jump, and reports what changed', () => {
    const table = new RoomTable();
    expect(table.upsert(sighting({ roomKey: 'id:00000000000000c2', name: 'Zebra' }))).toBe('added');
    expect(table.upsert(sighting({ roomKey: 'id:00000000000000c1', name: 'alpha' }))).toBe('added');
    expect(table.list(view).map((r) => r.name)).toEqual(['alpha', 'Zebra']);
    expect(table.upsert(sighting({ roomKey: 'id:00000000000000c1', name: 'alpha', seenAt: 5000, expiresAt: 25_000 }))).toBe('unchanged');
    expect(table.upsert(sighting({ roomKey: 'id:00000000000000c1', name: 'alpha', people: 9 }))).toBe('updated');
  });

  it('moves a sighting to another room when its key changes (TXT id arriving after the SRV)', () => {
    const table = new RoomTable();
    table.upsert(sighting({ key: 'mdns|x|1', roomKey: 'dns:lab room._tincan._tcp.local' }));
    table.upsert(sighting({ key: 'mdns|x|1', roomKey: 'id:00000000000000aa' }));
    expect(table.list(view).map((r) => r.key)).toEqual(['id:00000000000000aa']);
  });

  it('a goodbye removes what that host said on every interface and mechanism, but not what others said', () => {
    const table = new RoomTable();
    table.upsert(sighting({ source: 'mdns', sender: '10.0.0.50', addresses: ['10.0.0.50', '192.168.1.50'] }));
    table.upsert(sighting({ source: 'beacon', sender: '192.168.1.50' }));
    table.upsert(sighting({ source: 'beacon', sender: '10.0.0.50' }));
    table.upsert(sighting({ source: 'beacon', sender: '192.168.1.99' }));
    expect(table.goodbye('id:00000000000000aa', '10.0.0.50')).toBe(true);
    const rooms = table.list(view);
    expect(rooms).toHaveLength(1);
    expect(rooms[0]!.addresses).toEqual(['192.168.1.99:60003']);
    expect(table.goodbye('id:00000000000000aa', '192.168.1.99')).toBe(true);
    expect(table.size).toBe(0);
    expect(table.goodbye('id:00000000000000aa', '192.168.1.99')).toBe(false);
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

  it('holds at most maxRooms rooms and maxSightingsPerRoom sightings; a room that leaves makes space', () => {
    const table = new RoomTable({ maxRooms: 100, maxSightingsPerRoom: 4 });
    for (let i = 0; i < 10_000; i++) {
      table.upsert(sighting({ roomKey: `id:${i.toString(16).padStart(16, '0')}`, name: `fake ${i}`, expiresAt: i < 50 ? 5000 : 50_000 }));
    }
    expect(table.size).toBe(100);
    expect(table.list(view)).toHaveLength(100);
    expect(table.upsert(sighting({ roomKey: 'id:ffffffffffffffff' }))).toBe('full');
    table.expire(5000);
    expect(table.upsert(sighting({ roomKey: 'id:ffffffffffffffff' }))).toBe('added');
    for (let i = 0; i < 50; i++) table.upsert(sighting({ roomKey: 'id:ffffffffffffffff', sender: `192.168.1.${i + 1}` }));
    expect([...table.sightings()].filter((s) => s.roomKey === 'id:ffffffffffffffff')).toHaveLength(4);
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

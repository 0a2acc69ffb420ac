/** DNS-SD records of a room, answers to queries, and the finder's cache of what it heard. */
import { createRequire } from 'node:module';
import type multicastDns from 'multicast-dns';
import { describe, expect, it } from 'vitest';
import {
  MAX_SIGHTING_S,
  RECORD_TTL_S,
  ServiceCache,
  announcementPacket,
  answerFor,
  browseQuery,
  goodbyePacket,
  instanceLabel,
  roomRecords,
  txtUpdatePacket,
} from '../../../main/app/discovery/dns-sd';
import { utf8Length } from '../../../main/common/rooms';

// dns-packet is what multicast-dns encodes with; going through it proves the records are valid on the wire.
const dnsPacket = createRequire(__filename)('dns-packet') as {
  encode: (packet: multicastDns.Packet) => Buffer;
  decode: (bytes: Buffer) => multicastDns.Packet;
};
const wire = (packet: multicastDns.Packet) => dnsPacket.decode(dnsPacket.encode(packet));

const room = { id: '0123456789abcdef', name: 'Lab room', port: 60003, people: 2, appVersion: '0.1.0' };
const link = { ipv4: ['192.168.1.20'], ipv6: ['2001:db8:1::20'] };
const records = roomRecords(room, link);
const SENDER = '192.168.1.20';

describe('DNS-SD records of a room', () => {
  it('announces PTR, SRV, TXT and the link’s addresses under a target name of its own', () => {
    const packet = wire(announcementPacket(records));
    const byType = Object.fromEntries((packet.answers ?? []).map((a) => [a.type, a]));
    expect(byType.PTR).toMatchObject({ name: '_tincan._tcp.local', data: 'Lab room._tincan._tcp.local', ttl: RECORD_TTL_S });
    expect(byType.SRV).toMatchObject({ name: 'Lab room._tincan._tcp.local', flush: true, data: { port: 60003, target: 'tincan-0123456789abcdef.local' } });
    expect((byType.TXT!.data as Buffer[]).map(String)).toEqual(['txtvers=1', 'proto=1', 'id=0123456789abcdef', 'people=2', 'app=0.1.0']);
    expect((packet.answers ?? []).filter((a) => a.type === 'A' || a.type === 'AAAA').map((a) => a.data)).toEqual(['192.168.1.20', '2001:db8:1::20']);
  });

  it('keeps the instance name one DNS label: no dots, at most 63 bytes', () => {
    expect(instanceLabel('Ana’s room on lab.3')).toBe('Ana’s room on lab\u20243');
    const long = instanceLabel('😀'.repeat(40));
    expect(utf8Length(long)).toBeLessThanOrEqual(63);
    const packet = wire(announcementPacket(roomRecords({ ...room, name: 'a.b.'.repeat(30) }, link)));
    expect(packet.answers?.[0]?.data).toMatch(/^[^.]+\._tincan\._tcp\.local$/);
  });

  it('says goodbye with every record at TTL 0', () => {
    expect((goodbyePacket(records).answers ?? []).every((a) => a.ttl === 0)).toBe(true);
  });

  it('answers a browse query with the PTR and the rest as additionals, and nothing it was not asked', () => {
    const answer = answerFor(wire(browseQuery()), records)!;
    expect(answer.answers?.map((a) => a.type)).toEqual(['PTR']);
    expect(answer.additionals?.map((a) => a.type).sort()).toEqual(['A', 'AAAA', 'SRV', 'TXT']);
    expect(answerFor({ type: 'query', questions: [{ name: '_http._tcp.local', type: 'PTR' }] }, records)).toBeNull();
    expect(answerFor({ type: 'query', questions: [{ name: 'LAB ROOM._tincan._tcp.local', type: 'TXT' }] }, records)?.answers?.map((a) => a.type)).toEqual(['TXT']);
    expect(answerFor({ type: 'query', questions: [{ name: 'tincan-0123456789abcdef.local', type: 'A' }] }, records)?.answers?.map((a) => a.data)).toEqual(['192.168.1.20']);
    expect(answerFor({ type: 'query', questions: [{ name: '_services._dns-sd._udp.local', type: 'PTR' }] }, records)?.answers?.[0]?.data).toBe('_tincan._tcp.local');
  });

  it('stays quiet when the asker already knows the PTR with at least half its TTL (known-answer suppression)', () => {
    const fresh = { ...browseQuery(), answers: [{ ...records.ptr, ttl: RECORD_TTL_S }] };
    const stale = { ...browseQuery(), answers: [{ ...records.ptr, ttl: 1 }] };
    expect(answerFor(fresh, records)).toBeNull();
    expect(answerFor(stale, records)).not.toBeNull();
  });
});

describe('ServiceCache', () => {
  it('makes a sighting from an announcement', () => {
    const cache = new ServiceCache();
    const { sightings, goodbyes } = cache.ingest(wire(announcementPacket(records)), SENDER, 1000);
    expect(goodbyes).toEqual([]);
    expect(sightings).toEqual([
      {
        key: `mdns|lab room._tincan._tcp.local|${SENDER}`,
        roomKey: 'id:0123456789abcdef',
        source: 'mdns',
        name: 'Lab room',
        port: 60003,
        sender: SENDER,
        addresses: ['192.168.1.20', '2001:db8:1::20'],
        people: 2,
        appVersion: '0.1.0',
        seenAt: 1000,
        expiresAt: 1000 + RECORD_TTL_S * 1000,
      },
    ]);
  });

  it('builds the room from answers that arrive split over several packets, and applies a TXT update alone', () => {
    const cache = new ServiceCache();
    expect(cache.ingest({ type: 'response', answers: [records.ptr] }, SENDER, 1000)).toMatchObject({ sightings: [], unresolved: ['lab room._tincan._tcp.local'] });
    cache.ingest({ type: 'response', answers: records.addresses }, SENDER, 1100);
    const { sightings } = cache.ingest({ type: 'response', answers: [records.srv, records.txt] }, SENDER, 1200);
    expect(sightings[0]).toMatchObject({ people: 2, addresses: ['192.168.1.20', '2001:db8:1::20'] });
    const update = txtUpdatePacket(roomRecords({ ...room, people: 7 }, link));
    expect(cache.ingest(wire(update), SENDER, 1300).sightings[0]).toMatchObject({ people: 7 });
  });

  it('a goodbye (PTR or SRV at TTL 0) ends the room and names its room key', () => {
    const cache = new ServiceCache();
    cache.ingest(wire(announcementPacket(records)), SENDER, 1000);
    const { goodbyes, sightings } = cache.ingest(wire(goodbyePacket(records)), SENDER, 2000);
    expect(sightings).toEqual([]);
    expect(goodbyes).toEqual([{ roomKey: 'id:0123456789abcdef', sightingKey: `mdns|lab room._tincan._tcp.local|${SENDER}`, sender: SENDER }]);
    expect(cache.size).toBe(0);
  });

  it('keys a third party’s room (no id in its TXT) by its DNS-SD name', () => {
    const cache = new ServiceCache();
    const txt = { ...records.txt, data: [Buffer.from('people=5')] };
    const { sightings } = cache.ingest({ type: 'response', answers: [records.ptr, records.srv, txt] }, SENDER, 0);
    expect(sightings[0]).toMatchObject({ roomKey: 'dns:lab room._tincan._tcp.local', people: 5, appVersion: null });
  });

  it('caps a hostile TTL, cleans the name and drops a name with nothing printable', () => {
    const cache = new ServiceCache();
    const forever = roomRecords({ ...room, name: '\u001b[2J\u202eSpoof' }, link, 4_000_000);
    const [seen] = cache.ingest({ type: 'response', answers: [forever.ptr, forever.srv, forever.txt] }, SENDER, 0).sightings;
    expect(seen).toMatchObject({ name: 'Spoof', expiresAt: MAX_SIGHTING_S * 1000 });
    const blank = roomRecords({ ...room, name: '\u0007\u0008' }, link);
    expect(cache.ingest({ type: 'response', answers: [blank.ptr, blank.srv] }, SENDER, 0).sightings).toEqual([]);
  });

  it('ignores SRV records with a bad port, queries, other services and records past the 64th', () => {
    const cache = new ServiceCache();
    const badPort = { ...records.srv, data: { port: 0, target: 'x.local' } };
    expect(cache.ingest({ type: 'response', answers: [records.ptr, badPort] }, SENDER, 0).sightings).toEqual([]);
    expect(cache.ingest({ ...announcementPacket(records), type: 'query' }, SENDER, 0).sightings).toEqual([]);
    const http = { name: '_http._tcp.local', type: 'PTR', ttl: 120, data: 'web._http._tcp.local' };
    expect(cache.ingest({ type: 'response', answers: [http] }, SENDER, 0)).toEqual({ sightings: [], goodbyes: [], unresolved: [] });
    const padding = Array.from({ length: 64 }, () => ({ name: 'x.local', type: 'A', ttl: 120, data: '10.9.9.9' }));
    expect(cache.ingest({ type: 'response', answers: [...padding, records.ptr, records.srv] }, '10.1.1.1', 0).sightings).toEqual([]);
  });

  it('holds at most maxInstances rooms and 8 addresses per target, and expires what is not heard again', () => {
    const cache = new ServiceCache({ maxInstances: 10, maxHosts: 10 });
    for (let i = 0; i < 1000; i++) {
      const r = roomRecords({ ...room, id: i.toString(16).padStart(16, '0'), name: `fake ${i}` }, { ipv4: Array.from({ length: 20 }, (_, j) => `10.0.${i % 250}.${j}`), ipv6: [] });
      cache.ingest(announcementPacket(r), SENDER, 0);
    }
    expect(cache.size).toBe(10);
    const [first] = cache.ingest(announcementPacket(roomRecords({ ...room, id: '0'.repeat(16), name: 'fake 0' }, { ipv4: ['10.0.0.1'], ipv6: [] })), SENDER, 0).sightings;
    expect(first!.addresses.length).toBeLessThanOrEqual(8);
    cache.expire(MAX_SIGHTING_S * 1000 + 1);
    expect(cache.size).toBe(0);
  });

  it('gives a link-local AAAA the zone of the interface it arrived on', () => {
    const cache = new ServiceCache();
    const r = roomRecords(room, { ipv4: [], ipv6: ['fe80::20'] });
    const [seen] = cache.ingest(announcementPacket(r), 'fe80::20%lan0', 0).sightings;
    expect(seen!.addresses).toEqual(['fe80::20%lan0']);
  });

  it('replaces a target’s addresses of one type when a cache-flush record of that type arrives more than a second later', () => {
    const cache = new ServiceCache();
    cache.ingest(announcementPacket(records), SENDER, 0);
    const moved = roomRecords(room, { ipv4: ['192.168.1.21'], ipv6: [] });
    const [seen] = cache.ingest(announcementPacket(moved), SENDER, 5000).sightings;
    expect([...seen!.addresses].sort()).toEqual(['192.168.1.21', '2001:db8:1::20']);
  });
});

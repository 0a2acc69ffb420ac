/** Room names typed by a host, and names and values received from the network. */
import { describe, expect, it } from 'vitest';
import { decodeBeacon } from '../../../main/app/discovery/beacon';
import { ServiceCache } from '../../../main/app/discovery/dns-sd';
import { checkRoomName, cleanPeople, cleanReceivedName, cleanRoomId, cleanVersion, newRoomId } from '../../../main/app/discovery/room-name';
import { MAX_ROOM_NAME_BYTES, clipToBytes, defaultRoomName, utf8Length } from '../../../main/common/rooms';

describe('room names', () => {
  it('defaults to "<user>’s room on <host>", with the host name cut at its first dot', () => {
    expect(defaultRoomName('ana', 'lab-3.example.org')).toBe('ana’s room on lab-3');
    expect(defaultRoomName('', 'lab-3')).toBe('Room on lab-3');
    expect(defaultRoomName('ana', '')).toBe('ana’s room');
    expect(defaultRoomName('', '')).toBe('Tincan room');
  });

  it('keeps a default name within the 63-byte DNS-SD limit whatever the user and host names are', () => {
    const name = defaultRoomName('Ζωή-Αναστασία-Παπαδοπούλου-Κωνσταντινίδου', '東京オフィスの会議室の大きなコンピューター');
    expect(utf8Length(name)).toBeLessThanOrEqual(MAX_ROOM_NAME_BYTES);
    expect(name.startsWith('Ζωή')).toBe(true);
  });

  it('counts UTF-8 bytes and cuts on character boundaries (emoji are 4 bytes)', () => {
    expect(utf8Length('a é € 😀')).toBe(1 + 1 + 2 + 1 + 3 + 1 + 4);
    expect(clipToBytes('😀😀', 7)).toBe('😀');
    expect(clipToBytes('abc', 2)).toBe('ab');
  });

  it('accepts a typed name, cleaned, and refuses empty or over-long ones with a sentence', () => {
    expect(checkRoomName('  Lab \u001b[31m3\t room ')).toEqual({ ok: true, name: 'Lab 3 room' });
    expect(checkRoomName(' \u0007 ')).toEqual({ ok: false, error: 'The room needs a name others will recognise.' });
    const long = checkRoomName('x'.repeat(64));
    expect(long.ok).toBe(false);
    expect(!long.ok && long.error).toMatch(/too long: at most 63 bytes.*this one is 64/);
    expect(checkRoomName('x'.repeat(63)).ok).toBe(true);
  });

  it('cleans received names: no controls, no bidi overrides or zero-width characters, single spaces', () => {
    expect(cleanReceivedName('\u202eevil\u202c\u200b room\r\nline')).toBe('evil room line');
    expect(cleanReceivedName('\u001b]0;title\u0007')).toBeNull();
    expect(utf8Length(cleanReceivedName('€'.repeat(10_000)) ?? '')).toBe(63);
  });

  it('a name that only looks empty, or looks like another, is cleaned the same wherever it arrives', () => {
    const tags = '\u{e0041}\u{e0042}';
    const disguised = `Lab\u3164\u2800${tags}\ufe00\u034f room${'\u0301'.repeat(30)}`;
    const cleaned = `Lab room${'\u0301'.repeat(3)}`;
    expect(cleanReceivedName(disguised)).toBe(cleaned);
    for (const blank of ['\u3164', '\u2800\u2800', tags, '\ufe0f', '\u034f', ' \u0301'.repeat(30)]) {
      expect(cleanReceivedName(blank)).toBeNull();
      expect(checkRoomName(blank).ok).toBe(false);
    }
    expect(checkRoomName(disguised)).toEqual({ ok: true, name: cleaned });
    // A beacon…
    const beacon = (name: string) => decodeBeacon(Buffer.from(JSON.stringify({ tincan: 1, type: 'room', id: '0123456789abcdef', name, port: 60003, ttl: 10 })));
    expect(beacon(disguised)).toMatchObject({ name: cleaned });
    expect(beacon('\u3164\u2800')).toBeNull();
    // …and a multicast DNS answer.
    const cache = new ServiceCache();
    const fqdn = `${disguised}._tincan._tcp.local`;
    const { sightings } = cache.ingest(
      {
        type: 'response',
        answers: [
          { name: fqdn, type: 'SRV', ttl: 20, data: { port: 60003, target: 'h.local', priority: 0, weight: 0 } },
          { name: fqdn, type: 'TXT', ttl: 20, data: [Buffer.from('id=0123456789abcdef')] },
          { name: 'h.local', type: 'A', ttl: 20, data: '192.168.1.50' },
        ],
      },
      '192.168.1.50',
      1000,
    );
    expect(sightings.map((s) => s.name)).toEqual([cleaned]);
  });

  it('reads people, versions and ids strictly', () => {
    expect(cleanPeople('12')).toBe(12);
    expect(cleanPeople(12)).toBe(12);
    for (const bad of ['-1', '1e3', '', ' 1', 'x', 1.5, -1, 2_000_000, '99999999', null, undefined]) expect(cleanPeople(bad)).toBeNull();
    expect(cleanVersion('1.2.3-beta.1+build')).toBe('1.2.3-beta.1+build');
    for (const bad of ['', ' 1', '<b>', 'x'.repeat(40), 3]) expect(cleanVersion(bad)).toBeNull();
    expect(cleanRoomId('0123456789abcdef')).toBe('0123456789abcdef');
    for (const bad of ['0123', 'ABCDEF01', 'g123456789', 'a'.repeat(33), 7]) expect(cleanRoomId(bad)).toBeNull();
    expect(cleanRoomId(newRoomId())).not.toBeNull();
    expect(newRoomId()).not.toBe(newRoomId());
  });
});

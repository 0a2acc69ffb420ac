/** The UDP beacon's wire format: what is sent, what is accepted, and that nothing else is. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_BEACON_BYTES,
  decodeBeacon,
  encodeByeBeacon,
  encodeQueryBeacon,
  encodeRoomBeacon,
} from '../../../main/app/discovery/beacon';

const room = { id: '9f2c4e1a7b3d5f60', name: 'Ana’s room on lab-3', port: 60003, people: 4, app: '0.1.0', ttl: 10 };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('beacon codec', () => {
  it('round-trips room, bye and query beacons in the documented JSON', () => {
    const bytes = encodeRoomBeacon(room);
    expect(JSON.parse(bytes.toString())).toEqual({ tincan: 1, type: 'room', ...room, proto: 1 });
    expect(decodeBeacon(bytes)).toEqual({ type: 'room', id: room.id, name: room.name, port: 60003, people: 4, proto: 1, app: '0.1.0', ttl: 10 });
    expect(decodeBeacon(encodeByeBeacon(room.id, 4000))).toEqual({ type: 'bye', id: room.id, port: 4000 });
    expect(decodeBeacon(encodeQueryBeacon())).toEqual({ type: 'query' });
    expect(encodeQueryBeacon().toString()).toBe('{"tincan":1,"type":"query"}');
  });

  it('never encodes more than 512 bytes, however the name is made', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (name) => {
        const bytes = encodeRoomBeacon({ ...room, name });
        expect(bytes.length).toBeLessThanOrEqual(MAX_BEACON_BYTES);
        expect(() => void JSON.parse(bytes.toString())).not.toThrow();
      }),
    );
    // The worst case: 63 bytes of characters JSON must escape.
    expect(encodeRoomBeacon({ ...room, name: '"\\'.repeat(40) }).length).toBeLessThanOrEqual(MAX_BEACON_BYTES);
  });

  it('accepts a later format version that keeps the version-1 fields, ignoring fields it does not know', () => {
    expect(decodeBeacon(json({ tincan: 2, type: 'room', ...room, proto: 1, extra: { nested: true } }))).toMatchObject({ type: 'room', id: room.id });
  });

  it('cleans the name like chat text and refuses one with nothing printable', () => {
    const decoded = decodeBeacon(json({ tincan: 1, type: 'room', ...room, name: '\u001b[2J\u202eevil\u0007 room\u200b' }));
    expect(decoded).toMatchObject({ name: 'evil room' });
    expect(decodeBeacon(json({ tincan: 1, type: 'room', ...room, name: '\u001b[31m\u0007 \t' }))).toBeNull();
  });

  it('cuts a long name to 63 bytes on a character boundary', () => {
    const decoded = decodeBeacon(json({ tincan: 1, type: 'room', ...room, name: 'é'.repeat(100) }));
    expect(decoded?.type === 'room' && decoded.name).toBe('é'.repeat(31));
  });

  it('drops optional fields that are malformed instead of the beacon', () => {
    expect(decodeBeacon(json({ tincan: 1, type: 'room', ...room, people: -1, app: '<script>', proto: 'x' }))).toMatchObject({
      people: null,
      app: null,
      proto: null,
    });
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['not JSON', Buffer.from('{hello')],
    ['JSON but not an object', Buffer.from('[1,2]')],
    ['a number', Buffer.from('{}'.replace('{}', '42'))],
    ['no version', json({ type: 'query' })],
    ['version 0', json({ tincan: 0, type: 'query' })],
    ['version as a string', json({ tincan: '1', type: 'query' })],
    ['unknown type', json({ tincan: 1, type: 'party' })],
    ['room without id', json({ tincan: 1, type: 'room', ...room, id: undefined })],
    ['room with an upper-case id', json({ tincan: 1, type: 'room', ...room, id: 'ABCDEF0123456789' })],
    ['room with port 0', json({ tincan: 1, type: 'room', ...room, port: 0 })],
    ['room with port 70000', json({ tincan: 1, type: 'room', ...room, port: 70000 })],
    ['room with a fractional port', json({ tincan: 1, type: 'room', ...room, port: 600.5 })],
    ['room with ttl 0', json({ tincan: 1, type: 'room', ...room, ttl: 0 })],
    ['room with ttl of a day', json({ tincan: 1, type: 'room', ...room, ttl: 86400 })],
    ['room with a name that is not a string', json({ tincan: 1, type: 'room', ...room, name: ['x'] })],
    ['bye without port', json({ tincan: 1, type: 'bye', id: room.id })],
    ['longer than 512 bytes', Buffer.from(JSON.stringify({ tincan: 1, type: 'query', pad: 'x'.repeat(600) }))],
  ])('ignores a datagram that is %s', (_what, datagram) => {
    expect(decodeBeacon(datagram)).toBeNull();
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(() => decodeBeacon(bytes)).not.toThrow();
      }),
    );
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(() => decodeBeacon(Buffer.from(text))).not.toThrow();
      }),
    );
  });
});

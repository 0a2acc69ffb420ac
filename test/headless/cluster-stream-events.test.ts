/** Stream entries are read as if a stranger wrote them: only well-formed events get through. */
import { describe, expect, it } from 'vitest';
import { personNameKey } from '../../main/common/person-name';
import { canonicalPeer, compareIds, parseStreamEntry } from '../../main/headless/cluster/stream-events';

const NODE = 'a1b2c3d4e5f6';
const MAX_LINE = 8192;

function entry(id: string, fields: Record<string, string | Buffer>): unknown {
  return [Buffer.from(id), Object.entries(fields).flatMap(([name, value]) => [Buffer.from(name), Buffer.isBuffer(value) ? value : Buffer.from(value)])];
}

const line = { k: 'l', o: '7', n: NODE, s: '3', c: '12', p: '10.0.0.5:50123', t: 'hello' };
const naming = { k: 'n', o: '7', n: NODE, s: '3', c: '12', p: '10.0.0.5:50123', a: 'Alice', h: personNameKey('Alice') };

describe('parseStreamEntry', () => {
  it('reads a line, a join and a reaped departure', () => {
    expect(parseStreamEntry(entry('1700000000000-0', line), MAX_LINE)).toEqual({
      id: '1700000000000-0', kind: 'line', ordinal: 7, node: NODE, seq: 3, client: 12, peer: '10.0.0.5:50123', text: Buffer.from('hello'), reaper: null, name: null, key: null,
    });
    expect(parseStreamEntry(entry('1-1', { k: 'j', o: '1', n: NODE, s: '1', c: '1', p: '[::1]:4000' }), MAX_LINE)).toMatchObject({ kind: 'join', peer: '[::1]:4000', text: null });
    expect(parseStreamEntry(entry('1-2', { k: 'q', o: '2', n: NODE, c: '1', p: '[fe80::1%eth0]:4000', r: 'ffffffffffff' }), MAX_LINE)).toMatchObject({ kind: 'leave', seq: null, reaper: 'ffffffffffff' });
  });

  it('reads a name taken and a name dropped', () => {
    expect(parseStreamEntry(entry('1-3', naming), MAX_LINE)).toMatchObject({ kind: 'name', name: 'Alice', key: personNameKey('Alice'), text: null });
    expect(parseStreamEntry(entry('1-4', { k: 'n', o: '8', n: NODE, s: '4', c: '12', p: '10.0.0.5:50123' }), MAX_LINE)).toMatchObject({ kind: 'name', name: null, key: null });
  });

  it.each([
    ['an unknown kind', { ...line, k: 'x' }],
    ['a kind of two letters', { ...line, k: 'll' }],
    ['no ordinal', { k: 'l', n: NODE, s: '3', c: '12', p: '10.0.0.5:50123', t: 'hello' }],
    ['a node id that is not 12 hex digits', { ...line, n: 'A1B2C3D4E5F6' }],
    ['a node id with a newline', { ...line, n: `${NODE}\n` }],
    ['a client id that is not a number', { ...line, c: '1e3' }],
    ['a sequence number that is negative', { ...line, s: '-1' }],
    ['a huge sequence number', { ...line, s: '9'.repeat(16) }],
    ['a peer with a forged notice after it', { ...line, p: '10.0.0.5:1] (connected)\n[10.0.0.6:2' }],
    ['a peer that is a host name', { ...line, p: 'evil.example:80' }],
    ['a peer with a port above 65535', { ...line, p: '10.0.0.5:70000' }],
    ['an IPv4 peer with an octet above 255', { ...line, p: '10.0.0.256:1' }],
    ['a non-canonical IPv4-mapped peer', { ...line, p: '[::ffff:10.0.0.5]:1' }],
    ['an unbracketed IPv6 peer', { ...line, p: '::1:4000' }],
    ['a line without text', { k: 'l', o: '7', n: NODE, s: '3', c: '12', p: '10.0.0.5:50123' }],
    ['a join with text', { k: 'j', o: '7', n: NODE, s: '3', c: '12', p: '10.0.0.5:50123', t: 'x' }],
    ['a join claiming to come from a reaper', { k: 'j', o: '7', n: NODE, c: '12', p: '10.0.0.5:50123', r: NODE }],
    ['a reaped departure with a sequence number', { k: 'q', o: '7', n: NODE, s: '1', c: '12', p: '10.0.0.5:50123', r: NODE }],
    ['a departure without sequence or reaper', { k: 'q', o: '7', n: NODE, c: '12', p: '10.0.0.5:50123' }],
    ['an unknown field', { ...line, z: '1' }],
    ['a name without its key', { k: 'n', o: '7', n: NODE, s: '3', c: '12', p: '10.0.0.5:50123', a: 'Alice' }],
    ['a name under a key that is not its look-alike key', { ...naming, h: 'bob' }],
    ['a name that is not clean (bidi control)', { ...naming, a: 'Al\u202eice', h: personNameKey('Al\u202eice') }],
    ['a name that is not clean (brackets)', { ...naming, a: '[1.2.3.4:5]', h: personNameKey('[1.2.3.4:5]') }],
    ['a name that is not UTF-8', { ...naming, a: Buffer.from([0x41, 0xff]), h: Buffer.from([0x61, 0xff]) }],
    ['a name of 33 characters', { ...naming, a: 'a'.repeat(33), h: 'a'.repeat(33) }],
    ['a name on a line', { ...line, a: 'Alice', h: personNameKey('Alice') }],
    ['a name from a reaper', { k: 'n', o: '7', n: NODE, c: '12', p: '10.0.0.5:50123', r: NODE }],
  ])('drops %s', (_what, fields) => {
    expect(parseStreamEntry(entry('1-0', fields), MAX_LINE)).toBeNull();
  });

  it('drops replies that are not entries', () => {
    for (const bad of [null, 'x', [], [Buffer.from('1-0')], [Buffer.from('not-an-id'), []], [Buffer.from('1-0'), 'fields'], [Buffer.from('1-0'), [Buffer.from('k')]]]) {
      expect(parseStreamEntry(bad, MAX_LINE)).toBeNull();
    }
  });

  it('drops a text a node never writes: longer than its --max-line, or with CR or LF in it', () => {
    expect(parseStreamEntry(entry('1-0', { ...line, t: Buffer.alloc(MAX_LINE, 0x61) }), MAX_LINE)?.text?.length).toBe(MAX_LINE);
    for (const t of [Buffer.alloc(MAX_LINE + 1, 0x61), 'one\ntwo', 'one\rtwo', '\n']) {
      expect(parseStreamEntry(entry('1-0', { ...line, t }), MAX_LINE)).toBeNull();
    }
  });
});

describe('canonicalPeer', () => {
  it('accepts exactly what the server prints', () => {
    expect(canonicalPeer('192.168.1.20:60003')).toBe('192.168.1.20:60003');
    expect(canonicalPeer('[2001:db8::1]:1')).toBe('[2001:db8::1]:1');
    expect(canonicalPeer('192.168.1.20')).toBeNull();
    expect(canonicalPeer(`[${'1:'.repeat(40)}1]:1`)).toBeNull();
  });
});

describe('compareIds', () => {
  it('compares stream ids as numbers, milliseconds first', () => {
    expect(compareIds('1-0', '1-0')).toBe(0);
    expect(compareIds('9-0', '10-0')).toBe(-1);
    expect(compareIds('10-2', '10-10')).toBe(-1);
    expect(compareIds('18446744073709551615-0', '18446744073709551614-99')).toBe(1);
    expect(compareIds('0-0', '1700000000000-0')).toBe(-1);
    expect(compareIds('007-1', '7-1')).toBe(0);
    expect(compareIds('1700000000000-5', '1700000000000-12')).toBe(-1);
  });
});

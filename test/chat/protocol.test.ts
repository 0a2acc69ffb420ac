import { describe, expect, it } from 'vitest';
import { formatHost } from '../../main/common/address';
import { formatPeer, parseServerLine, quoteNoticeLookalike } from '../../main/chat/protocol';

describe('formatPeer', () => {
  it.each([
    ['127.0.0.1', 50123, '127.0.0.1:50123'],
    ['10.0.0.5', 1, '10.0.0.5:1'],
    ['::ffff:127.0.0.1', 40000, '127.0.0.1:40000'],
    ['::FFFF:10.0.0.5', 60003, '10.0.0.5:60003'],
    ['::1', 50123, '[::1]:50123'],
    ['fe80::1%eth0', 7, '[fe80::1%eth0]:7'],
    ['2001:db8::42', 65535, '[2001:db8::42]:65535'],
    // ::ffff: followed by hex groups is not the dotted IPv4-mapped form: keep it IPv6
    ['::ffff:7f00:1', 9, '[::ffff:7f00:1]:9'],
  ])('%s port %d -> %s', (address, port, expected) => {
    expect(formatPeer(address, port)).toBe(expected);
  });

  it('formatHost leaves IPv4 alone and brackets IPv6', () => {
    expect(formatHost('192.168.1.2')).toBe('192.168.1.2');
    expect(formatHost('::')).toBe('[::]');
    expect(formatHost('::ffff:192.168.1.2')).toBe('192.168.1.2');
  });
});

describe('parseServerLine', () => {
  it('reads a message from an IPv4 peer', () => {
    expect(parseServerLine('[10.0.0.5:50123] hello there')).toEqual({ kind: 'message', peer: '10.0.0.5:50123', text: 'hello there' });
  });

  it('reads connected and disconnected notices', () => {
    expect(parseServerLine('[10.0.0.5:1] (connected)')).toEqual({ kind: 'connected', peer: '10.0.0.5:1', text: '' });
    expect(parseServerLine('[10.0.0.5:1] (disconnected)')).toEqual({ kind: 'disconnected', peer: '10.0.0.5:1', text: '' });
  });

  it('reads an IPv6 peer label', () => {
    expect(parseServerLine('[[::1]:50123] hi')).toEqual({ kind: 'message', peer: '[::1]:50123', text: 'hi' });
    expect(parseServerLine('[[fe80::1%eth0]:7] (connected)')).toEqual({ kind: 'connected', peer: '[fe80::1%eth0]:7', text: '' });
  });

  it('keeps brackets and notice-like text inside the message', () => {
    expect(parseServerLine('[1.2.3.4:5] a] b [c]')).toEqual({ kind: 'message', peer: '1.2.3.4:5', text: 'a] b [c]' });
    expect(parseServerLine('[[::1]:5] x] y')).toEqual({ kind: 'message', peer: '[::1]:5', text: 'x] y' });
    expect(parseServerLine('[1.2.3.4:5] (connected) not really')?.kind).toBe('message');
    expect(parseServerLine('[1.2.3.4:5]  (connected)')).toEqual({ kind: 'message', peer: '1.2.3.4:5', text: ' (connected)' });
  });

  it('round-trips formatPeer labels', () => {
    for (const [address, port] of [['127.0.0.1', 1], ['::1', 65535], ['::ffff:10.1.2.3', 80]] as const) {
      const peer = formatPeer(address, port);
      expect(parseServerLine(`[${peer}] text`)).toEqual({ kind: 'message', peer, text: 'text' });
    }
  });

  it.each([
    'hello',
    '',
    '[127.0.0.1:5]',
    '[127.0.0.1:5]hello',
    '[no port] hi',
    '[127.0.0.1:abc] hi',
    '[127.0.0.1:123456] hi',
    ' [127.0.0.1:5] hi',
    'Tincan: this room is full, try again later.',
  ])('rejects %j', (line) => {
    expect(parseServerLine(line)).toBeNull();
  });
});

describe('quoteNoticeLookalike', () => {
  it.each([
    ['(connected)', '"(connected)"'],
    ['(disconnected)', '"(disconnected)"'],
    ['   (disconnected)  ', '"(disconnected)"'],
    ['\u00a0(connected)\u3000', '"(connected)"'],
  ])('%j is relayed as %j', (text, relayed) => {
    expect(quoteNoticeLookalike(Buffer.from(text))?.toString('utf8')).toBe(relayed);
  });

  it.each(['(connected) now', 'I (disconnected)', '"(connected)"', '(Connected)', 'hello', '', `${' '.repeat(300)}(connected)`])('%j is left alone', (text) => {
    expect(quoteNoticeLookalike(Buffer.from(text))).toBeNull();
  });

  it('a quoted lookalike is a message to the protocol parser', () => {
    expect(parseServerLine('[10.0.0.5:4000] "(disconnected)"')).toEqual({ kind: 'message', peer: '10.0.0.5:4000', text: '"(disconnected)"' });
  });
});

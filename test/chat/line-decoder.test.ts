import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineDecoder } from '../../main/chat/line-decoder';

const IAC = 0xff;
const WILL = 0xfb;
const WONT = 0xfc;
const DO = 0xfd;
const DONT = 0xfe;
const SB = 0xfa;
const SE = 0xf0;
const NOP = 0xf1;
const GA = 0xf9;

type Input = string | number[] | Uint8Array;
const bytesOf = (input: Input): Buffer =>
  typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
const cat = (...parts: Input[]): Buffer => Buffer.concat(parts.map(bytesOf));

interface Decoded {
  lines: Buffer[];
  maxPending: number;
}

/** Feeds the chunks in order (then end() when asked) and copies every line handed out. */
function run(chunks: Uint8Array[], max = 8192, end = false): Decoded {
  const lines: Buffer[] = [];
  const decoder = new LineDecoder(max, (line) => lines.push(Buffer.from(line)));
  let maxPending = 0;
  for (const chunk of chunks) {
    decoder.push(chunk);
    maxPending = Math.max(maxPending, decoder.pendingBytes);
  }
  if (end) decoder.end();
  return { lines, maxPending };
}
const texts = (decoded: Decoded) => decoded.lines.map((line) => line.toString('utf8'));
const decodeWhole = (input: Input, max = 8192, end = false) => texts(run([bytesOf(input)], max, end));
const bytewise = (bytes: Buffer): Buffer[] => [...bytes].map((b) => Buffer.from([b]));

/** Every way of cutting `bytes` in two, plus one byte at a time: all must give the same lines. */
function expectSameHoweverSplit(input: Input, expected: string[], max = 8192, end = false): void {
  const bytes = bytesOf(input);
  expect(texts(run([bytes], max, end)), 'in one chunk').toEqual(expected);
  expect(texts(run(bytewise(bytes), max, end)), 'byte by byte').toEqual(expected);
  for (let at = 0; at <= bytes.length; at++) {
    expect(texts(run([bytes.subarray(0, at), bytes.subarray(at)], max, end)), `split at ${at}`).toEqual(expected);
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

describe('LineDecoder: line ends', () => {
  it.each<[string, Input, string[]]>([
    ['LF', 'hello\n', ['hello']],
    ['CRLF', 'hello\r\n', ['hello']],
    ['lone CR', 'hello\r', ['hello']],
    ['CR NUL (telnet)', 'hello\r\0', ['hello']],
    ['mixed', 'a\nb\r\nc\rd\r\0e\n', ['a', 'b', 'c', 'd', 'e']],
    ['CR then data', 'one\rtwo\n', ['one', 'two']],
    ['CR CR LF', 'one\r\r\ntwo\n', ['one', 'two']],
    ['several lines in one chunk', 'x\ny\nz\n', ['x', 'y', 'z']],
    ['blank and whitespace-only lines are dropped', '\n\n   \n\t\t\n \r\n\r\0\rok\n', ['ok']],
    ['spaces around text are kept', '  x  \n', ['  x  ']],
    ['tab becomes one space', 'a\tb\t\tc\n', ['a b  c']],
    ['no line end: nothing yet', 'unfinished', []],
    ['UTF-8 text', 'héllo 🌍 中文\n', ['héllo 🌍 中文']],
  ])('%s', (_name, input, expected) => {
    expectSameHoweverSplit(input, expected);
  });

  it('the NUL of CR NUL is part of the line end, not of the next line (it would count against the bound)', () => {
    expectSameHoweverSplit(`x\r\0${'a'.repeat(16)}\n`, ['x', 'a'.repeat(16)], 16);
    expectSameHoweverSplit(`x\r\n${'a'.repeat(16)}\n`, ['x', 'a'.repeat(16)], 16);
  });

  it('end() delivers the unfinished last line, once', () => {
    expect(decodeWhole('a\nlast words', 8192, true)).toEqual(['a', 'last words']);
    const lines: string[] = [];
    const decoder = new LineDecoder(8192, (line) => lines.push(line.toString()));
    decoder.push(Buffer.from('tail'));
    decoder.end();
    decoder.end();
    expect(lines).toEqual(['tail']);
  });

  it('reset() forgets an unfinished line', () => {
    const lines: string[] = [];
    const decoder = new LineDecoder(8192, (line) => lines.push(line.toString()));
    decoder.push(Buffer.from('secret half li'));
    expect(decoder.pendingBytes).toBe(14);
    decoder.reset();
    expect(decoder.pendingBytes).toBe(0);
    decoder.push(Buffer.from('ne\n'));
    decoder.end();
    expect(lines).toEqual(['ne']);
  });

  it('rejects a silly maximum', () => {
    expect(() => new LineDecoder(3, () => {})).toThrow(RangeError);
    expect(() => new LineDecoder(10.5, () => {})).toThrow(RangeError);
  });

  it('accepts any Uint8Array, not only Buffers', () => {
    const lines: string[] = [];
    const decoder = new LineDecoder(64, (line) => lines.push(line.toString()));
    const backing = new Uint8Array([0x78, 0x68, 0x69, 0x0a, 0x79]);
    decoder.push(backing.subarray(1, 4));
    expect(lines).toEqual(['hi']);
  });
});

describe('LineDecoder: telnet', () => {
  it.each<[string, Input, string[]]>([
    ['IAC WILL/WONT/DO/DONT option', cat('a', [IAC, WILL, 1], 'b', [IAC, WONT, 3], 'c', [IAC, DO, 24], 'd', [IAC, DONT, 31], 'e\n'), ['abcde']],
    ['negotiation before the first line', cat([IAC, DO, 1, IAC, WILL, 3, IAC, DO, 3], 'hi\r\n'), ['hi']],
    ['option byte that looks like a line end', cat('x', [IAC, WILL, 0x0a], 'y', [IAC, DO, 0x0d], 'z\n'), ['xyz']],
    ['subnegotiation SB…SE', cat('a', [IAC, SB, 24, 0], 'xterm-256color', [IAC, SE], 'b\n'), ['ab']],
    ['subnegotiation containing CR/LF and IAC IAC', cat('a', [IAC, SB, 31, 0, 0x0a, 0x0d, IAC, IAC, 0x50], [IAC, SE], 'b\n'), ['ab']],
    ['IAC IAC is a literal 0xFF byte (invalid UTF-8)', cat('a', [IAC, IAC], 'b\n'), ['a\ufffdb']],
    ['two-byte commands (NOP, GA) are dropped', cat('a', [IAC, NOP], 'b', [IAC, GA], 'c\n'), ['abc']],
    ['telnet line end with negotiation in between', cat('hello', [IAC, WILL, 34], '\r\0world\r\n'), ['hello', 'world']],
    ['IAC right after CR', cat('one\r', [IAC, DO, 1], 'two\n'), ['one', 'two']],
  ])('%s (every split)', (_name, input, expected) => {
    expectSameHoweverSplit(input, expected);
  });
});

describe('LineDecoder: UTF-8', () => {
  it('a 4-byte emoji split at each position', () => {
    const emoji = Buffer.from('🌍', 'utf8');
    expect(emoji.length).toBe(4);
    for (let at = 1; at < 4; at++) {
      const out = texts(run([cat('<', emoji.subarray(0, at)), cat(emoji.subarray(at), '>\n')]));
      expect(out, `split at ${at}`).toEqual(['<🌍>']);
    }
    expectSameHoweverSplit('a🌍b€c\n', ['a🌍b€c']);
  });

  it.each<[string, number[], string]>([
    ['lone 0xFE', [0x61, 0xfe, 0x62], 'a\ufffdb'],
    ['lone continuation byte', [0x61, 0x80, 0x62], 'a\ufffdb'],
    ['bad second byte', [0xc3, 0x28], '\ufffd('],
    ['overlong slash', [0xc0, 0xaf, 0x78], '\ufffd\ufffdx'],
    ['UTF-16 surrogate encoded', [0x61, 0xed, 0xa0, 0x80, 0x62], 'a\ufffd\ufffd\ufffdb'],
    ['truncated 3-byte sequence at line end', [0x61, 0xe2, 0x82], 'a\ufffd'],
  ])('invalid UTF-8 (%s) becomes U+FFFD', (_name, bytes, expected) => {
    expectSameHoweverSplit([...bytes, 0x0a], [expected]);
  });

  it('C1 controls encoded in UTF-8 (0xC2 0x9B = CSI) are stripped', () => {
    expectSameHoweverSplit(cat('a', [0xc2, 0x9b], '2Jb', [0xc2, 0x85], 'c\n'), ['abc']);
  });

  it('ANSI escapes are stripped', () => {
    expectSameHoweverSplit('\x1b[2J\x1b[Hhi \x1b[31mred\x1b[0m\x1b]0;pwned\x07!\x07\x08\x7f\n', ['hi red!']);
  });
});

describe('LineDecoder: long lines', () => {
  function expectPieces(text: string, max: number): Buffer[] {
    const input = cat(text, '\n');
    const whole = run([input], max);
    const split = run(bytewise(input), max);
    expect(split.lines.map(String)).toEqual(whole.lines.map(String));
    expect(split.maxPending).toBeLessThanOrEqual(max);
    for (const piece of whole.lines) {
      expect(piece.length).toBeGreaterThan(0);
      expect(piece.length).toBeLessThanOrEqual(max);
      expect(Buffer.from(piece.toString('utf8'), 'utf8').equals(piece), 'piece is valid UTF-8').toBe(true);
    }
    expect(whole.lines.map((piece) => piece.toString('utf8')).join('')).toBe(text);
    return whole.lines;
  }

  it('ASCII: cut into pieces of exactly the maximum', () => {
    const text = 'abcdefghij'.repeat(2000); // 20000 bytes
    const pieces = expectPieces(text, 8192);
    expect(pieces.map((p) => p.length)).toEqual([8192, 8192, 3616]);
  });

  it.each([
    ['2-byte characters', 'é'],
    ['3-byte characters', '€'],
    ['4-byte characters', '🌍'],
    ['mixed', 'aé€🌍'],
    ['mixed, shifted', 'xyaé🌍€'],
  ])('%s are never cut in half, whatever the maximum', (_name, unit) => {
    for (const max of [16, 17, 18, 19, 64, 8192]) {
      expectPieces(unit.repeat(Math.ceil((3 * max + 7) / Buffer.byteLength(unit))), max);
    }
  });

  it('never buffers more than the maximum, even for megabytes without a newline', () => {
    const lines: number[] = [];
    const decoder = new LineDecoder(8192, (line) => lines.push(line.length));
    const chunk = Buffer.alloc(65536, 0x61);
    for (let i = 0; i < 32; i++) {
      decoder.push(chunk);
      expect(decoder.pendingBytes).toBeLessThanOrEqual(8192);
    }
    expect(lines.length).toBe(256);
    expect(lines.every((n) => n === 8192)).toBe(true);
  });

  it('a line of invalid bytes grows when cleaned but still comes out in pieces ≤ max', () => {
    const max = 64;
    const out = run([Buffer.concat([Buffer.alloc(200, 0xfe), Buffer.from('\n')])], max);
    for (const piece of out.lines) expect(piece.length).toBeLessThanOrEqual(max);
    expect(out.lines.map(String).join('')).toBe('\ufffd'.repeat(200));
  });

  it('a long line mixed with telnet commands', () => {
    const body = 'x'.repeat(50);
    const input = cat(body.slice(0, 20), [IAC, WILL, 1], body.slice(20, 40), [IAC, SB, 1, 2, IAC, SE], body.slice(40), '\n');
    expectSameHoweverSplit(input, ['x'.repeat(16), 'x'.repeat(16), 'x'.repeat(16), 'xx'], 16);
  });
});

describe('LineDecoder: properties', () => {
  // Bytes drawn mostly from the interesting ones: line ends, telnet, escapes, UTF-8 leads.
  const interesting = [0x0a, 0x0d, 0x00, 0x09, 0x1b, 0x5b, 0x5d, 0x07, 0x20, 0x7f, IAC, WILL, DO, SB, SE, NOP,
    0xc2, 0x9b, 0x85, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x8c, 0x8d, 0x80, 0xbf, 0xc0, 0xfe, 0x61, 0x62];
  const byte = fc.oneof(fc.constantFrom(...interesting), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0x20, max: 0x7e }));
  const stream = fc.array(byte, { maxLength: 400 }).map((list) => Buffer.from(list));
  const cuts = fc.array(fc.nat(), { maxLength: 12 });

  function splitAt(bytes: Buffer, points: number[]): Buffer[] {
    const at = [...new Set(points.map((p) => (bytes.length === 0 ? 0 : p % (bytes.length + 1))))].sort((a, b) => a - b);
    const out: Buffer[] = [];
    let from = 0;
    for (const p of at) {
      out.push(bytes.subarray(from, p));
      from = p;
    }
    out.push(bytes.subarray(from));
    return out;
  }

  it('same lines however the stream is split; output clean, valid, bounded, never blank', () => {
    fc.assert(
      fc.property(stream, cuts, fc.integer({ min: 4, max: 40 }), fc.boolean(), (bytes, points, max, end) => {
        const whole = run([bytes], max, end);
        const pieces = run(splitAt(bytes, points), max, end);
        const single = run(bytewise(bytes), max, end);
        expect(texts(pieces)).toEqual(texts(whole));
        expect(texts(single)).toEqual(texts(whole));
        expect(pieces.maxPending).toBeLessThanOrEqual(max);
        expect(single.maxPending).toBeLessThanOrEqual(max);
        for (const line of whole.lines) {
          const text = line.toString('utf8');
          expect(Buffer.from(text, 'utf8').equals(line)).toBe(true);
          expect(text).not.toMatch(CONTROL);
          expect(line.length).toBeLessThanOrEqual(max);
          expect(text.trim().length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('clean text without line breaks survives a long-line cut unchanged', () => {
    // eslint-disable-next-line no-control-regex -- the generator must avoid exactly the control characters
    const char = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((c) => !/[\s\x00-\x1f\x7f-\x9f]/.test(c) && !c.includes('\ufeff'));
    fc.assert(
      fc.property(fc.array(char, { minLength: 1, maxLength: 200 }), fc.integer({ min: 16, max: 64 }), (chars, max) => {
        const text = chars.join('');
        const out = run([Buffer.from(`${text}\n`, 'utf8')], max);
        expect(out.lines.map(String).join('')).toBe(text);
        for (const line of out.lines) expect(line.length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 500 },
    );
  });
});

describe('LineDecoder: flow control and telnet detection', () => {
  it('stops right after the line whose callback returned false, and the rest decodes later, the same', () => {
    const input = Buffer.from('one\r\ntwo\rthree\nfour\r');
    const lines: string[] = [];
    let stopAt = 2;
    const decoder = new LineDecoder(64, (line) => {
      lines.push(line.toString('utf8'));
      return lines.length !== stopAt;
    });
    const used = decoder.push(input);
    expect(lines).toEqual(['one', 'two']);
    expect(used).toBe('one\r\ntwo\r'.length);
    stopAt = -1;
    expect(decoder.push(input.subarray(used))).toBe(input.length - used);
    expect(decoder.push(Buffer.from('\nfive\n'))).toBe(6);
    expect(lines).toEqual(['one', 'two', 'three', 'four', 'five']);
  });

  it('stopping at every line, feeding the rest back, gives the same lines as one push', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x00, 0xff, 0xfb, 0xfa, 0xf0), fc.integer({ min: 0x20, max: 0x7e })), { maxLength: 300 }), (list) => {
        const bytes = Buffer.from(list);
        const whole: string[] = [];
        new LineDecoder(16, (line) => void whole.push(line.toString('latin1'))).push(bytes);
        const stepped: string[] = [];
        const decoder = new LineDecoder(16, (line) => {
          stepped.push(line.toString('latin1'));
          return false;
        });
        let rest = bytes;
        for (let guard = 0; rest.length > 0 && guard <= bytes.length; guard++) rest = rest.subarray(decoder.push(rest));
        expect(rest.length).toBe(0);
        expect(stepped).toEqual(whole);
      }),
    );
  });

  it.each([
    ['plain LF lines', 'hello\nworld\n', false],
    ['a lone CR', 'hello\rworld\r', false],
    ['CR LF', 'hello\r\n', true],
    ['CR NUL', 'hello\r\0', true],
    ['an IAC command', Buffer.from([0xff, 0xfb, 0x18, 0x68, 0x0a]), true],
  ])('speaksTelnet after %s: %s', (_name, input, telnet) => {
    const decoder = new LineDecoder(64, () => undefined);
    decoder.push(typeof input === 'string' ? Buffer.from(input) : input);
    expect(decoder.speaksTelnet).toBe(telnet);
  });
});

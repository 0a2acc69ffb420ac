/** The one cleaning of names other people chose: each class of invisible or look-alike text. */
import { describe, expect, it } from 'vitest';
import { MAX_MARKS_PER_CHARACTER, cleanDisplayName } from '../../main/common/display-name';

describe('cleanDisplayName', () => {
  it('removes the Hangul fillers and the blank Braille pattern, and a name of only those is blank', () => {
    for (const filler of ['\u3164', '\u115f', '\u1160', '\uffa0', '\u2800']) {
      expect(cleanDisplayName(`Lab${filler}room`)).toBe('Labroom');
      expect(cleanDisplayName(filler.repeat(10))).toBe('');
    }
  });

  it('removes tag characters U+E0000–E007F', () => {
    const tags = Array.from({ length: 0x80 }, (_, i) => String.fromCodePoint(0xe0000 + i)).join('');
    expect(cleanDisplayName(`Lab${tags}room`)).toBe('Labroom');
    expect(cleanDisplayName(tags)).toBe('');
  });

  it('removes variation selectors, except one straight after an emoji', () => {
    const selectors = [...Array.from({ length: 16 }, (_, i) => String.fromCodePoint(0xfe00 + i)), ...Array.from({ length: 240 }, (_, i) => String.fromCodePoint(0xe0100 + i))];
    for (const selector of selectors) expect(cleanDisplayName(`Lab${selector}room`)).toBe('Labroom');
    expect(cleanDisplayName('I \u2764\ufe0f tea')).toBe('I \u2764\ufe0f tea');
  });

  it('removes U+034F and the other default-ignorable code points (bidi controls, zero-width characters, soft hyphen…)', () => {
    for (const ignorable of ['\u034f', '\u00ad', '\u061c', '\u17b4', '\u180e', '\u200b', '\u200c', '\u200e', '\u202e', '\u2066', '\u2069', '\u2060', '\u2064', '\ufeff', '\u{1bca0}', '\u{1d173}']) {
      expect(cleanDisplayName(`Lab${ignorable}room`)).toBe('Labroom');
    }
    expect(cleanDisplayName('\u202eevil\u202c room')).toBe('evil room');
  });

  it('keeps emoji sequences whole (a joiner between two emoji)', () => {
    expect(cleanDisplayName('\u{1f469}\u200d\u{1f469}\u200d\u{1f467} family')).toBe('\u{1f469}\u200d\u{1f469}\u200d\u{1f467} family');
    expect(cleanDisplayName('a\u200db')).toBe('ab');
  });

  it('keeps at most a few combining marks on one character, enough for real scripts', () => {
    const zalgo = cleanDisplayName(`Z${'\u0301'.repeat(30)}a${'\u0316\u0317'.repeat(20)}`);
    expect(zalgo).toBe(`Z${'\u0301'.repeat(MAX_MARKS_PER_CHARACTER)}a${'\u0316\u0317\u0316'.slice(0, MAX_MARKS_PER_CHARACTER)}`);
    for (const real of ['Việt Nam', 'Phở', 'हिन्दी', 'ภาษาไทย', 'Ζωή']) expect(cleanDisplayName(real)).toBe(real);
    expect(cleanDisplayName(' \u0301\u0302 ')).toBe('');
  });

  it('makes one line of single spaces without controls, lone surrogates or a trailing blank', () => {
    expect(cleanDisplayName('  Lab\t3\r\nroom\u2028x\u0007\u009b ')).toBe('Lab 3 room x');
    expect(cleanDisplayName('a\ud800b\udc00')).toBe('ab');
    expect(cleanDisplayName('a\u3000\u2003b')).toBe('a b');
  });

  it('reads a bounded prefix of a huge input', () => {
    expect(cleanDisplayName('x'.repeat(1_000_000), 100)).toHaveLength(100);
  });
});

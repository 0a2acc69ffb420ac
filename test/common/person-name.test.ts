/** Names and topics: what cleaning removes, and which names are the same name. */
import { describe, expect, it } from 'vitest';
import { MAX_COMBINING_MARKS, cleanPersonName, cleanTopic, personNameKey } from '../../main/common/person-name';

const clean = (raw: string) => {
  const result = cleanPersonName(raw);
  return result.ok ? result.text : `refused: ${result.reason}`;
};

describe('cleanPersonName', () => {
  it('removes controls, invisible and blank-looking characters, and collapses white space', () => {
    expect(clean('  ali\u200bce\u00a0 \u3000smith\t')).toBe('alice smith');
    expect(clean('a\u202eb\u2066c\u00add\ufe0fe\u{e0041}f\u3164g\uffa0h\u2800i\u115fj')).toBe('abcdefghij');
    expect(clean('\u001b[31mred\u0007')).toBe('31mred');
    expect(clean('\ue000x\udc00y')).toBe('xy'); // private use, a lone surrogate
  });

  it('refuses what has nothing visible left, and names over 32 characters', () => {
    expect(clean('\u3164\u2800 \u200b\u115f\u1160\uffa0')).toBe('refused: a name needs at least one visible character');
    expect(clean('[]')).toBe('refused: a name needs at least one visible character');
    expect(clean('é'.repeat(32))).toBe('é'.repeat(32));
    expect(clean('x'.repeat(33))).toBe('refused: a name has at most 32 characters (that one has 33)');
    expect(clean('👩‍👩‍👧')).toBe('👩👩👧'); // a joiner goes; the pictures stay
  });

  it('removes square brackets and their look-alikes, which could pass for a label', () => {
    expect(clean('[10.0.0.9:5]')).toBe('10.0.0.9:5');
    expect(clean('\uff3bx\uff3d \u27e6y\u27e7 \u3010z\u3011 \u2045w\u2046')).toBe('x y z w');
    expect(clean('bob (lab 3)')).toBe('bob (lab 3)');
  });

  it('is NFC, caps combining marks after a character, and drops marks with nothing to sit on', () => {
    expect(clean('Jose\u0301')).toBe('José');
    const zalgo = `z${'\u0336\u0337\u0338\u0339\u033a\u033b'.repeat(5)}`;
    expect(Array.from(clean(zalgo))).toHaveLength(1 + MAX_COMBINING_MARKS);
    expect(clean('\u0301\u0302x')).toBe('x');
    expect(clean('a \u0301b')).toBe('a b');
  });

  it('refuses names that would make a name line read two ways', () => {
    expect(clean('bob is now admin')).toBe('refused: a name may not say "is now" or "is no longer"');
    expect(clean('Is No Longer x')).toMatch(/^refused:/);
    expect(clean('this is nowhere')).toBe('this is nowhere');
  });

  it('refuses the server\'s own name in any look-alike spelling', () => {
    expect(clean('Tincan')).toMatch(/^refused: "Tincan" is the server's own name$/);
    expect(clean('T\u0456nc\u0430n')).toMatch(/^refused:/);
  });
});

describe('personNameKey: the same name under the confusable skeleton, case-insensitively', () => {
  it.each([
    ['alice', 'ALICE'],
    ['alice', '\u0430lice'], // Cyrillic а
    ['alice', '\u0410LICE'], // Cyrillic А
    ['kate', '\u041a\u0410\u0422\u0415'], // КАТЕ
    ['paypal', '\u0440\u0430\u0443\u0440\u0430l'],
    ['alice', '\uff41\uff4c\uff49\uff43\uff45'], // fullwidth
    ['alice', '\u{1d41a}lice'], // mathematical bold a
    ['bob', 'b0b'],
    ['will', 'wi11'],
    ['rnark', 'mark'],
    ['o\u2019neil', "o'neil"],
    ['jean-luc', 'jean\u2013luc'],
  ])('%s and %s are one name', (a, b) => {
    expect(personNameKey(a)).toBe(personNameKey(b));
  });

  it.each([
    ['alice', 'alicia'],
    ['José', 'Jose'],
    ['ian', 'lan'],
    ['bob', 'bob2'],
  ])('%s and %s are two names', (a, b) => {
    expect(personNameKey(a)).not.toBe(personNameKey(b));
  });
});

describe('cleanTopic', () => {
  it('is cleaned like a name but keeps brackets, may be empty, and has at most 200 characters', () => {
    expect(cleanTopic(' [lab 3]\u200b  pizza\t at 8 ')).toEqual({ ok: true, text: '[lab 3] pizza at 8' });
    expect(cleanTopic('\u3164')).toEqual({ ok: true, text: '' });
    expect(cleanTopic('x'.repeat(200))).toEqual({ ok: true, text: 'x'.repeat(200) });
    expect(cleanTopic('x'.repeat(201))).toEqual({ ok: false, reason: 'a topic has at most 200 characters (that one has 201)' });
  });
});

/** Mentions and the word matcher under them: word boundaries, case, Unicode, hostile keyword lists. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MENTION_LIMITS, MentionMatcher, normalizeKeyword, sanitizeKeywords } from '../../main/common/mentions';
import { escapeRegExp, splitWords, WordMatcher } from '../../main/common/word-match';

const spans = (text: string, ranges: readonly (readonly [number, number])[]): string[] =>
  ranges.map(([start, end]) => text.slice(start, end));

describe('MentionMatcher', () => {
  it('finds a keyword as a whole word, ignoring case', () => {
    const matcher = new MentionMatcher(['Ann']);
    const text = 'ann, ANN! Anna annex Joanne @ann ann_';
    expect(spans(text, matcher.find(text))).toEqual(['ann', 'ANN', 'ann', 'ann']);
    expect(matcher.find(text).map(([start]) => start)).toEqual([0, 5, 29, 33]);
    expect(matcher.mentions('hi anna')).toBe(false);
    expect(matcher.mentions('hi Ann.')).toBe(true);
  });

  it('is Unicode aware: letters beyond ASCII are part of a word, case folds', () => {
    const matcher = new MentionMatcher(['Zoë', 'Øyvind', 'Дима']);
    expect(matcher.mentions('hey ZOË')).toBe(true);
    expect(matcher.mentions('øyvind: look')).toBe(true);
    expect(matcher.mentions('привет, дима!')).toBe(true);
    expect(matcher.mentions('Zoëlle')).toBe(false);
    expect(matcher.mentions('Димас')).toBe(false);
    // A combining accent after the keyword makes it another word.
    expect(matcher.mentions('Zoë\u0301')).toBe(false);
  });

  it('matches keywords with spaces and punctuation literally; the longest one wins', () => {
    const matcher = new MentionMatcher(['bob', 'bob smith', 'c++', '@here']);
    const text = 'bob smith and bob, c++ is fine; @here now; x@here';
    expect(spans(text, matcher.find(text))).toEqual(['bob smith', 'bob', 'c++', '@here', '@here']);
  });

  it('treats regular-expression syntax in keywords as plain text', () => {
    const hostile = ['.*', '(a+)+$', '[x]', 'a|b', '\\d', '^', '$', '{2}', '?', '/'];
    const matcher = new MentionMatcher(hostile);
    expect(matcher.mentions('nothing special here')).toBe(false);
    expect(matcher.mentions('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab')).toBe(false);
    for (const keyword of hostile) expect(matcher.mentions(`say ${keyword} now`), keyword).toBe(true);
  });

  it('scans a huge hostile line quickly enough to finish (linear, no backtracking)', () => {
    const matcher = new MentionMatcher(Array.from({ length: MENTION_LIMITS.maxKeywords }, (_, index) => `${'a '.repeat(30)}z${index}`));
    const text = 'a '.repeat(200_000);
    expect(matcher.find(text)).toEqual([]);
  });

  it('with no keywords nothing is a mention', () => {
    const matcher = new MentionMatcher([]);
    expect(matcher.empty).toBe(true);
    expect(matcher.find('anything at all')).toEqual([]);
    expect(matcher.mentions('')).toBe(false);
  });

  it('never reports an empty or out-of-range match (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 }), fc.string({ maxLength: 200 }), (keywords, text) => {
        const ranges = new MentionMatcher(keywords).find(text);
        let previousEnd = 0;
        return ranges.every(([start, end]) => {
          const ok = start >= previousEnd && start < end && end <= text.length;
          previousEnd = end;
          return ok;
        });
      }),
    );
  });
});

describe('sanitizeKeywords', () => {
  it('keeps strings only, normalised, without duplicates, bounded in count and length', () => {
    expect(sanitizeKeywords(['  Ann ', 'ann', 42, null, '', '   ', 'Bob\t\nSmith', 'x'.repeat(65), 'e\u0301'])).toEqual([
      'Ann',
      'Bob Smith',
      'é',
    ]);
    expect(sanitizeKeywords(Array.from({ length: 100 }, (_, index) => `k${index}`))).toHaveLength(MENTION_LIMITS.maxKeywords);
    expect(sanitizeKeywords('Ann')).toEqual([]);
    expect(sanitizeKeywords({ length: 5 })).toEqual([]);
  });

  it('does not walk an enormous array', () => {
    const huge = new Array<unknown>(10_000_000);
    huge[5_000_000] = 'far away';
    expect(sanitizeKeywords(huge)).toEqual([]);
  });

  it('normalizeKeyword collapses space and composes accents', () => {
    expect(normalizeKeyword('  Zoe\u0308   Q ')).toBe('Zoë Q');
  });
});

describe('word-match helpers', () => {
  it('splitWords finds runs of letters, digits and marks', () => {
    expect(splitWords('hi, there_you 42x "q" é\u0301t', 10)).toEqual(['hi', 'there', 'you', '42x', 'q', 'é\u0301t']);
    expect(splitWords('a b c d', 2)).toEqual(['a', 'b']);
    expect(splitWords('a b', 0)).toEqual([]);
  });

  it('escapeRegExp makes a literal pattern', () => {
    const literal = '\\^$.*+?()[]{}|/-';
    expect(new RegExp(escapeRegExp(literal), 'u').test(`x${literal}y`)).toBe(true);
  });

  it('prefix mode matches word starts only', () => {
    const matcher = new WordMatcher(['hel'], 'prefix');
    const text = 'Hello shell HELP';
    expect(spans(text, matcher.find(text))).toEqual(['Hel', 'HEL']);
  });
});

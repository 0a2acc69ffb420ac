/**
 * Finding words in chat text: literals matched case-insensitively (Unicode case folding)
 * where they stand as whole words, or at the start of a word. Shared by mention highlighting
 * and search highlighting, in main and in the renderer. Pure: no node:, no DOM.
 *
 * A word character is a letter, digit, combining mark or private-use character — what
 * SQLite FTS5's unicode61 tokenizer (configured with marks as token characters) calls a
 * token character, so a highlight falls where the full-text index found the word.
 * Everything else (spaces, punctuation, `_`, `@`) separates words.
 *
 * Cost: the literals become one regular expression of escaped alternatives with fixed-width
 * lookarounds: no nested quantifiers, so no backtracking blow-up; a search is linear in the
 * text for a bounded list of literals (callers bound it).
 */

/** [start, end) in UTF-16 code units of the searched text. */
export type MatchRange = readonly [start: number, end: number];

const WORD_CHAR_CLASS = '\\p{L}\\p{N}\\p{M}\\p{Co}';
const WORD_CHAR = new RegExp(`^[${WORD_CHAR_CLASS}]$`, 'u');
const WORD_RUNS = new RegExp(`[${WORD_CHAR_CLASS}]+`, 'gu');
const NOT_AFTER_WORD = `(?<![${WORD_CHAR_CLASS}])`;
const NOT_BEFORE_WORD = `(?![${WORD_CHAR_CLASS}])`;
const SYNTAX_CHARACTERS = /[\\^$.*+?()[\]{}|/]/g;

/** The literal as a regular-expression source that matches exactly that text. */
export function escapeRegExp(literal: string): string {
  return literal.replace(SYNTAX_CHARACTERS, '\\$&');
}

export function isWordChar(character: string): boolean {
  return WORD_CHAR.test(character);
}

/** The runs of word characters in `text`, in order, at most `maxWords` of them. */
export function splitWords(text: string, maxWords: number): string[] {
  const words: string[] = [];
  if (maxWords <= 0) return words;
  for (const match of text.matchAll(WORD_RUNS)) {
    words.push(match[0]);
    if (words.length >= maxWords) break;
  }
  return words;
}

export type WordMatchMode = 'word' | 'prefix';

/**
 * Matches any of `literals`: 'word' where one stands as a whole word, 'prefix' where one
 * starts a word. A boundary is only required on a side where the literal has a word
 * character, so `@bob` matches in `hi @bob!` and `c++` in `c++ rocks`.
 */
export class WordMatcher {
  private readonly pattern: RegExp | null;

  constructor(literals: readonly string[], mode: WordMatchMode) {
    const unique = [...new Set(literals.filter((literal) => literal.length > 0))];
    // Longest first: at one position the longer literal wins ("bob smith" over "bob").
    unique.sort((a, b) => b.length - a.length);
    const alternatives = unique.map((literal) => {
      const characters = Array.from(literal);
      const start = isWordChar(characters[0] ?? '') ? NOT_AFTER_WORD : '';
      const end = mode === 'word' && isWordChar(characters[characters.length - 1] ?? '') ? NOT_BEFORE_WORD : '';
      return `${start}${escapeRegExp(literal)}${end}`;
    });
    this.pattern = alternatives.length === 0 ? null : new RegExp(alternatives.join('|'), 'giu');
  }

  /** True when there is nothing to look for. */
  get empty(): boolean {
    return this.pattern === null;
  }

  /** Every match, in order, not overlapping; only the first `maxChars` of `text` are searched. */
  find(text: string, maxChars = Number.POSITIVE_INFINITY): MatchRange[] {
    const pattern = this.pattern;
    if (pattern === null) return [];
    const searched = text.length > maxChars ? text.slice(0, maxChars) : text;
    const ranges: MatchRange[] = [];
    pattern.lastIndex = 0;
    for (let match = pattern.exec(searched); match !== null; match = pattern.exec(searched)) {
      ranges.push([match.index, match.index + match[0].length]);
    }
    return ranges;
  }

  test(text: string, maxChars = Number.POSITIVE_INFINITY): boolean {
    const pattern = this.pattern;
    if (pattern === null) return false;
    pattern.lastIndex = 0;
    const found = pattern.test(text.length > maxChars ? text.slice(0, maxChars) : text);
    pattern.lastIndex = 0;
    return found;
  }
}

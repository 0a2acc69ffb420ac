/**
 * A search query, from what the user typed to what SQLite is asked. The query is hostile
 * input: it is never handed to FTS5's query language as is. It is split into words (runs of
 * word characters, see word-match.ts), bounded in count and length, and each word becomes
 * a quoted prefix term, so `"`, `*`, `NEAR(`, `AND`, `col:` are only ever text.
 *
 * A line matches when every word of the query starts a word of the line, ignoring case.
 * The FTS5 path asks the index exactly that. The LIKE fallback asks SQLite for lines that
 * contain every word as a substring (a superset: ASCII case-insensitive, any character
 * standing in for a non-ASCII one) and keeps those the word matchers accept.
 */
import { HISTORY_LIMITS } from '../../common/history';
import { splitWords, WordMatcher } from '../../common/word-match';

export interface ParsedQuery {
  /** The words searched for, in the order typed, without duplicates. */
  terms: string[];
  /** FTS5 MATCH expression: `"word"* AND "other"*`. */
  ftsQuery: string;
  /** One LIKE pattern per term, with `\` as the escape character. */
  likePatterns: string[];
  /** One prefix matcher per term: all must accept a line. */
  termMatchers: WordMatcher[];
  /** All terms at once, for the highlights. */
  highlighter: WordMatcher;
}

/** Null when the query holds no word at all (only spaces or punctuation). */
export function parseQuery(query: string): ParsedQuery | null {
  const bounded = query.slice(0, HISTORY_LIMITS.maxQueryChars);
  const terms: string[] = [];
  const seen = new Set<string>();
  for (const word of splitWords(bounded, HISTORY_LIMITS.maxQueryTerms * 4)) {
    const term = Array.from(word).slice(0, HISTORY_LIMITS.maxTermChars).join('');
    const key = term.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    terms.push(term);
    if (terms.length >= HISTORY_LIMITS.maxQueryTerms) break;
  }
  if (terms.length === 0) return null;
  return {
    terms,
    ftsQuery: terms.map((term) => `"${term.replaceAll('"', '""')}"*`).join(' AND '),
    likePatterns: terms.map(likePattern),
    termMatchers: terms.map((term) => new WordMatcher([term], 'prefix')),
    highlighter: new WordMatcher(terms, 'prefix'),
  };
}

function likePattern(term: string): string {
  let pattern = '%';
  for (const character of term) {
    const code = character.codePointAt(0) ?? 0;
    if (code >= 0x80) pattern += '_';
    else if (character === '%' || character === '_' || character === '\\') pattern += `\\${character}`;
    else pattern += character;
  }
  return `${pattern}%`;
}

/** True when the line holds every term of the query at the start of a word. */
export function matchesAll(parsed: ParsedQuery, text: string): boolean {
  return parsed.termMatchers.every((matcher) => matcher.test(text));
}

/**
 * Mentions: the user's own keywords (their name, say) found in chat text on word
 * boundaries, case-insensitively. Main uses it to decide notifications, the renderer to
 * highlight. Pure: no node:, no DOM.
 *
 * Keywords come from the user's settings, which a damaged preferences file or a hostile
 * renderer may fill with anything: the list is bounded in count and length and every
 * keyword is matched literally (see WordMatcher).
 */
import { WordMatcher, type MatchRange } from './word-match';

export const MENTION_LIMITS = {
  maxKeywords: 20,
  maxKeywordChars: 64,
  /** Only the first this many characters of a line are searched for mentions. */
  maxScannedChars: 16 * 1024,
} as const;

/** Trimmed, NFC, inner white space collapsed to single spaces. '' when nothing is left. */
export function normalizeKeyword(keyword: string): string {
  return keyword.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/**
 * The usable keywords of any value: strings only, normalised, non-empty, at most
 * maxKeywordChars, no duplicates (ignoring case), at most maxKeywords. Never throws.
 */
export function sanitizeKeywords(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const keywords: string[] = [];
  const seen = new Set<string>();
  const inspected = Math.min(value.length, MENTION_LIMITS.maxKeywords * 4);
  for (let index = 0; index < inspected && keywords.length < MENTION_LIMITS.maxKeywords; index++) {
    const item: unknown = value[index];
    if (typeof item !== 'string' || item.length > MENTION_LIMITS.maxKeywordChars * 4) continue;
    const keyword = normalizeKeyword(item);
    if (keyword.length === 0 || keyword.length > MENTION_LIMITS.maxKeywordChars) continue;
    const key = keyword.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    keywords.push(keyword);
  }
  return keywords;
}

/**
 * The words that mention the user: their display name (the name others see them by) first,
 * then their own keywords. Highlighting and notifications both use these.
 */
export function mentionWords(preferences: { readonly displayName: string; readonly mentionKeywords: readonly string[] }): string[] {
  return preferences.displayName === '' ? [...preferences.mentionKeywords] : [preferences.displayName, ...preferences.mentionKeywords];
}

export class MentionMatcher {
  readonly keywords: readonly string[];
  private readonly matcher: WordMatcher;

  /** `keywords` are sanitised here too, so any list is safe to pass. */
  constructor(keywords: readonly string[]) {
    this.keywords = sanitizeKeywords(keywords);
    this.matcher = new WordMatcher(this.keywords, 'word');
  }

  /** True when there are no keywords (nothing ever mentions the user). */
  get empty(): boolean {
    return this.matcher.empty;
  }

  /** Where the keywords occur in `text`, in order. */
  find(text: string): MatchRange[] {
    return this.matcher.find(text, MENTION_LIMITS.maxScannedChars);
  }

  mentions(text: string): boolean {
    return this.matcher.test(text, MENTION_LIMITS.maxScannedChars);
  }
}

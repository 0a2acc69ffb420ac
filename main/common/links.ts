/**
 * Links in chat text: which http(s) URLs become clickable, and which are "sneaky" (their text
 * does not say where they go). One set of rules for the renderer, which decides what to show
 * as a link, and for main, which opens only what passes them (validateOpenLink).
 *
 * A link is sneaky when it has userinfo (`https://bank.example@evil.example/`), a backslash
 * (parsers disagree about it), an invisible or format character (`\p{Cf}`: bidi overrides such
 * as U+202E turn "invoice‮fdp.exe" into "invoiceexe.pdf" on screen), a %-encoded host, or a
 * host that mixes scripts (`https://аpple.com/`, Cyrillic а), judged like Unicode UTS #39's
 * "highly restrictive" level: one script, or Latin with the CJK combinations Japanese,
 * Chinese and Korean use. In the spirit of Signal Desktop's isLinkSneaky.
 *
 * Everything here is linear in the length of the text: finding, trimming and checking.
 */

/** Longer candidates stay plain text (and main refuses to open them). */
export const MAX_LINK_CHARS = 2048;

export type TextPart =
  | { kind: 'text'; text: string }
  /** `url`: what opens (normalised); `host`: where it really goes, as the browser sees it (punycode, port). */
  | { kind: 'link'; text: string; url: string; host: string; unicodeHost: boolean };

const LINK_START = /\bhttps?:\/\//.source;
// Where a candidate ends: white space and the characters that usually delimit a URL in prose.
const CANDIDATE_END = /[\s<>"'`]/u;
// Punctuation that usually ends the sentence around a link rather than the link itself.
const TRAILING_PUNCTUATION = new Set(['.', ',', ';', ':', '!', '?', "'", '"', ')', ']', '}']);
const INVISIBLE = /[\p{Cf}\p{Cc}\p{Zl}\p{Zp}]/u;

// Scripts a host name may be written in; a letter of any other script counts as 'Other'.
const SCRIPTS: readonly [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Han', /\p{Script=Han}/u],
  ['Hiragana', /\p{Script=Hiragana}/u],
  ['Katakana', /\p{Script=Katakana}/u],
  ['Bopomofo', /\p{Script=Bopomofo}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Bengali', /\p{Script=Bengali}/u],
  ['Tamil', /\p{Script=Tamil}/u],
  ['Ethiopic', /\p{Script=Ethiopic}/u],
];
const SCRIPT_NEUTRAL = /[\p{Script=Common}\p{Script=Inherited}]/u;
/** Script sets UTS #39 allows to mix (besides any single script). */
const ALLOWED_MIXES: readonly ReadonlySet<string>[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

function scriptOf(character: string): string | null {
  if (SCRIPT_NEUTRAL.test(character)) return null;
  for (const [name, pattern] of SCRIPTS) if (pattern.test(character)) return name;
  return 'Other';
}

/** True when the letters of `host` (as written) mix scripts in a way no language needs. */
export function isMixedScript(host: string): boolean {
  const scripts = new Set<string>();
  for (const character of host) {
    const script = scriptOf(character);
    if (script !== null) scripts.add(script);
  }
  if (scripts.size <= 1) return false;
  return !ALLOWED_MIXES.some((allowed) => [...scripts].every((script) => allowed.has(script)));
}

/** The authority (userinfo@host:port) of `href` as written: after `://`, up to `/`, `?` or `#`. */
function writtenAuthority(href: string): string {
  const start = href.indexOf('://');
  if (start < 0) return '';
  let end = start + 3;
  while (end < href.length && href[end] !== '/' && href[end] !== '?' && href[end] !== '#') end += 1;
  return href.slice(start + 3, end);
}

export interface CheckedLink {
  /** What opens: the URL as the parser normalised it. */
  url: string;
  /** Where it goes: host (punycode for international names) and port. */
  host: string;
  /** The host was written in Unicode (or otherwise differs from the real one). */
  unicodeHost: boolean;
}

/** Checks a URL against the rules above: the link, or a sentence saying why it is not one. */
export function checkLink(href: string): { ok: true; link: CheckedLink } | { ok: false; problem: string } {
  if (href.length > MAX_LINK_CHARS) return { ok: false, problem: `it is longer than ${MAX_LINK_CHARS.toLocaleString('en-US')} characters` };
  if (href.includes('\\')) return { ok: false, problem: 'it contains a backslash' };
  if (INVISIBLE.test(href)) return { ok: false, problem: 'it contains invisible or control characters' };
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return { ok: false, problem: 'it is not a valid web address' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, problem: 'only http and https links open' };
  const authority = writtenAuthority(href);
  if (authority.includes('@') || url.username !== '' || url.password !== '') {
    return { ok: false, problem: 'it hides its real host behind a user name (“…@host”)' };
  }
  if (url.hostname.length === 0) return { ok: false, problem: 'it has no host' };
  const writtenHost = authority.replace(/:\d*$/, '');
  if (writtenHost.includes('%')) return { ok: false, problem: 'its host is %-encoded' };
  if (isMixedScript(writtenHost)) return { ok: false, problem: 'its host mixes alphabets, as look-alike addresses do' };
  return { ok: true, link: { url: url.href, host: url.host, unicodeHost: writtenHost.toLowerCase() !== url.hostname.toLowerCase() && !writtenHost.startsWith('[') } };
}

export function isLinkSneaky(href: string): boolean {
  return !checkLink(href).ok;
}

/** The candidate without the punctuation that closes the sentence around it. */
function trimCandidate(candidate: string): string {
  let end = candidate.length;
  while (end > 0 && TRAILING_PUNCTUATION.has(candidate[end - 1]!)) end -= 1;
  // Keep closing parentheses that belong to the URL (wiki links), drop those that close prose.
  let opens = 0;
  let closes = 0;
  for (let i = 0; i < end; i += 1) {
    if (candidate[i] === '(') opens += 1;
    else if (candidate[i] === ')') closes += 1;
  }
  while (end < candidate.length && candidate[end] === ')' && opens > closes) {
    end += 1;
    closes += 1;
  }
  return candidate.slice(0, end);
}

/**
 * Splits message text into plain text and links, in order. Only http(s) URLs that pass
 * checkLink become links; a sneaky one stays visible as the text it is.
 */
export function findLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  const starts = new RegExp(LINK_START, 'gi');
  let last = 0;
  for (let match = starts.exec(text); match !== null; match = starts.exec(text)) {
    const start = match.index;
    let end = start + match[0].length;
    while (end < text.length && !CANDIDATE_END.test(text[end]!)) end += 1;
    // The next search starts after this candidate: every character is looked at a bounded number of times.
    starts.lastIndex = end;
    const candidate = trimCandidate(text.slice(start, end));
    if (candidate.length <= match[0].length) continue;
    const checked = checkLink(candidate);
    if (!checked.ok) continue;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: candidate, ...checked.link });
    last = start + candidate.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; url: string };

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that usually ends the sentence around a link rather than the link itself.
const TRAILING_PUNCTUATION = /[.,;:!?'")\]}]+$/;

function trimLink(candidate: string): string {
  let url = candidate.replace(TRAILING_PUNCTUATION, '');
  // Keep a closing parenthesis that belongs to the URL (wiki links), drop one that closes prose.
  const opens = (candidate.match(/\(/g) ?? []).length;
  const closesInUrl = (url.match(/\)/g) ?? []).length;
  if (opens > closesInUrl && candidate.slice(url.length).startsWith(')')) url += ')';
  return url;
}

/** Splits message text into plain text and http(s) links, in order. */
export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const start = match.index;
    const url = trimLink(match[0]);
    if (url.length <= 'https://'.length) continue;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: url, url });
    last = start + url.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

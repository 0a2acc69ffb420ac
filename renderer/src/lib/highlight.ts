/**
 * Message text cut into what the row renders: plain text and links (lib/links.ts), each
 * further cut where `marks` (mentions, search matches) begin and end.
 */
import type { MatchRange } from '../../../main/common/word-match';
import { splitLinks } from './links';

export type MessagePart =
  | { kind: 'text'; text: string; marked: boolean }
  | { kind: 'link'; text: string; url: string; marked: boolean };

/** `text` cut at the edges of `marks` (sorted, not overlapping), each piece says if it is marked. */
export function splitMarked(text: string, marks: readonly MatchRange[], offset = 0): { text: string; marked: boolean }[] {
  const pieces: { text: string; marked: boolean }[] = [];
  let at = 0;
  for (const [markStart, markEnd] of marks) {
    const start = Math.max(at, markStart - offset);
    const end = Math.min(text.length, markEnd - offset);
    if (end <= start) continue;
    if (start > at) pieces.push({ text: text.slice(at, start), marked: false });
    pieces.push({ text: text.slice(start, end), marked: true });
    at = end;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), marked: false });
  return pieces;
}

export function splitMessage(text: string, marks: readonly MatchRange[]): MessagePart[] {
  const parts: MessagePart[] = [];
  let offset = 0;
  for (const part of splitLinks(text)) {
    // A link's text is exactly the text it was found in, so offsets carry on across parts.
    for (const piece of splitMarked(part.text, marks, offset)) {
      parts.push(part.kind === 'link' ? { kind: 'link', text: piece.text, url: part.url, marked: piece.marked } : { kind: 'text', ...piece });
    }
    offset += part.text.length;
  }
  return parts;
}

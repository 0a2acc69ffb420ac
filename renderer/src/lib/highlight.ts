/**
 * Message text cut into what the row renders: plain text and links (main/common/links.ts, the
 * same rules main opens links by), each further cut where `marks` (mentions, search matches)
 * begin and end.
 */
import { findLinks } from '../../../main/common/links';
import type { MatchRange } from '../../../main/common/word-match';

export interface MarkedPiece {
  text: string;
  marked: boolean;
}

export type MessagePart =
  | ({ kind: 'text' } & MarkedPiece)
  /** One link; its text in pieces, so a mark inside it is highlighted too. */
  | { kind: 'link'; url: string; host: string; unicodeHost: boolean; pieces: MarkedPiece[] };

/** `text` cut at the edges of `marks` (sorted, not overlapping), each piece says if it is marked. */
export function splitMarked(text: string, marks: readonly MatchRange[], offset = 0): MarkedPiece[] {
  const pieces: MarkedPiece[] = [];
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
  for (const part of findLinks(text)) {
    // A link's text is exactly the text it was found in, so offsets carry on across parts.
    const pieces = splitMarked(part.text, marks, offset);
    if (part.kind === 'link') parts.push({ kind: 'link', url: part.url, host: part.host, unicodeHost: part.unicodeHost, pieces });
    else for (const piece of pieces) parts.push({ kind: 'text', ...piece });
    offset += part.text.length;
  }
  return parts;
}

/**
 * The first `limit` characters of `parts`. A link the cut goes through becomes plain text:
 * what would show is not all of where it leads (the whole line, and the link, are one click away).
 */
export function clipParts(parts: readonly MessagePart[], limit: number): MessagePart[] {
  const clipped: MessagePart[] = [];
  let left = limit;
  for (const part of parts) {
    if (left <= 0) break;
    const pieces = part.kind === 'text' ? [part] : part.pieces;
    const length = pieces.reduce((sum, piece) => sum + piece.text.length, 0);
    if (length <= left) {
      clipped.push(part);
      left -= length;
      continue;
    }
    for (const piece of pieces) {
      if (left <= 0) break;
      clipped.push({ kind: 'text', text: piece.text.slice(0, left), marked: piece.marked });
      left -= piece.text.length;
    }
  }
  return clipped;
}


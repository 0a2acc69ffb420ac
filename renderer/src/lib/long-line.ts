/**
 * Long lines: a row shows the first CLIP_CHARS characters of its line (clamped to a few lines
 * by transcript.css) until the user asks for all of it, so what a row costs to lay out does not
 * grow with its line. A host may send 60 KB lines.
 */
import type { ChatLine } from '../../../main/common/ipc-contract';

/**
 * Characters shown of a long line: more than the clamp's few lines fill at usual window widths,
 * few enough that laying the row out stays cheap.
 */
export const CLIP_CHARS = 500;

/**
 * Where a long line is cut until the user asks for all of it, or null when it is short enough
 * to show whole. Never between the two halves of a surrogate pair.
 */
export function clipPoint(text: string, limit = CLIP_CHARS): number | null {
  if (text.length <= limit) return null;
  const before = text.charCodeAt(limit - 1);
  return before >= 0xd800 && before <= 0xdbff ? limit - 1 : limit;
}

/** Characters (code points, not UTF-16 units) in `text`, as the user would count them. */
export function countCharacters(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    // A high surrogate followed by a low one is one character.
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index += 1;
    }
    count += 1;
  }
  return count;
}

/** Characters of `line` its row shows until expanded (labels are short, their cap is main's). */
export function shownChars(line: ChatLine): number {
  return Math.min(line.text.length, CLIP_CHARS) + line.peer.length;
}

/**
 * Text hygiene for chat lines. A chat line is shown in other people's terminals (telnet,
 * netcat), so nothing that a terminal would act on may pass: no ANSI/VT escape or control
 * sequences (clear screen, retitle, recolour), no C0/C1 control characters, no DEL.
 * Tabs become single spaces so columns stay predictable.
 *
 * Invisible and bidirectional controls are neutralised too: a terminal cannot isolate one
 * line's text from the next, so an override (U+202E) would reorder what others see and a
 * zero-width character would hide text. Removed: the bidi embeddings, overrides and isolates
 * (U+202A–202E, U+2066–2069), the zero-width space, joiners and directional marks
 * (U+200B–200F, U+061C), the word joiner and invisible operators (U+2060–2064) and the byte
 * order mark (U+FEFF); a zero-width joiner between two emoji stays (it makes 👩‍👩‍👧 one
 * picture). The line and paragraph separators (U+2028, U+2029), which some programs treat as
 * line ends, become a space.
 */

// In order: CSI (ESC [ or C1 0x9B) with parameters, intermediates and final byte; string
// controls (OSC, DCS, SOS, PM, APC) up to their terminator (BEL or ST) or the end of the line;
// any other ESC sequence (ESC c, ESC ( B …) or a lone ESC; then every remaining C0 control
// except TAB, DEL and the C1 range.
const CONTROL_SEQUENCE =
  // eslint-disable-next-line no-control-regex -- matching control characters is this regex's job
  /\x1b\[[0-?]*[ -/]*[@-~]?|\x9b[0-?]*[ -/]*[@-~]?|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]?|[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const TAB = /\t/g;
// An emoji, its presentation or skin-tone modifier and a joiner followed by another emoji
// (kept, as `$1`), or any invisible or bidi control (removed).
const INVISIBLE =
  /(\p{Extended_Pictographic}(?:\u{FE0F}|\p{Emoji_Modifier})?\u200d)(?=\p{Extended_Pictographic})|[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;
const LINE_SEPARATOR = /[\u2028\u2029]/g;
// Everything above is outside ASCII: a line without such code points skips those passes.
const BEYOND_ASCII = /[\u0080-\u{10FFFF}]/u;

/** Removes everything a terminal would interpret or could not show; the result is printable text only. */
export function stripControls(text: string): string {
  const cleaned = text.replace(CONTROL_SEQUENCE, '').replace(TAB, ' ');
  if (!BEYOND_ASCII.test(cleaned)) return cleaned;
  return cleaned.replace(INVISIBLE, (_match, emoji: string | undefined) => emoji ?? '').replace(LINE_SEPARATOR, ' ');
}

/** True when the text has nothing to show (empty or only white space). */
export function isBlank(text: string): boolean {
  return text.trim().length === 0;
}

/**
 * True for bytes that are printable ASCII (0x20–0x7E) only: such a line needs no decoding
 * and no cleaning, which is the common case and the fast path of the server.
 */
export function isPrintableAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b < 0x20 || b > 0x7e) return false;
  }
  return true;
}

/** Length of the longest prefix of `bytes` (≤ max) that ends on a UTF-8 character boundary. */
export function utf8BoundaryAtOrBefore(bytes: Uint8Array, max: number): number {
  if (bytes.length <= max) return bytes.length;
  let cut = max;
  // Step back over continuation bytes (10xxxxxx) to the first byte of the character at `max`.
  let back = 0;
  while (cut > 0 && back < 3 && (bytes[cut]! & 0xc0) === 0x80) {
    cut--;
    back++;
  }
  // A run of stray continuation bytes is not a character: cut where asked.
  if ((bytes[cut]! & 0xc0) === 0x80) return max;
  return cut === 0 ? max : cut;
}

/**
 * The one cleaning of a name that someone else chose and this app shows: a room's name today,
 * a person's name later. Pure and renderer-safe.
 *
 * A name is one line of visible text, and two names that look the same should be the same
 * string. So besides control characters it loses everything that draws nothing: the Unicode
 * default-ignorable code points (bidi controls, zero-width characters, the combining grapheme
 * joiner U+034F, variation selectors, tag characters U+E0000–E007F, the Hangul fillers U+3164,
 * U+115F, U+1160, U+FFA0…), the blank Braille pattern U+2800, lone surrogates, and any
 * combining mark beyond MAX_MARKS_PER_CHARACTER on one character (a stack of them would draw
 * over the rows around it). Runs of white space become one space.
 *
 * Kept for emoji: a zero-width joiner between two pictographs (👩‍👩‍👧 is one picture) and a
 * variation selector straight after a pictograph (❤️). Tag sequences (subdivision flags) are
 * not kept: tags are how a name would hide text.
 */

/** Combining marks kept on one base character: enough for Vietnamese, Devanagari or Thai. */
export const MAX_MARKS_PER_CHARACTER = 3;

// C0 and C1 controls, DEL, and the line and paragraph separators: a line break reads as a space.
// eslint-disable-next-line no-control-regex -- matching control characters is this regex's job
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/**
 * A pictograph's joiner or variation selector (kept, as `$1`), or anything that draws nothing
 * (removed): default-ignorable code points, blank-looking fillers (U+2800 is not
 * default-ignorable, yet shows as nothing), and lone surrogates.
 */
const INVISIBLE =
  /(\p{Extended_Pictographic}(?:[\ufe0e\ufe0f]|\p{Emoji_Modifier})?\u200d(?=\p{Extended_Pictographic})|\p{Extended_Pictographic}[\ufe0e\ufe0f])|[\p{Default_Ignorable_Code_Point}\u2800\p{Cs}]/gu;
const RUNS_OF_SPACE = /\s+/g;
/** Combining marks after the first MAX_MARKS_PER_CHARACTER on one character. */
const EXTRA_MARKS = new RegExp(`(\\p{M}{${MAX_MARKS_PER_CHARACTER}})\\p{M}+`, 'gu');
/** Something that draws: anything but white space and combining marks. */
const VISIBLE = /[^\s\p{M}]/u;

/**
 * `raw` as one line of visible text, trimmed; '' when nothing visible is left. Reads at most
 * `maxInputChars` of `raw` (so a huge input costs no more than a long name); the caller cuts
 * the result to its own length limit.
 */
export function cleanDisplayName(raw: string, maxInputChars = 1024): string {
  const text = raw
    .slice(0, maxInputChars)
    .replace(CONTROLS, ' ')
    .replace(INVISIBLE, (_match, kept: string | undefined) => kept ?? '')
    .replace(EXTRA_MARKS, '$1')
    .replace(RUNS_OF_SPACE, ' ')
    .trim();
  return VISIBLE.test(text) ? text : '';
}

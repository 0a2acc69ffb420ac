/**
 * People's names and a room's topic: how they are cleaned, and when two names are the same
 * name. Pure (no Node, no DOM): the server judges names with it and the app can check a
 * name before it sends one.
 *
 * A name is shown after `Tincan: [IP:port] ` in every terminal and beside the address in the
 * app, so it must not hide, fake or smear anything:
 *  - controls, format characters (bidi, zero-width, tags), default-ignorable code points
 *    (variation selectors, the Hangul fillers U+3164 and U+FFA0), private-use, unassigned
 *    and lone surrogate code points are removed; so is the blank braille pattern U+2800,
 *    which is assigned and visible to no one;
 *  - every kind of white space becomes one plain space, runs of them one, none at either end;
 *  - square brackets and everything that looks like one are removed from names: `[10.0.0.9:5]`
 *    as a name would read as somebody else's label;
 *  - at most MAX_COMBINING_MARKS combining marks follow a character (and none starts the
 *    text), so stacked marks cannot smear over the lines above and below;
 *  - the result is in NFC, and a name has 1–32 characters (code points) of it, none of
 *    them the words "is now" or "is no longer" (the server's name lines are made of those).
 *
 * Two names are the same when their keys are equal: the UTS #39 confusable skeleton, made
 * case-insensitive. "alice", "ALICE" and "аlice" (Cyrillic а) all have the key "alice". The
 * key is NFKD (which covers the compatibility confusables: fullwidth, mathematical letters,
 * ligatures, superscripts, Roman numerals), then a table of cross-script look-alikes of
 * Latin letters, digits and punctuation (applied to capitals, then after lower-casing), then
 * NFD. No npm package computes UTS #39 skeletons from Unicode's confusables.txt (the
 * `confusables` package replaces look-alikes by English letters for profanity filters and
 * leaves other scripts alone); so the table below is a bounded part of confusables.txt: the
 * letters of Cyrillic, Greek, Armenian and Latin extensions that pass for basic Latin ones,
 * which is where the impersonations in a room come from. Names differing only by other
 * look-alikes are allowed.
 */

export const MAX_PERSON_NAME_CHARS = 32;
export const MAX_TOPIC_CHARS = 200;
/** Combining marks kept after one character (scripts with stacked vowels need a few). */
export const MAX_COMBINING_MARKS = 4;

/** Names no one may take: the server speaks as "Tincan". */
const RESERVED_KEYS = new Set(['tincan']);
/**
 * The words of the server's name lines (`[IP:port] alice is now bob`, `is no longer`): a name
 * holding them would make such a line read two ways, to people and to parsers.
 */
const NAME_LINE_WORDS = /(?:^|\s)is (?:now|no longer)(?:\s|$)/i;

// Removed outright: controls, format characters, default-ignorables, private use, unassigned,
// lone surrogates, the blank braille pattern.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Co}\p{Cn}\p{Cs}\u2800]/gu;
const WHITE_SPACE = /[\p{White_Space}]+/gu;
/** `[` `]` and their look-alikes: fullwidth, small, white, tortoise-shell, lenticular, corner and quill brackets. */
const LABEL_BRACKETS = /[[\]\uff3b\uff3d\u2045\u2046\u27e6\u27e7\u298b-\u2990\u3010\u3011\u3014-\u301b\u27ec\u27ed\ufe47\ufe48\ufe5d\ufe5e\u2308-\u230b\u23a1-\u23a6\u2e22-\u2e25\u301a\u301b]/gu;
/** Combining marks with what they follow: nothing, white space (then they go) or a character. */
const MARK_RUN = /(^|\P{M})(\p{M}+)/gu;

export type NameCheck = { ok: true; text: string } | { ok: false; reason: string };

function cleanText(raw: string, keepBrackets: boolean): string {
  let text = raw.normalize('NFC').replace(WHITE_SPACE, ' ').replace(INVISIBLE, '');
  if (!keepBrackets) text = text.replace(LABEL_BRACKETS, '');
  text = text.replace(MARK_RUN, (_run, base: string, marks: string) => {
    if (base === '' || base === ' ') return base;
    const kept = Array.from(marks).slice(0, MAX_COMBINING_MARKS).join('');
    return base + kept;
  });
  return text.replace(WHITE_SPACE, ' ').trim().normalize('NFC');
}

function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** A name as it would be used, or why it cannot be one. */
export function cleanPersonName(raw: string): NameCheck {
  const text = cleanText(raw, false);
  if (text === '') return { ok: false, reason: 'a name needs at least one visible character' };
  const count = charCount(text);
  if (count > MAX_PERSON_NAME_CHARS) {
    return { ok: false, reason: `a name has at most ${MAX_PERSON_NAME_CHARS} characters (that one has ${count})` };
  }
  if (RESERVED_KEYS.has(personNameKey(text))) return { ok: false, reason: `"${text}" is the server's own name` };
  if (NAME_LINE_WORDS.test(text)) return { ok: false, reason: 'a name may not say "is now" or "is no longer"' };
  return { ok: true, text };
}

/**
 * A topic as it would be shown, or why it cannot be one. Cleaned like a name, except that
 * brackets stay (a topic always follows `Tincan: topic: `, where they cannot pass for a
 * label); the empty text is no topic.
 */
export function cleanTopic(raw: string): NameCheck {
  const text = cleanText(raw, true);
  const count = charCount(text);
  if (count > MAX_TOPIC_CHARS) {
    return { ok: false, reason: `a topic has at most ${MAX_TOPIC_CHARS} characters (that one has ${count})` };
  }
  return { ok: true, text };
}

/** Look-alikes by what they pass for (a bounded part of Unicode's confusables.txt). */
const LOOK_ALIKES: Record<string, string> = {
  // Capitals first (applied before lower-casing: Cyrillic К lower-cases to к, which is no k).
  A: '\u0410\u0391\u13aa\ua4ee',
  B: '\u0412\u0392\u13f4\ua4d0\u0181',
  C: '\u0421\u03f9\u13df\ua4da',
  E: '\u0415\u0395\u13ac\ua4f0',
  H: '\u041d\u0397\u13bb\ua4e7',
  I: '\u0406\u0399\u04c0\ua4f2',
  J: '\u0408\u037f\u13ab\ua4d9',
  K: '\u041a\u039a\u13e6\ua4d7',
  M: '\u041c\u039c\u13b7\ua4df',
  N: '\u039d\ua4e0',
  O: '\u041e\u039f\u0555\u13be\ua4f3',
  P: '\u0420\u03a1\u13e2\ua4d1',
  S: '\u0405\u13da\ua4e2\u054f',
  T: '\u0422\u03a4\u13a2\ua4d4',
  X: '\u0425\u03a7\ua4eb',
  Y: '\u04ae\u03a5\u13a9\ua4ec',
  Z: '\u0396\u13c3\ua4dc',
  // Small letters (applied after lower-casing too).
  a: '\u0430\u0251\u03b1\u237a',
  b: '\u044c\u0185\u13cf',
  c: '\u0441\u03f2\u1d04\u2ca5',
  d: '\u0501\u13e7',
  e: '\u0435\u04bd\u212e\uab32',
  g: '\u0261\u0581',
  h: '\u04bb\u0570\u13c2',
  i: '\u0456\u0131\u03b9\u0269\u026a\u02db\u037a\u1fbe\ua647',
  j: '\u0458\u03f3',
  l: '\u04cf\u01c0\u05c0\u07ca\u2223\u2d4f\uff5c|1',
  n: '\u0578\u057c',
  o: '\u043e\u03bf\u03c3\u0585\u0ced\u0d20\u1d0f\u2c9f0',
  p: '\u0440\u03c1\u2ca3',
  q: '\u051b\u0566',
  r: '\u0433\u1d26\u2c85',
  s: '\u0455\ua731\u01bd',
  u: '\u03c5\u057d\u028b\u1d1c',
  v: '\u03bd\u0475\u2228\u1d20',
  w: '\u0461\u051d\u0561\u026f\u1d21',
  x: '\u0445\u00d7\u2573',
  y: '\u0443\u04af\u03b3\u10e7',
  z: '\u1d22',
  '-': '\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u02d7\u2043\ufe63',
  "'": '\u2018\u2019\u201b\u2032\u00b4\u02b9\u02bb\u02bc\u02bd\u0060',
  // confusables.txt spells m as r n; "rn" and "m" are then the same name.
  rn: 'm',
};

const LOOK_ALIKE_OF = new Map<string, string>();
for (const [target, sources] of Object.entries(LOOK_ALIKES)) {
  for (const source of sources) LOOK_ALIKE_OF.set(source, target);
}

function skeleton(text: string): string {
  let out = '';
  for (const char of text) out += LOOK_ALIKE_OF.get(char) ?? char;
  return out;
}

/**
 * The key under which a (clean) name is unique in a room: equal keys look alike. The
 * UTS #39 skeleton, made case-insensitive: look-alikes of capitals are mapped, the text is
 * lower-cased and look-alikes are mapped again.
 */
export function personNameKey(name: string): string {
  return skeleton(skeleton(name.normalize('NFKD')).toLowerCase()).normalize('NFD');
}

/**
 * The building blocks of Tincan's schemas (valibot): each schema gives both a TypeScript type
 * and its validator, so a shape is written once. Pure: main, the preload and the renderer may
 * import it, and valibot never evaluates code (the renderer's CSP forbids `eval`).
 *
 * Two kinds of schema are built from these:
 *  - requests over IPC are strict: a plain object with only the known fields, each read once,
 *    bounded, with a sentence a person can act on when it is refused (`request`, `text`, ...);
 *  - files read back are lenient: a bad field falls back to its default and a bad list entry
 *    is dropped, so one damaged field never costs the others (`lenient`, `lenientList`).
 */
import * as v from 'valibot';
import { fail, ok, type Result } from './result';

export type Schema = v.GenericSchema;

/**
 * A plain data object: `{}` literal or `Object.create(null)`. Class instances, arrays,
 * functions and objects whose prototype was swapped are refused, so no inherited getter or
 * toString can run inside main.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * A request object: a plain object whose own fields are exactly data fields named in
 * `entries` (unknown, symbol, inherited and getter fields are refused before any is read),
 * each checked by its entry. `what` names it in errors ("The host request").
 */
export function request<const TEntries extends v.ObjectEntries>(what: string, entries: TEntries) {
  const snapshot = v.rawTransform<unknown, Record<string, unknown>>(({ dataset, addIssue, NEVER }) => {
    const value = dataset.value;
    if (!isPlainObject(value)) {
      addIssue({ message: `${what} must be a plain object.` });
      return NEVER;
    }
    // Each field is read exactly once, into an object with no prototype: what is checked is what is used.
    const fields = Object.create(null) as Record<string, unknown>;
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key !== 'string' || !Object.hasOwn(entries, key)) {
        addIssue({ message: `${what} has an unexpected field “${String(key).slice(0, 40)}”.` });
        return NEVER;
      }
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined || !('value' in descriptor)) {
        addIssue({ message: `The field “${key}” of ${lowerFirst(what)} must be a plain value.` });
        return NEVER;
      }
      fields[key] = descriptor.value;
    }
    return fields;
  });
  // A missing field gets the sentence its own schema gives `undefined` ("The address must be text.").
  const missing = (issue: v.BaseIssue<unknown>): string => {
    const key = issue.path?.[0]?.key;
    const entry = typeof key === 'string' && Object.hasOwn(entries, key) ? entries[key] : undefined;
    const answer = entry === undefined ? undefined : v.safeParse(entry, undefined);
    return answer?.issues?.[0]?.message ?? `${what} is missing a field.`;
  };
  return v.pipe(v.unknown(), snapshot, v.strictObject(entries, missing));
}

/** A call that carries no argument: anything but `undefined` is refused. */
export function noArgument(what: string) {
  return v.undefined(`${what} takes no argument.`);
}

/** Text of at most `maxChars` UTF-16 units. */
export function text(what: string, maxChars: number) {
  return v.pipe(
    v.string(`${what} must be text.`),
    v.maxLength(maxChars, `${what} is too long: at most ${maxChars.toLocaleString('en-US')} characters.`),
  );
}

/** A whole number from `min` to `max`. */
export function wholeNumber(message: string, min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return v.pipe(v.number(message), v.safeInteger(message), v.minValue(min, message), v.maxValue(max, message));
}

/** On or off. */
export function flag(what: string) {
  return v.boolean(`${what} must be on or off (true or false).`);
}

/** One of a fixed list of words. */
export function oneOf<const TOptions extends readonly string[]>(options: TOptions, message: string) {
  return v.picklist(options, message);
}

/**
 * Cleans text with `clean` (which says why it refuses): the schema's output is the cleaned
 * text, and a refusal is an issue with the reason.
 */
export function cleaned(clean: (raw: string) => { ok: true; text: string } | { ok: false; reason: string }, what: string) {
  return v.rawTransform<string, string>(({ dataset, addIssue, NEVER }) => {
    const checked = clean(dataset.value);
    if (checked.ok) return checked.text;
    addIssue({ message: `${what}: ${checked.reason}.` });
    return NEVER;
  });
}

/** Runs a schema over a hostile value: its output, or the first refusal as a sentence. */
export function parse<TSchema extends Schema>(schema: TSchema, value: unknown): Result<v.InferOutput<TSchema>> {
  const parsed = v.safeParse(schema, value, { abortEarly: true, abortPipeEarly: true });
  if (parsed.success) return ok(parsed.output);
  return fail(parsed.issues[0].message);
}

// ---- files read back: lenient ------------------------------------------------------------

/** `schema`, or `fallback()` when the value does not pass. */
export function lenient<TSchema extends Schema>(schema: TSchema, fallback: () => v.InferOutput<TSchema>) {
  return v.fallback(schema, fallback);
}

/**
 * A list read from a file: entries that do not pass `item` are dropped, duplicates (by
 * `key`) after the first too, at most `maxItems` are kept, and at most `maxItems * 4`
 * entries are even looked at. Anything not a list is the empty list.
 */
export function lenientList<TItem extends Schema>(item: TItem, maxItems: number, key: (entry: v.InferOutput<TItem>) => unknown = (entry) => entry) {
  return v.pipe(
    v.fallback(v.array(v.unknown()), []),
    v.transform((entries: unknown[]): v.InferOutput<TItem>[] => {
      const kept: v.InferOutput<TItem>[] = [];
      const seen = new Set<unknown>();
      for (const entry of entries.slice(0, maxItems * 4)) {
        const parsed = v.safeParse(item, entry);
        if (!parsed.success) continue;
        const output = parsed.output;
        const identity = key(output);
        if (seen.has(identity)) continue;
        seen.add(identity);
        kept.push(output);
        if (kept.length >= maxItems) break;
      }
      return kept;
    }),
  );
}

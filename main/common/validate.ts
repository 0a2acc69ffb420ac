/**
 * Validators for every argument that crosses the bridge. Pure: no Electron, no sockets.
 *
 * The renderer is treated as hostile: it may send any structured-clonable value (or, when a
 * caller uses ChatSession directly, any JavaScript value at all). Each validator reads each
 * field exactly once, accepts only the documented shape and answers with a Result whose
 * error is a sentence a person can act on.
 */
import { DEFAULT_PORT } from './constants';
import { parseHostPort } from './address';
import { checkLink } from './links';
import {
  LIMITS,
  fail,
  ok,
  type HostRequest,
  type HostScope,
  type Result,
  type SendRequest,
} from './ipc-contract';

export interface JoinTarget {
  /** What the user typed, trimmed. */
  address: string;
  host: string;
  port: number;
}

/**
 * A plain data object: `{}` literal or `Object.create(null)`. Class instances, arrays,
 * functions and objects whose prototype was swapped are refused, so no inherited getter
 * or toString can run inside main.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Reads the own, enumerable, data (non-getter) fields named in `allowed`; refuses anything else. */
function readFields(
  value: unknown,
  what: string,
  allowed: readonly string[],
): Result<Record<string, unknown>> {
  if (!isPlainObject(value)) return fail(`${what} must be a plain object.`);
  const keys = Reflect.ownKeys(value);
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of keys) {
    if (typeof key !== 'string' || !allowed.includes(key)) {
      return fail(`${what} has an unexpected field “${String(key).slice(0, 40)}”.`);
    }
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor === undefined || !('value' in descriptor)) {
      return fail(`The field “${key}” of ${what.charAt(0).toLowerCase()}${what.slice(1)} must be a plain value.`);
    }
    fields[key] = descriptor.value;
  }
  return ok(fields);
}

function checkString(value: unknown, what: string, maxChars: number): Result<string> {
  if (typeof value !== 'string') return fail(`${what} must be text.`);
  if (value.length > maxChars) {
    return fail(`${what} is too long: at most ${maxChars.toLocaleString('en-US')} characters.`);
  }
  return ok(value);
}

/** Requests that carry no argument: anything but `undefined` is refused. */
export function validateNoArgument(value: unknown, what: string): Result<null> {
  return value === undefined ? ok(null) : fail(`${what} takes no argument.`);
}

export interface HostRequestRules {
  /** Port 0 asks the system for any free port; only tests and the headless tools use it. */
  allowAnyPort?: boolean;
}

export function validateHostRequest(value: unknown, rules: HostRequestRules = {}): Result<HostRequest> {
  const fields = readFields(value, 'The host request', ['port', 'scope']);
  if (!fields.ok) return fields;
  const { port, scope } = fields.value;
  const lowest = rules.allowAnyPort === true ? 0 : 1;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < lowest || port > 65535) {
    // Say what this caller accepts: tools may pass 0 (any free port), the renderer may not.
    return fail(`The port must be a whole number from ${lowest} to 65535.`);
  }
  if (scope !== 'lan' && scope !== 'local') {
    return fail('The scope must be “lan” (the whole network) or “local” (this computer only).');
  }
  const checkedScope: HostScope = scope;
  return ok({ port, scope: checkedScope });
}

/** Checks the Join field and parses it; the default port applies when none was typed. */
export function validateJoinRequest(value: unknown): Result<JoinTarget> {
  const fields = readFields(value, 'The join request', ['address']);
  if (!fields.ok) return fields;
  const address = checkString(fields.value.address, 'The address', LIMITS.maxAddressChars);
  if (!address.ok) return address;
  const parsed = parseHostPort(address.value, DEFAULT_PORT);
  if (!parsed.ok) return fail(parsed.error);
  return ok({ address: address.value.trim(), host: parsed.host, port: parsed.port });
}

export function validateSendRequest(value: unknown): Result<SendRequest> {
  const fields = readFields(value, 'The send request', ['text']);
  if (!fields.ok) return fields;
  const text = checkString(fields.value.text, 'The message', LIMITS.maxSendChars);
  if (!text.ok) return text;
  return ok({ text: text.value });
}

export function validateCopyText(value: unknown): Result<string> {
  return checkString(value, 'The text to copy', LIMITS.maxCopyChars);
}

/**
 * Only web links leave the app: `http:` and `https:`, nothing that could start a local
 * program (`file:`, `smb:`, custom schemes…), and only links that are not sneaky by the same
 * rules the renderer uses to show them (main/common/links.ts). Returns the URL as the parser
 * normalised it (an international host in punycode).
 */
export function validateOpenLink(value: unknown): Result<string> {
  const text = checkString(value, 'The link', LIMITS.maxUrlChars);
  if (!text.ok) return text;
  // The URL parser silently drops some control characters; a link that contains any is not one we show.
  // eslint-disable-next-line no-control-regex -- control characters are what this check refuses
  if (/[\u0000-\u0020\u007f-\u009f]/.test(text.value)) return fail('The link contains spaces or control characters.');
  let url: URL;
  try {
    url = new URL(text.value);
  } catch {
    return fail('That is not a valid link.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail('Only http and https links can be opened.');
  }
  if (url.hostname.length === 0) return fail('That link has no host.');
  const checked = checkLink(text.value);
  if (!checked.ok) return fail(`That link is not opened because ${checked.problem}.`);
  return ok(checked.link.url);
}

export function validateForgetRecentHost(value: unknown): Result<string> {
  const address = checkString(value, 'The address to forget', LIMITS.maxAddressChars);
  if (!address.ok) return address;
  const trimmed = address.value.trim();
  if (trimmed.length === 0) return fail('The address to forget is empty.');
  return ok(trimmed);
}

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
import { isFingerprint } from './fingerprint';
import { HISTORY_LIMITS, RETENTIONS, type Retention, type RoomAddress } from './history';
import { checkLink } from './links';
import {
  LIMITS,
  NOTIFICATION_PRIVACY_LEVELS,
  fail,
  ok,
  type ClearHistoryRequest,
  type HistoryContextRequest,
  type HistoryPageRequest,
  type HistoryViewRequest,
  type HostRequest,
  type FreePortRequest,
  type HostScope,
  type NotificationPrivacy,
  type Result,
  type SearchHistoryRequest,
  type SendRequest,
  type SettingsUpdate,
  type TopicRequest,
  type PasswordRequest,
  type RemovePersonRequest,
  type ViewState,
} from './ipc-contract';
import { MENTION_LIMITS, normalizeKeyword } from './mentions';
import { cleanPersonName, cleanTopic } from './person-name';

export interface JoinTarget {
  /** A key the user accepted on purpose (JoinRequest.trust), checked. */
  trust?: string;
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
  const fields = readFields(value, 'The host request', ['port', 'scope', 'name', 'topic', 'password', 'encryptedOnly']);
  if (!fields.ok) return fields;
  const { port, scope, name, topic, password, encryptedOnly } = fields.value;
  const lowest = rules.allowAnyPort === true ? 0 : 1;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < lowest || port > 65535) {
    // Say what this caller accepts: tools may pass 0 (any free port), the renderer may not.
    return fail(`The port must be a whole number from ${lowest} to 65535.`);
  }
  if (scope !== 'lan' && scope !== 'local') {
    return fail('The scope must be “lan” (the whole network) or “local” (this computer only).');
  }
  const checkedScope: HostScope = scope;
  const request: HostRequest = { port, scope: checkedScope };
  if (name !== undefined) {
    // Cleaning and the 63-byte rule are main's (checkRoomName); this only bounds the text.
    const checkedName = checkString(name, 'The room name', LIMITS.maxRoomNameChars);
    if (!checkedName.ok) return checkedName;
    request.name = checkedName.value;
  }
  if (topic !== undefined) {
    const checkedTopic = checkTopic(topic);
    if (!checkedTopic.ok) return checkedTopic;
    if (checkedTopic.value !== '') request.topic = checkedTopic.value;
  }
  if (password !== undefined) {
    // What a password may hold is the server's rule (room-gate.ts); this only bounds the text.
    const checkedPassword = checkString(password, 'The password', LIMITS.maxPasswordChars);
    if (!checkedPassword.ok) return checkedPassword;
    if (checkedPassword.value !== '') request.password = checkedPassword.value;
  }
  if (encryptedOnly !== undefined) {
    if (typeof encryptedOnly !== 'boolean') return fail('“Encrypted only” must be true or false.');
    if (encryptedOnly) request.encryptedOnly = true;
  }
  return ok(request);
}

export function validatePasswordRequest(value: unknown): Result<PasswordRequest> {
  const fields = readFields(value, 'The password request', ['password', 'remember']);
  if (!fields.ok) return fields;
  const password = checkString(fields.value.password, 'The password', LIMITS.maxPasswordChars);
  if (!password.ok) return password;
  if (password.value.trim() === '') return fail('Type the room\'s password.');
  if (/[\r\n]/.test(password.value)) return fail('A password is one line.');
  if (typeof fields.value.remember !== 'boolean') return fail('“remember” must be true or false.');
  return ok({ password: password.value, remember: fields.value.remember });
}

export function validateRemovePersonRequest(value: unknown): Result<RemovePersonRequest> {
  const fields = readFields(value, 'The remove request', ['peer', 'ban']);
  if (!fields.ok) return fields;
  const peer = checkString(fields.value.peer, 'The address', LIMITS.maxAddressChars);
  if (!peer.ok) return peer;
  if (typeof fields.value.ban !== 'boolean') return fail('“ban” must be true or false.');
  return ok({ peer: peer.value, ban: fields.value.ban });
}

/** A topic as typed: bounded, then cleaned (person-name.ts); '' is no topic. */
function checkTopic(value: unknown): Result<string> {
  const text = checkString(value, 'The topic', LIMITS.maxTypedNameChars);
  if (!text.ok) return text;
  const cleaned = cleanTopic(text.value);
  return cleaned.ok ? ok(cleaned.text) : fail(`The topic: ${cleaned.reason}.`);
}

export function validateTopicRequest(value: unknown): Result<TopicRequest> {
  const fields = readFields(value, 'The topic request', ['topic']);
  if (!fields.ok) return fields;
  const topic = checkTopic(fields.value.topic);
  return topic.ok ? ok({ topic: topic.value }) : topic;
}

/** A display name as typed: bounded, then cleaned (person-name.ts); '' (or only blanks) is no name. */
function checkDisplayName(value: unknown): Result<string> {
  const text = checkString(value, 'Your name', LIMITS.maxTypedNameChars);
  if (!text.ok) return text;
  if (text.value.trim() === '') return ok('');
  const cleaned = cleanPersonName(text.value);
  return cleaned.ok ? ok(cleaned.text) : fail(`Your name: ${cleaned.reason}.`);
}

export function validateFreePortRequest(value: unknown): Result<FreePortRequest> {
  const fields = readFields(value, 'The free port request', ['busyPort', 'scope']);
  if (!fields.ok) return fields;
  const { busyPort, scope } = fields.value;
  if (typeof busyPort !== 'number' || !Number.isInteger(busyPort) || busyPort < 1 || busyPort > 65535) {
    return fail('The busy port must be a whole number from 1 to 65535.');
  }
  if (scope !== 'lan' && scope !== 'local') {
    return fail('The scope must be “lan” (the whole network) or “local” (this computer only).');
  }
  return ok({ busyPort, scope });
}

/** Checks the Join field and parses it; the default port applies when none was typed. */
export function validateJoinRequest(value: unknown): Result<JoinTarget> {
  const fields = readFields(value, 'The join request', ['address', 'trust']);
  if (!fields.ok) return fields;
  const address = checkString(fields.value.address, 'The address', LIMITS.maxAddressChars);
  if (!address.ok) return address;
  const parsed = parseHostPort(address.value, DEFAULT_PORT);
  if (!parsed.ok) return fail(parsed.error);
  const target = { address: address.value.trim(), host: parsed.host, port: parsed.port };
  const trust = fields.value.trust;
  if (trust === undefined) return ok(target);
  if (trust === 'plain' || isFingerprint(trust)) return ok({ ...target, trust });
  return fail('The key to trust must be a SHA-256 fingerprint (AB:CD:…) or “plain”.');
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

// ---- history, settings, the view ------------------------------------------------------------

/** A history line id: a whole number from 1 up. */
function checkLineId(value: unknown, what: string): Result<number> {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) return fail(`${what} must be a whole number from 1 up.`);
  return ok(value);
}

function checkRoom(value: unknown): Result<RoomAddress> {
  const fields = readFields(value, 'The room', ['host', 'port']);
  if (!fields.ok) return fields;
  const { host, port } = fields.value;
  const checkedHost = checkString(host, 'The room’s host', HISTORY_LIMITS.maxHostChars);
  if (!checkedHost.ok) return checkedHost;
  if (checkedHost.value.length === 0) return fail('The room’s host is empty.');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    return fail('The room’s port must be a whole number from 0 to 65535.');
  }
  return ok({ host: checkedHost.value, port });
}

export function validateHistoryViewRequest(value: unknown): Result<HistoryViewRequest> {
  const fields = readFields(value, 'The history request', ['beforeId']);
  if (!fields.ok) return fields;
  const { beforeId } = fields.value;
  if (beforeId === null) return ok({ beforeId: null });
  const id = checkLineId(beforeId, 'The history cursor');
  return id.ok ? ok({ beforeId: id.value }) : id;
}

export function validateHistoryPageRequest(value: unknown): Result<HistoryPageRequest> {
  const fields = readFields(value, 'The history request', ['room', 'beforeId', 'afterId']);
  if (!fields.ok) return fields;
  const { room, beforeId, afterId } = fields.value;
  const checkedRoom = checkRoom(room);
  if (!checkedRoom.ok) return checkedRoom;
  if (beforeId !== undefined && afterId !== undefined) return fail('Ask for older or for newer lines, not both.');
  if (beforeId !== undefined) {
    const id = checkLineId(beforeId, 'The history cursor');
    return id.ok ? ok({ room: checkedRoom.value, beforeId: id.value }) : id;
  }
  if (afterId !== undefined) {
    if (typeof afterId !== 'number' || !Number.isSafeInteger(afterId) || afterId < 0) {
      return fail('The history cursor must be a whole number from 0 up.');
    }
    return ok({ room: checkedRoom.value, afterId });
  }
  return ok({ room: checkedRoom.value });
}

export function validateHistoryContextRequest(value: unknown): Result<HistoryContextRequest> {
  const fields = readFields(value, 'The history request', ['lineId']);
  if (!fields.ok) return fields;
  const id = checkLineId(fields.value.lineId, 'The line');
  return id.ok ? ok({ lineId: id.value }) : id;
}

export function validateSearchHistoryRequest(value: unknown): Result<SearchHistoryRequest> {
  const fields = readFields(value, 'The search', ['query', 'scope', 'beforeId']);
  if (!fields.ok) return fields;
  const { query, scope, beforeId } = fields.value;
  const text = checkString(query, 'The search', HISTORY_LIMITS.maxQueryChars);
  if (!text.ok) return text;
  if (scope !== 'room' && scope !== 'all') return fail('Search “room” (this room) or “all” (all rooms).');
  if (beforeId === undefined) return ok({ query: text.value, scope });
  const id = checkLineId(beforeId, 'The search cursor');
  return id.ok ? ok({ query: text.value, scope, beforeId: id.value }) : id;
}

export function validateClearHistoryRequest(value: unknown): Result<ClearHistoryRequest> {
  const fields = readFields(value, 'The clear request', ['scope']);
  if (!fields.ok) return fields;
  const { scope } = fields.value;
  if (scope !== 'room' && scope !== 'all') return fail('Clear “room” (this room’s history) or “all” (every room’s).');
  return ok({ scope });
}

/** Keywords as the Settings panel sends them: a list of words, each checked, normalised. */
function checkKeywords(value: unknown): Result<string[]> {
  if (!Array.isArray(value)) return fail('The keywords must be a list of words.');
  if (value.length > MENTION_LIMITS.maxKeywords) return fail(`At most ${MENTION_LIMITS.maxKeywords} keywords.`);
  const keywords: string[] = [];
  for (const item of value as unknown[]) {
    const text = checkString(item, 'A keyword', MENTION_LIMITS.maxKeywordChars * 4);
    if (!text.ok) return text;
    const keyword = normalizeKeyword(text.value);
    if (keyword.length > MENTION_LIMITS.maxKeywordChars) return fail(`A keyword is too long: at most ${MENTION_LIMITS.maxKeywordChars} characters.`);
    if (keyword.length > 0 && !keywords.some((known) => known.toLowerCase() === keyword.toLowerCase())) keywords.push(keyword);
  }
  return ok(keywords);
}

function checkBoolean(value: unknown, what: string): Result<boolean> {
  return typeof value === 'boolean' ? ok(value) : fail(`${what} must be on or off (true or false).`);
}

export function validateSettingsUpdate(value: unknown): Result<SettingsUpdate> {
  const fields = readFields(value, 'The settings', ['historyRetention', 'notificationPrivacy', 'mentionsOnly', 'mentionKeywords', 'doNotDisturb', 'displayName']);
  if (!fields.ok) return fields;
  const { historyRetention, notificationPrivacy, mentionsOnly, mentionKeywords, doNotDisturb, displayName } = fields.value;
  const update: SettingsUpdate = {};
  if (historyRetention !== undefined) {
    if (!RETENTIONS.includes(historyRetention as Retention)) return fail('Keep history “forever”, for “days30” or for this “session” only.');
    update.historyRetention = historyRetention as Retention;
  }
  if (notificationPrivacy !== undefined) {
    if (!NOTIFICATION_PRIVACY_LEVELS.includes(notificationPrivacy as NotificationPrivacy)) {
      return fail('Notifications show “off” (nothing), “sender” (who wrote) or “full” (who and what).');
    }
    update.notificationPrivacy = notificationPrivacy as NotificationPrivacy;
  }
  if (mentionsOnly !== undefined) {
    const checked = checkBoolean(mentionsOnly, 'Mentions only');
    if (!checked.ok) return checked;
    update.mentionsOnly = checked.value;
  }
  if (doNotDisturb !== undefined) {
    const checked = checkBoolean(doNotDisturb, 'Do not disturb');
    if (!checked.ok) return checked;
    update.doNotDisturb = checked.value;
  }
  if (mentionKeywords !== undefined) {
    const checked = checkKeywords(mentionKeywords);
    if (!checked.ok) return checked;
    update.mentionKeywords = checked.value;
  }
  if (displayName !== undefined) {
    const checked = checkDisplayName(displayName);
    if (!checked.ok) return checked;
    update.displayName = checked.value;
  }
  if (Object.keys(update).length === 0) return fail('The settings change nothing.');
  return ok(update);
}

export function validateViewState(value: unknown): Result<ViewState> {
  const fields = readFields(value, 'The view state', ['focused', 'atBottom']);
  if (!fields.ok) return fields;
  const focused = checkBoolean(fields.value.focused, 'Focused');
  if (!focused.ok) return focused;
  const atBottom = checkBoolean(fields.value.atBottom, 'At the bottom');
  if (!atBottom.ok) return atBottom;
  return ok({ focused: focused.value, atBottom: atBottom.value });
}

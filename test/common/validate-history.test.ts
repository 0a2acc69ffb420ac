/** The validators of the history, search, settings and view-state requests: hostile renderer input. */
import { describe, expect, it } from 'vitest';
import { HISTORY_LIMITS } from '../../main/common/history';
import {
  validateClearHistoryRequest,
  validateHistoryContextRequest,
  validateHistoryPageRequest,
  validateHistoryViewRequest,
  validateSearchHistoryRequest,
  validateSettingsUpdate,
  validateViewState,
} from '../../main/common/validate';
import { errorOf } from '../support/result';

const notObjects: unknown[] = [undefined, null, 0, 'text', true, [], () => 1, new Date(), new Map()];
const badIds: unknown[] = [0, -1, 1.5, NaN, Infinity, 2 ** 53, '5', null, [5], { valueOf: () => 5 }];

describe('validateHistoryViewRequest', () => {
  it('takes the newest page (null) or a line id cursor', () => {
    expect(validateHistoryViewRequest({ beforeId: null })).toEqual({ ok: true, value: { beforeId: null } });
    expect(validateHistoryViewRequest({ beforeId: 42 })).toEqual({ ok: true, value: { beforeId: 42 } });
  });

  it.each(badIds.filter((id) => id !== null))('refuses the cursor %s', (beforeId) => {
    expect(errorOf(validateHistoryViewRequest({ beforeId }))).toBe('The history cursor must be a whole number from 1 up.');
  });

  it.each(notObjects)('refuses %s', (value) => {
    expect(validateHistoryViewRequest(value).ok).toBe(false);
  });

  it('refuses extra fields and getters', () => {
    expect(errorOf(validateHistoryViewRequest({ beforeId: null, limit: 10_000 }))).toMatch(/unexpected field “limit”/);
    const sneaky = Object.defineProperty({}, 'beforeId', { get: () => 1, enumerable: true });
    expect(validateHistoryViewRequest(sneaky).ok).toBe(false);
  });
});

describe('validateHistoryPageRequest', () => {
  const room = { host: '10.0.0.5', port: 60003 };

  it('takes a room and one cursor', () => {
    expect(validateHistoryPageRequest({ room })).toEqual({ ok: true, value: { room } });
    expect(validateHistoryPageRequest({ room, beforeId: 7 })).toEqual({ ok: true, value: { room, beforeId: 7 } });
    expect(validateHistoryPageRequest({ room, afterId: 0 })).toEqual({ ok: true, value: { room, afterId: 0 } });
  });

  it('refuses both cursors, bad rooms and bad cursors', () => {
    expect(errorOf(validateHistoryPageRequest({ room, beforeId: 1, afterId: 2 }))).toBe('Ask for older or for newer lines, not both.');
    expect(errorOf(validateHistoryPageRequest({ room: { host: '', port: 1 } }))).toBe('The room’s host is empty.');
    expect(errorOf(validateHistoryPageRequest({ room: { host: 'h'.repeat(HISTORY_LIMITS.maxHostChars + 1), port: 1 } }))).toMatch(/too long/);
    expect(errorOf(validateHistoryPageRequest({ room: { host: 'a', port: 70000 } }))).toMatch(/port/);
    expect(errorOf(validateHistoryPageRequest({ room: { host: 'a', port: 1, name: 'x' } }))).toMatch(/unexpected field/);
    expect(errorOf(validateHistoryPageRequest({ room, afterId: -1 }))).toMatch(/from 0 up/);
    expect(validateHistoryPageRequest({ room: 'a:1' }).ok).toBe(false);
  });
});

describe('validateHistoryContextRequest', () => {
  it('takes a line id', () => {
    expect(validateHistoryContextRequest({ lineId: 3 })).toEqual({ ok: true, value: { lineId: 3 } });
  });
  it.each(badIds)('refuses %s', (lineId) => {
    expect(errorOf(validateHistoryContextRequest({ lineId }))).toBe('The line must be a whole number from 1 up.');
  });
});

describe('validateSearchHistoryRequest', () => {
  it('takes a bounded query, a scope and an optional cursor', () => {
    expect(validateSearchHistoryRequest({ query: 'NEAR( "x" *', scope: 'all' })).toEqual({ ok: true, value: { query: 'NEAR( "x" *', scope: 'all' } });
    expect(validateSearchHistoryRequest({ query: 'x', scope: 'room', beforeId: 9 })).toEqual({ ok: true, value: { query: 'x', scope: 'room', beforeId: 9 } });
  });
  it('refuses a long query, a bad scope, a bad cursor', () => {
    expect(errorOf(validateSearchHistoryRequest({ query: 'x'.repeat(HISTORY_LIMITS.maxQueryChars + 1), scope: 'all' }))).toBe(
      `The search is too long: at most ${HISTORY_LIMITS.maxQueryChars} characters.`,
    );
    expect(errorOf(validateSearchHistoryRequest({ query: 'x', scope: 'everywhere' }))).toMatch(/“room”.*“all”/);
    expect(errorOf(validateSearchHistoryRequest({ query: 5, scope: 'all' }))).toBe('The search must be text.');
    expect(validateSearchHistoryRequest({ query: 'x', scope: 'all', beforeId: 0 }).ok).toBe(false);
  });
});

describe('validateClearHistoryRequest', () => {
  it('takes room or all', () => {
    expect(validateClearHistoryRequest({ scope: 'room' })).toEqual({ ok: true, value: { scope: 'room' } });
    expect(validateClearHistoryRequest({ scope: 'all' })).toEqual({ ok: true, value: { scope: 'all' } });
    expect(validateClearHistoryRequest({ scope: 'everything' }).ok).toBe(false);
    expect(validateClearHistoryRequest({}).ok).toBe(false);
  });
});

describe('validateSettingsUpdate', () => {
  it('takes any subset of the settings', () => {
    expect(validateSettingsUpdate({ historyRetention: 'days30' })).toEqual({ ok: true, value: { historyRetention: 'days30' } });
    expect(
      validateSettingsUpdate({ notificationPrivacy: 'full', mentionsOnly: true, doNotDisturb: false, mentionKeywords: [' Ann ', 'ann', 'Bob  Smith', ''] }),
    ).toEqual({ ok: true, value: { notificationPrivacy: 'full', mentionsOnly: true, doNotDisturb: false, mentionKeywords: ['Ann', 'Bob Smith'] } });
  });

  it('refuses what is not a setting, with a sentence for each', () => {
    expect(errorOf(validateSettingsUpdate({}))).toBe('The settings change nothing.');
    expect(errorOf(validateSettingsUpdate({ historyRetention: 'always' }))).toMatch(/Keep history/);
    expect(errorOf(validateSettingsUpdate({ notificationPrivacy: 'loud' }))).toMatch(/Notifications show/);
    expect(errorOf(validateSettingsUpdate({ mentionsOnly: 'yes' }))).toBe('Mentions only must be on or off (true or false).');
    expect(errorOf(validateSettingsUpdate({ doNotDisturb: 1 }))).toBe('Do not disturb must be on or off (true or false).');
    expect(errorOf(validateSettingsUpdate({ mentionKeywords: 'Ann' }))).toBe('The keywords must be a list of words.');
    expect(errorOf(validateSettingsUpdate({ mentionKeywords: Array(21).fill('k') }))).toBe('At most 20 keywords.');
    expect(errorOf(validateSettingsUpdate({ mentionKeywords: ['x'.repeat(65)] }))).toMatch(/A keyword is too long/);
    expect(errorOf(validateSettingsUpdate({ mentionKeywords: [42] }))).toBe('A keyword must be text.');
    expect(errorOf(validateSettingsUpdate({ lastPort: 80 }))).toMatch(/unexpected field “lastPort”/);
  });
});

describe('validateViewState', () => {
  it('takes two booleans', () => {
    expect(validateViewState({ focused: false, atBottom: true })).toEqual({ ok: true, value: { focused: false, atBottom: true } });
    expect(validateViewState({ focused: 'no', atBottom: true }).ok).toBe(false);
    expect(validateViewState({ focused: true }).ok).toBe(false);
  });
});

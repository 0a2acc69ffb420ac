/** The validators of the history, search, settings and view-state requests: hostile renderer input. */
import { describe, expect, it } from 'vitest';
import { HISTORY_LIMITS } from '../../main/common/history';
import { parseRequest } from '../../main/common/ipc-contract';
import { errorOf } from '../support/result';

const notObjects: unknown[] = [undefined, null, 0, 'text', true, [], () => 1, new Date(), new Map()];
const badIds: unknown[] = [0, -1, 1.5, NaN, Infinity, 2 ** 53, '5', null, [5], { valueOf: () => 5 }];

describe('historyView (REQUESTS.historyView)', () => {
  it('takes the newest page (null) or a line id cursor', () => {
    expect(parseRequest('historyView', { beforeId: null })).toEqual({ ok: true, value: { beforeId: null } });
    expect(parseRequest('historyView', { beforeId: 42 })).toEqual({ ok: true, value: { beforeId: 42 } });
  });

  it.each(badIds.filter((id) => id !== null))('refuses the cursor %s', (beforeId) => {
    expect(errorOf(parseRequest('historyView', { beforeId }))).toBe('The history cursor must be a whole number from 1 up.');
  });

  it.each(notObjects)('refuses %s', (value) => {
    expect(parseRequest('historyView', value).ok).toBe(false);
  });

  it('refuses extra fields and getters', () => {
    expect(errorOf(parseRequest('historyView', { beforeId: null, limit: 10_000 }))).toMatch(/unexpected field “limit”/);
    const sneaky = Object.defineProperty({}, 'beforeId', { get: () => 1, enumerable: true });
    expect(parseRequest('historyView', sneaky).ok).toBe(false);
  });
});

describe('historyPage (REQUESTS.historyPage)', () => {
  const room = { host: '10.0.0.5', port: 60003 };

  it('takes a room and one cursor', () => {
    expect(parseRequest('historyPage', { room })).toEqual({ ok: true, value: { room } });
    expect(parseRequest('historyPage', { room, beforeId: 7 })).toEqual({ ok: true, value: { room, beforeId: 7 } });
    expect(parseRequest('historyPage', { room, afterId: 0 })).toEqual({ ok: true, value: { room, afterId: 0 } });
  });

  it('refuses both cursors, bad rooms and bad cursors', () => {
    expect(errorOf(parseRequest('historyPage', { room, beforeId: 1, afterId: 2 }))).toBe('Ask for older or for newer lines, not both.');
    expect(errorOf(parseRequest('historyPage', { room: { host: '', port: 1 } }))).toBe('The room’s host is empty.');
    expect(errorOf(parseRequest('historyPage', { room: { host: 'h'.repeat(HISTORY_LIMITS.maxHostChars + 1), port: 1 } }))).toMatch(/too long/);
    expect(errorOf(parseRequest('historyPage', { room: { host: 'a', port: 70000 } }))).toMatch(/port/);
    expect(errorOf(parseRequest('historyPage', { room: { host: 'a', port: 1, name: 'x' } }))).toMatch(/unexpected field/);
    expect(errorOf(parseRequest('historyPage', { room, afterId: -1 }))).toMatch(/from 0 up/);
    expect(parseRequest('historyPage', { room: 'a:1' }).ok).toBe(false);
  });
});

describe('historyContext (REQUESTS.historyContext)', () => {
  it('takes a line id', () => {
    expect(parseRequest('historyContext', { lineId: 3 })).toEqual({ ok: true, value: { lineId: 3 } });
  });
  it.each(badIds)('refuses %s', (lineId) => {
    expect(errorOf(parseRequest('historyContext', { lineId }))).toBe('The line must be a whole number from 1 up.');
  });
});

describe('searchHistory (REQUESTS.searchHistory)', () => {
  it('takes a bounded query, a scope and an optional cursor', () => {
    expect(parseRequest('searchHistory', { query: 'NEAR( "x" *', scope: 'all' })).toEqual({ ok: true, value: { query: 'NEAR( "x" *', scope: 'all' } });
    expect(parseRequest('searchHistory', { query: 'x', scope: 'room', beforeId: 9 })).toEqual({ ok: true, value: { query: 'x', scope: 'room', beforeId: 9 } });
  });
  it('refuses a long query, a bad scope, a bad cursor', () => {
    expect(errorOf(parseRequest('searchHistory', { query: 'x'.repeat(HISTORY_LIMITS.maxQueryChars + 1), scope: 'all' }))).toBe(
      `The search is too long: at most ${HISTORY_LIMITS.maxQueryChars} characters.`,
    );
    expect(errorOf(parseRequest('searchHistory', { query: 'x', scope: 'everywhere' }))).toMatch(/“room”.*“all”/);
    expect(errorOf(parseRequest('searchHistory', { query: 5, scope: 'all' }))).toBe('The search must be text.');
    expect(parseRequest('searchHistory', { query: 'x', scope: 'all', beforeId: 0 }).ok).toBe(false);
  });
});

describe('clearHistory (REQUESTS.clearHistory)', () => {
  it('takes room or all', () => {
    expect(parseRequest('clearHistory', { scope: 'room' })).toEqual({ ok: true, value: { scope: 'room' } });
    expect(parseRequest('clearHistory', { scope: 'all' })).toEqual({ ok: true, value: { scope: 'all' } });
    expect(parseRequest('clearHistory', { scope: 'everything' }).ok).toBe(false);
    expect(parseRequest('clearHistory', {}).ok).toBe(false);
  });
});

describe('updateSettings (REQUESTS.updateSettings)', () => {
  it('takes any subset of the settings', () => {
    expect(parseRequest('updateSettings', { historyRetention: 'days30' })).toEqual({ ok: true, value: { historyRetention: 'days30' } });
    expect(
      parseRequest('updateSettings', { notificationPrivacy: 'full', mentionsOnly: true, doNotDisturb: false, mentionKeywords: [' Ann ', 'ann', 'Bob  Smith', ''] }),
    ).toEqual({ ok: true, value: { notificationPrivacy: 'full', mentionsOnly: true, doNotDisturb: false, mentionKeywords: ['Ann', 'Bob Smith'] } });
  });

  it('refuses what is not a setting, with a sentence for each', () => {
    expect(errorOf(parseRequest('updateSettings', {}))).toBe('The settings change nothing.');
    expect(errorOf(parseRequest('updateSettings', { historyRetention: 'always' }))).toMatch(/Keep history/);
    expect(errorOf(parseRequest('updateSettings', { notificationPrivacy: 'loud' }))).toMatch(/Notifications show/);
    expect(errorOf(parseRequest('updateSettings', { mentionsOnly: 'yes' }))).toBe('Mentions only must be on or off (true or false).');
    expect(errorOf(parseRequest('updateSettings', { doNotDisturb: 1 }))).toBe('Do not disturb must be on or off (true or false).');
    expect(errorOf(parseRequest('updateSettings', { mentionKeywords: 'Ann' }))).toBe('The keywords must be a list of words.');
    expect(errorOf(parseRequest('updateSettings', { mentionKeywords: Array(21).fill('k') }))).toBe('At most 20 keywords.');
    expect(errorOf(parseRequest('updateSettings', { mentionKeywords: ['x'.repeat(65)] }))).toMatch(/A keyword is too long/);
    expect(errorOf(parseRequest('updateSettings', { mentionKeywords: [42] }))).toBe('A keyword must be text.');
    expect(errorOf(parseRequest('updateSettings', { lastPort: 80 }))).toMatch(/unexpected field “lastPort”/);
  });
});

describe('setViewState (REQUESTS.setViewState)', () => {
  it('takes two booleans', () => {
    expect(parseRequest('setViewState', { focused: false, atBottom: true })).toEqual({ ok: true, value: { focused: false, atBottom: true } });
    expect(parseRequest('setViewState', { focused: 'no', atBottom: true }).ok).toBe(false);
    expect(parseRequest('setViewState', { focused: true }).ok).toBe(false);
  });
});

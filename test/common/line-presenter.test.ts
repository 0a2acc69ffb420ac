/** The line presenter: every kind of line in words, with and without a name. */
import { describe, expect, it } from 'vitest';
import { LINE_KINDS, type LineKind } from '../../main/common/line-kind';
import { NameBook, personLabel, presentLine, type PresentableLine } from '../../main/common/line-presenter';

const PEER = '10.0.0.5:50123';

function line(kind: LineKind, text = '', overrides: Partial<PresentableLine> = {}): PresentableLine {
  return { kind, peer: PEER, text, self: false, ...overrides };
}

describe('presentLine', () => {
  it('says who with the name and the address kept, or the address alone', () => {
    expect(presentLine(line('message', 'hi'))).toEqual({ who: PEER, what: 'hi', sentence: `${PEER}: hi` });
    expect(presentLine(line('message', 'hi'), { name: 'alice' })).toEqual({ who: `alice (${PEER})`, what: 'hi', sentence: `alice (${PEER}): hi` });
    expect(presentLine(line('connected'), { name: 'alice' }).sentence).toBe(`alice (${PEER}) joined`);
    expect(presentLine(line('disconnected')).sentence).toBe(`${PEER} left`);
    expect(personLabel(PEER, '')).toBe(PEER);
  });

  it('own lines are "You", or named like anyone else\'s when asked', () => {
    const mine = line('message', 'hi', { self: true });
    expect(presentLine(mine, { name: 'me' }).sentence).toBe('You: hi');
    expect(presentLine(mine, { name: 'me', youForSelf: false }).sentence).toBe(`me (${PEER}): hi`);
  });

  it('words the server\'s notices, parsing the text when no notice is given', () => {
    const topic = line('notice', 'Tincan: topic: games', { peer: '' });
    expect(presentLine(topic)).toEqual({ who: 'Tincan', what: 'Topic: games', sentence: 'Tincan: Topic: games' });
    expect(presentLine(line('notice', `Tincan: [${PEER}] is now alice`)).what).toBe(`${PEER} is now alice`);
    expect(presentLine(line('notice', `Tincan: [${PEER}] bob is now alice`)).what).toBe(`bob (${PEER}) is now alice`);
    expect(presentLine(line('notice', `Tincan: [${PEER}] is no longer bob`)).what).toBe(`${PEER} is no longer bob`);
    expect(presentLine(line('notice', 'Tincan: name refused: taken')).what).toBe('Your name was refused: taken');
    expect(presentLine(line('notice', 'Tincan: the topic was cleared.')).what).toBe('The topic was cleared.');
    expect(presentLine(line('notice', 'Tincan: reconnected')).sentence).toBe('Tincan: reconnected');
  });

  it('raw and skipped lines read as they came, by nobody', () => {
    expect(presentLine(line('raw', '[bogus', { peer: '' }))).toEqual({ who: '', what: '[bogus', sentence: '[bogus' });
    expect(presentLine(line('skipped', '3 lines skipped', { peer: '' })).sentence).toBe('3 lines skipped');
  });

  it('answers for every line kind', () => {
    for (const kind of LINE_KINDS) expect(typeof presentLine(line(kind, 'x')).sentence).toBe('string');
  });
});

describe('NameBook', () => {
  it('learns names from name lines and /who entries, and forgets a dropped one', () => {
    const book = new NameBook();
    book.take(line('message', `Tincan: [${PEER}] is now alice`));
    expect(book.nameOf(PEER)).toBeNull();
    book.take(line('notice', `Tincan: [${PEER}] is now alice`));
    expect(book.nameOf(PEER)).toBe('alice');
    book.take(line('notice', `Tincan: [10.0.0.6:1] bob, since 10:18`));
    expect(book.nameOf('10.0.0.6:1')).toBe('bob');
    book.take(line('notice', `Tincan: [${PEER}] is no longer alice`));
    expect(book.nameOf(PEER)).toBeNull();
  });

  it('keeps at most its bound, forgetting the oldest', () => {
    const book = new NameBook(3);
    for (let index = 0; index < 10; index++) book.set(`10.0.0.${index}:1`, `n${index}`);
    expect([0, 6, 7, 8, 9].map((index) => book.nameOf(`10.0.0.${index}:1`))).toEqual([null, null, 'n7', 'n8', 'n9']);
  });
});

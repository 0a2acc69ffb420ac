import { describe, expect, it } from 'vitest';
import { isBlank, isPrintableAscii, stripControls, utf8BoundaryAtOrBefore } from '../../main/chat/sanitize';

describe('stripControls', () => {
  it.each([
    ['CSI clear screen', '\x1b[2Jhello', 'hello'],
    ['CSI cursor home + clear', '\x1b[H\x1b[2J\x1b[3Jhi', 'hi'],
    ['CSI colour (SGR)', '\x1b[1;31mred\x1b[0m text', 'red text'],
    ['CSI private mode', 'a\x1b[?25lb\x1b[?1049hc', 'abc'],
    ['CSI with intermediate byte', 'a\x1b[1 qb', 'ab'],
    ['unfinished CSI at the end', 'text\x1b[12;', 'text'],
    ['OSC retitle ended by BEL', '\x1b]0;pwned\x07after', 'after'],
    ['OSC ended by ST', '\x1b]2;pwned\x1b\\after', 'after'],
    ['OSC 8 hyperlink', '\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\', 'link'],
    ['OSC 52 clipboard write', 'x\x1b]52;c;cm0gLXJmIH4=\x07y', 'xy'],
    ['unterminated OSC eats the rest', 'before\x1b]0;title', 'before'],
    ['DCS', 'a\x1bPq#0;2;0;0;0\x1b\\b', 'ab'],
    ['APC / PM / SOS', 'a\x1b_x\x1b\\b\x1b^y\x1b\\c\x1bXz\x1b\\d', 'abcd'],
    ['lone ESC at the end', 'abc\x1b', 'abc'],
    ['ESC c (full reset)', 'a\x1bcb', 'ab'],
    ['ESC ( B (charset)', 'a\x1b(Bb', 'ab'],
    ['ESC 7 / ESC 8', 'a\x1b7b\x1b8c', 'abc'],
    ['C1 CSI U+009B', '\u009b2Jclear\u009b31mred', 'clearred'],
    ['C1 OSC U+009D ended by ST U+009C', 'a\u009d0;pwned\u009cb', 'ab'],
    ['C1 DCS U+0090', 'a\u0090junk\u009cb', 'ab'],
    ['other C1 controls', 'a\u0080b\u0085c\u008ed\u0084e', 'abcde'],
    ['C1 APC U+009F string up to ST', 'a\u009fhidden\u009cb', 'ab'],
    ['BEL', 'ding\x07dong', 'dingdong'],
    ['BS (overwrite trick)', 'good\x08\x08\x08\x08evil', 'goodevil'],
    ['DEL', 'a\x7fb', 'ab'],
    ['NUL and other C0', 'a\x00b\x01c\x1fd\x0be\x0cf', 'abcdef'],
    ['CR and LF inside', 'a\rb\nc', 'abc'],
    ['tab becomes one space', 'a\tb', 'a b'],
    ['each tab becomes one space', '\tx\t\ty\t', ' x  y '],
    ['bidi override (file name spoof)', 'invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['bidi embeddings and pop', '\u202Aa\u202Bb\u202Cc\u202Dd', 'abcd'],
    ['bidi isolates', '\u2066a\u2067b\u2068c\u2069', 'abc'],
    ['zero-width space, joiners and marks', 'a\u200Bb\u200Cc\u200Dd\u200Ee\u200Ff', 'abcdef'],
    ['Arabic letter mark', 'a\u061Cb', 'ab'],
    ['word joiner and invisible operators', 'a\u2060b\u2061c\u2062d\u2063e\u2064f', 'abcdef'],
    ['byte order mark', '\uFEFFhi', 'hi'],
    ['line and paragraph separators become spaces', 'a\u2028b\u2029c', 'a b c'],
    ['a joiner between emoji stays', '👩\u200D👩\u200D👧', '👩\u200D👩\u200D👧'],
    ['a joiner after a skin tone stays', '👍🏽\u200D👍', '👍🏽\u200D👍'],
    ['a joiner inside a word does not', '(conn\u200Dected)', '(connected)'],
  ])('%s', (_name, input, expected) => {
    expect(stripControls(input)).toBe(expected);
  });

  it('keeps printable text of every script, emoji and U+FFFD', () => {
    const text = 'héllo wörld — 中文 русский עברית 🌍👩‍👩‍👧 \ufffd ~!@#$%^&*()[]{}';
    expect(stripControls(text)).toBe(text);
  });

  it('keeps NBSP (U+00A0), which is just past the C1 range', () => {
    expect(stripControls('a\u00a0b')).toBe('a\u00a0b');
  });

  it('output never contains a control character', () => {
    let all = '';
    for (let c = 0; c < 0x100; c++) all += String.fromCharCode(c) + 'x';
    const out = stripControls(all);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });
});

describe('isBlank / isPrintableAscii / utf8BoundaryAtOrBefore', () => {
  it('isBlank', () => {
    expect(isBlank('')).toBe(true);
    expect(isBlank('   ')).toBe(true);
    expect(isBlank(' \u00a0\u3000 ')).toBe(true);
    expect(isBlank(' a ')).toBe(false);
  });

  it('isPrintableAscii', () => {
    expect(isPrintableAscii(Buffer.from(' hello~'), 0, 7)).toBe(true);
    expect(isPrintableAscii(Buffer.from('a\tb'), 0, 3)).toBe(false);
    expect(isPrintableAscii(Buffer.from('é'), 0, 2)).toBe(false);
    expect(isPrintableAscii(Buffer.from('ab\x7f'), 0, 2)).toBe(true);
  });

  it('utf8BoundaryAtOrBefore never cuts inside a character', () => {
    const bytes = Buffer.from('ab🌍cd', 'utf8'); // a b [4 bytes] c d
    expect(utf8BoundaryAtOrBefore(bytes, 100)).toBe(bytes.length);
    expect(utf8BoundaryAtOrBefore(bytes, 2)).toBe(2);
    expect(utf8BoundaryAtOrBefore(bytes, 3)).toBe(2);
    expect(utf8BoundaryAtOrBefore(bytes, 4)).toBe(2);
    expect(utf8BoundaryAtOrBefore(bytes, 5)).toBe(2);
    expect(utf8BoundaryAtOrBefore(bytes, 6)).toBe(6);
  });
});

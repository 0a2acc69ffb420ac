import { describe, expect, it } from 'vitest';
import { MAX_LINK_CHARS, checkLink, findLinks, isLinkSneaky, isMixedScript, type TextPart } from '../../main/common/links';

/** The links of `text`, as [text, url]. */
function links(text: string): [string, string][] {
  return findLinks(text).flatMap((part) => (part.kind === 'link' ? [[part.text, part.url] as [string, string]] : []));
}

function link(text: string, url = text, host = new URL(url).host, unicodeHost = false): TextPart {
  return { kind: 'link', text, url, host, unicodeHost };
}

describe('findLinks', () => {
  it('finds http and https links and leaves the rest as text', () => {
    expect(findLinks('see https://example.com/a?b=1 and http://x.lan:8080/.')).toEqual([
      { kind: 'text', text: 'see ' },
      link('https://example.com/a?b=1'),
      { kind: 'text', text: ' and ' },
      link('http://x.lan:8080/'),
      { kind: 'text', text: '.' },
    ]);
  });

  it('keeps a parenthesis that belongs to the URL and drops one that closes the sentence', () => {
    expect(findLinks('(https://en.wikipedia.org/wiki/Tin_(band))')[1]).toMatchObject({
      url: 'https://en.wikipedia.org/wiki/Tin_(band)',
    });
    expect(findLinks('(see https://example.com)')[1]).toMatchObject({ url: 'https://example.com/' });
  });

  it('ignores other schemes and a bare scheme', () => {
    expect(findLinks('javascript:alert(1) file:///etc/passwd https:// ftp://x')).toEqual([
      { kind: 'text', text: 'javascript:alert(1) file:///etc/passwd https:// ftp://x' },
    ]);
  });

  it('returns the text unchanged when there is no link', () => {
    expect(findLinks('<img src=x onerror=alert(1)>')).toEqual([{ kind: 'text', text: '<img src=x onerror=alert(1)>' }]);
    expect(findLinks('')).toEqual([]);
  });

  it('leaves sneaky links as the plain text they are', () => {
    for (const sneaky of [
      'https://bank.example@evil.example/login',
      'https://@evil.example/',
      'https://user:pass@evil.example/',
      'https://x.example/invoice\u202Efdp.exe',
      'https://x.example/a\u200Bb',
      'https://аpple.com/',
      'https://аррӏе.com/',
      'https://evil.example\\@good.example/',
      'https://ex%61mple.com/',
    ]) {
      const text = `look: ${sneaky} now`;
      expect(links(text), sneaky).toEqual([]);
      expect(findLinks(text).map((part) => part.text).join(''), sneaky).toBe(text);
    }
  });

  it('shows where an international host really goes (punycode)', () => {
    expect(findLinks('https://bücher.example/katalog')).toEqual([link('https://bücher.example/katalog', 'https://xn--bcher-kva.example/katalog', 'xn--bcher-kva.example', true)]);
    expect(findLinks('http://пример.рф/')[0]).toMatchObject({ kind: 'link', host: 'xn--e1afmkfd.xn--p1ai', unicodeHost: true });
    expect(findLinks('https://例え.テスト/')[0]).toMatchObject({ kind: 'link', unicodeHost: true });
    // Written in ASCII: nothing to add.
    expect(findLinks('https://Example.COM/x')[0]).toMatchObject({ kind: 'link', host: 'example.com', unicodeHost: false });
  });

  it('does not linkify a URL longer than the maximum', () => {
    const long = `https://example.com/${'a'.repeat(MAX_LINK_CHARS)}`;
    expect(links(long)).toEqual([]);
    expect(links(`https://example.com/${'a'.repeat(MAX_LINK_CHARS - 40)}`)).toHaveLength(1);
  });

  it('runs in linear time on hostile input (runs of dots, parentheses, schemes)', () => {
    // The old /[.,;:!?'")\]}]+$/ trim took about 1 s for 32,000 dots; each of these is a few ms.
    const inputs = [
      `https://example.com/${'.'.repeat(200_000)}x`,
      `https://example.com/${'.'.repeat(200_000)}`,
      `https://example.com/${'('.repeat(100_000)}${')'.repeat(100_000)}`,
      'https://'.repeat(50_000),
      'http://x'.repeat(50_000),
    ];
    for (const input of inputs) {
      const started = performance.now();
      findLinks(input);
      const small = performance.now() - started;
      const doubled = input + input;
      const again = performance.now();
      findLinks(doubled);
      const large = performance.now() - again;
      // Generous: a quadratic trim would be ~4x slower on twice the input and take seconds.
      expect(large, `${input.slice(0, 30)}…`).toBeLessThan(Math.max(500, small * 8));
    }
  });
});

describe('checkLink and isLinkSneaky', () => {
  it('explains each refusal', () => {
    expect(checkLink('https://bank.example@evil.example/')).toEqual({ ok: false, problem: 'it hides its real host behind a user name (“…@host”)' });
    expect(checkLink('https://a.example/\u202E')).toEqual({ ok: false, problem: 'it contains invisible or control characters' });
    expect(checkLink('https://a.example\\b')).toEqual({ ok: false, problem: 'it contains a backslash' });
    expect(checkLink('https://аpple.com/')).toEqual({ ok: false, problem: 'its host mixes alphabets, as look-alike addresses do' });
    expect(checkLink('ftp://a.example/')).toEqual({ ok: false, problem: 'only http and https links open' });
    expect(checkLink('https://')).toMatchObject({ ok: false });
  });

  it('accepts ordinary LAN and web links', () => {
    for (const url of ['http://192.168.1.20:8080/', 'http://[fd00::1]:3000/x', 'https://pi.lan/', 'http://printer/', 'https://example.com/a?b=c#d']) {
      expect(isLinkSneaky(url), url).toBe(false);
    }
  });
});

describe('isMixedScript', () => {
  it('allows one script, or the CJK mixes that languages need, and refuses look-alike mixes', () => {
    expect(isMixedScript('example.com')).toBe(false);
    expect(isMixedScript('bücher.de')).toBe(false);
    expect(isMixedScript('пример.рф')).toBe(false);
    expect(isMixedScript('例え.jp')).toBe(false);
    expect(isMixedScript('한국어.kr')).toBe(false);
    expect(isMixedScript('аpple.com')).toBe(true);
    expect(isMixedScript('paypal.cоm')).toBe(true);
    expect(isMixedScript('αpple.com')).toBe(true);
    expect(isMixedScript('한국.テスト')).toBe(true);
  });
});

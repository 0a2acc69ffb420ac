import { describe, expect, it } from 'vitest';
import { splitLinks } from '../../renderer/src/lib/links';
import { PEER_HUE_COUNT, peerHueIndex } from '../../renderer/src/lib/peer-colour';
import { formatDuration } from '../../renderer/src/lib/time';

describe('splitLinks', () => {
  it('finds http and https links and leaves the rest as text', () => {
    expect(splitLinks('see https://example.com/a?b=1 and http://x.lan:8080/.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', url: 'https://example.com/a?b=1' },
      { kind: 'text', text: ' and ' },
      { kind: 'link', text: 'http://x.lan:8080/', url: 'http://x.lan:8080/' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('keeps a parenthesis that belongs to the URL and drops one that closes the sentence', () => {
    expect(splitLinks('(https://en.wikipedia.org/wiki/Tin_(band))')[1]).toMatchObject({
      url: 'https://en.wikipedia.org/wiki/Tin_(band)',
    });
    expect(splitLinks('(see https://example.com)')[1]).toMatchObject({ url: 'https://example.com' });
  });

  it('ignores other schemes and a bare scheme', () => {
    expect(splitLinks('javascript:alert(1) file:///etc/passwd https:// ftp://x')).toEqual([
      { kind: 'text', text: 'javascript:alert(1) file:///etc/passwd https:// ftp://x' },
    ]);
  });

  it('returns the text unchanged when there is no link', () => {
    expect(splitLinks('<img src=x onerror=alert(1)>')).toEqual([{ kind: 'text', text: '<img src=x onerror=alert(1)>' }]);
    expect(splitLinks('')).toEqual([]);
  });
});

describe('peerHueIndex', () => {
  it('is stable and spreads neighbouring ports', () => {
    expect(peerHueIndex('10.0.0.5:50123')).toBe(peerHueIndex('10.0.0.5:50123'));
    const hues = new Set(Array.from({ length: 40 }, (_, i) => peerHueIndex(`10.0.0.5:${50100 + i}`)));
    expect(hues.size).toBeGreaterThan(PEER_HUE_COUNT / 2);
    for (const hue of hues) expect(hue).toBeGreaterThanOrEqual(0);
    for (const hue of hues) expect(hue).toBeLessThan(PEER_HUE_COUNT);
  });
});

describe('formatDuration', () => {
  it('says how long someone has been in the room', () => {
    expect(formatDuration(30_000)).toBe('just now');
    expect(formatDuration(5 * 60_000)).toBe('5 min');
    expect(formatDuration(2 * 3_600_000)).toBe('2 h');
    expect(formatDuration(2 * 3_600_000 + 10 * 60_000)).toBe('2 h 10 min');
  });
});

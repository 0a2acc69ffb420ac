import { describe, expect, it } from 'vitest';
import { clipParts, splitMessage } from '../../renderer/src/lib/highlight';
import { CLIP_CHARS, clipPoint, countCharacters } from '../../renderer/src/lib/long-line';
import { PEER_HUE_COUNT, peerHueIndex } from '../../renderer/src/lib/peer-colour';
import { formatAgo } from '../../renderer/src/lib/time';

describe('peerHueIndex', () => {
  it('is stable and spreads neighbouring ports', () => {
    expect(peerHueIndex('10.0.0.5:50123')).toBe(peerHueIndex('10.0.0.5:50123'));
    const hues = new Set(Array.from({ length: 40 }, (_, i) => peerHueIndex(`10.0.0.5:${50100 + i}`)));
    expect(hues.size).toBeGreaterThan(PEER_HUE_COUNT / 2);
    for (const hue of hues) expect(hue).toBeGreaterThanOrEqual(0);
    for (const hue of hues) expect(hue).toBeLessThan(PEER_HUE_COUNT);
  });
});

describe('formatAgo', () => {
  it('says how long ago, in whole minutes, hours or days', () => {
    expect([0, 59_000, 60_000, 59 * 60_000, 60 * 60_000, 25 * 60 * 60_000].map(formatAgo)).toEqual([
      'just now',
      'just now',
      '1 min ago',
      '59 min ago',
      '1 h ago',
      '1 d ago',
    ]);
  });
});

describe('long lines', () => {
  it('cuts a long line at CLIP_CHARS, never inside a surrogate pair, and leaves a short one whole', () => {
    expect(clipPoint('a'.repeat(CLIP_CHARS))).toBeNull();
    expect(clipPoint('a'.repeat(CLIP_CHARS + 1))).toBe(CLIP_CHARS);
    // CLIP_CHARS - 1 letters, then emoji: the cut would fall between an emoji's two halves.
    const text = `${'a'.repeat(CLIP_CHARS - 1)}${'😀'.repeat(10)}`;
    expect(clipPoint(text)).toBe(CLIP_CHARS - 1);
  });

  it('counts characters as the user does: an emoji is one', () => {
    expect(countCharacters('😀'.repeat(30_000))).toBe(30_000);
    expect(countCharacters('abc')).toBe(3);
    // A lone half counts as one too (the text is the network's, not necessarily well formed).
    expect(countCharacters('a\ud800b')).toBe(3);
  });

  it('clips message parts; a link the cut goes through becomes text, marks stay marked', () => {
    const url = `https://example.com/${'p'.repeat(40)}`;
    const text = `hey you ${url} after`;
    const parts = splitMessage(text, [[4, 7]]);
    expect(parts.some((part) => part.kind === 'link')).toBe(true);

    const throughLink = clipParts(parts, 20);
    expect(throughLink.map((part) => (part.kind === 'text' ? part.text : '')).join('')).toBe(text.slice(0, 20));
    expect(throughLink.every((part) => part.kind === 'text')).toBe(true);
    expect(throughLink).toContainEqual({ kind: 'text', text: 'you', marked: true });

    const afterLink = clipParts(parts, text.length - 2);
    expect(afterLink.find((part) => part.kind === 'link')).toMatchObject({ kind: 'link', url });
  });
});

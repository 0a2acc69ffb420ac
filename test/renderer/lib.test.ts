import { describe, expect, it } from 'vitest';
import { PEER_HUE_COUNT, peerHueIndex } from '../../renderer/src/lib/peer-colour';
import { formatDuration } from '../../renderer/src/lib/time';

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

/** Number of distinct sender colours; each is a CSS class `peer-hue-N` (see styles/transcript.css). */
export const PEER_HUE_COUNT = 24;

/**
 * Shapes that tell people apart without colour (colour-blind users, and 24 hues collide): few
 * enough to tell apart at 12 px, drawn by PersonMark.
 */
export const PEER_SHAPES = ['circle', 'square', 'triangle', 'diamond', 'star', 'hexagon'] as const;
export type PeerShape = (typeof PEER_SHAPES)[number];

/** FNV-1a of a sender's `IP:port`: it spreads near-identical addresses (ports 50123 and 50124) far apart. */
function peerHash(peer: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < peer.length; i += 1) {
    hash ^= peer.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A stable colour bucket for a sender's `IP:port`. Buckets, not raw hues, because the strict
 * CSP forbids inline style attributes: the colour comes from a class.
 */
export function peerHueIndex(peer: string): number {
  return peerHash(peer) % PEER_HUE_COUNT;
}

export function peerHueClass(peer: string): string {
  return `peer-hue-${peerHueIndex(peer)}`;
}

/**
 * A stable shape for a sender's `IP:port`, from other bits of the hash than the hue: two
 * people who share a hue mostly differ in shape (24 hues × 6 shapes).
 */
export function peerShape(peer: string): PeerShape {
  return PEER_SHAPES[Math.floor(peerHash(peer) / PEER_HUE_COUNT) % PEER_SHAPES.length]!;
}

/** A grapheme longer than this (stacked combining marks) is cut: an initial is one character to the eye. */
const MAX_INITIAL_CHARS = 12;
let graphemes: Intl.Segmenter | null = null;

/** The first character (a whole grapheme: an accented letter, an emoji) of each of the first two words, upper-cased. */
export function initialsOf(name: string): string {
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const words = name.trim().split(/\s+/u).filter((word) => word.length > 0);
  let initials = '';
  for (const word of words.slice(0, 2)) {
    const first = graphemes.segment(word)[Symbol.iterator]().next().value?.segment ?? '';
    initials += first.slice(0, MAX_INITIAL_CHARS).toLocaleUpperCase();
  }
  return initials;
}

/** Number of distinct sender colours; each is a CSS class `peer-hue-N` (see styles/transcript.css). */
export const PEER_HUE_COUNT = 24;

/**
 * A stable colour bucket for a sender's `IP:port`. FNV-1a spreads near-identical addresses
 * (ports 50123 and 50124) over different hues. Buckets, not raw hues, because the strict CSP
 * forbids inline style attributes: the colour comes from a class.
 */
export function peerHueIndex(peer: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < peer.length; i += 1) {
    hash ^= peer.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % PEER_HUE_COUNT;
}

export function peerHueClass(peer: string): string {
  return `peer-hue-${peerHueIndex(peer)}`;
}

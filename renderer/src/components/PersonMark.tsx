/**
 * Who a line is by, without relying on colour: a person's initials when the room told their
 * name, else a shape picked from their address (peer-colour.ts), both in their hue. Decorative
 * for screen readers, which read the name or address beside it.
 */
import { memo } from 'react';
import { initialsOf, peerHueClass, peerShape, type PeerShape } from '../lib/peer-colour';

/** Each shape on a 12×12 grid. */
const SHAPE_PATHS: Record<PeerShape, string> = {
  circle: 'M6 1a5 5 0 1 0 0 10A5 5 0 1 0 6 1z',
  square: 'M1.5 1.5h9v9h-9z',
  triangle: 'M6 1l5.5 10h-11z',
  diamond: 'M6 0.5l5.5 5.5L6 11.5 0.5 6z',
  star: 'M6 0.5l1.6 3.6 3.9.4-2.9 2.6.8 3.9L6 9 2.6 11l.8-3.9L.5 4.5l3.9-.4z',
  hexagon: 'M3 1h6l3 5-3 5H3L0 6z',
};

export interface PersonMarkProps {
  /** The person's `IP:port`: their hue and shape. */
  peer: string;
  /** Their name when the room told it: their initials instead of the shape. */
  name?: string | null;
}

export const PersonMark = memo(function PersonMark({ peer, name = null }: PersonMarkProps) {
  const initials = name === null ? '' : initialsOf(name);
  const hue = peerHueClass(peer);
  if (initials !== '') {
    return (
      <span className={`person-mark person-mark-initials ${hue}`} aria-hidden="true" data-mark={initials} dir="auto">
        {initials}
      </span>
    );
  }
  const shape = peerShape(peer);
  return (
    <span className={`person-mark person-mark-shape ${hue}`} aria-hidden="true" data-mark={shape}>
      <svg viewBox="0 0 12 12" width="12" height="12" focusable="false">
        <path d={SHAPE_PATHS[shape]} fill="currentColor" />
      </svg>
    </span>
  );
});

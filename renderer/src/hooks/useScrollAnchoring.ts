/**
 * The transcript's scroll position, kept by hand (the browser's own overflow-anchor is off):
 *  - following: pinned to the bottom, also when the scroller shrinks (a banner appears). The pin
 *    is kept from a ResizeObserver on the scroller and its content, which runs after the frame's
 *    own layout: setting the scroll position in React's commit instead read the scroll height,
 *    a second, forced layout on every batch of lines (a quarter of the page's time under a stream);
 *  - paused: the row the user acted on (`keepStill`) stays where it was on screen when rows
 *    are added above or below it; otherwise the last rendered row does, so old lines dropped
 *    at the transcript's cap do not move what the user is reading.
 */
import { useEffect, useLayoutEffect, useRef, type RefObject } from 'react';
import type { ChatLine } from '../../../main/common/ipc-contract';

/** Where a row was before a render that changes rows around it. */
interface Anchor {
  seq: number;
  offsetTop: number;
}

function rowOffset(scroller: HTMLElement, seq: number): number | null {
  const row = scroller.querySelector<HTMLElement>(`[data-seq="${seq}"]`);
  return row ? row.offsetTop : null;
}

export interface ScrollAnchoring {
  /** Call before changing the window: row `seq` is kept where it is now. */
  keepStill: (seq: number | null) => void;
}

export function useScrollAnchoring(
  scrollerRef: RefObject<HTMLElement | null>,
  contentRef: RefObject<HTMLElement | null>,
  visible: readonly ChatLine[],
  following: boolean,
): ScrollAnchoring {
  const anchorRef = useRef<Anchor | null>(null);
  const lastRowRef = useRef<Anchor | null>(null);
  /** Null before the first commit, so the first one pins too. */
  const followingRef = useRef<boolean | null>(null);

  useLayoutEffect(() => {
    const wasFollowing = followingRef.current;
    followingRef.current = following;
    const scroller = scrollerRef.current;
    if (!scroller) return;
    if (following) {
      anchorRef.current = null;
      lastRowRef.current = null;
      // Only on the way in: while following, the observer below keeps the pin.
      if (wasFollowing !== true) scroller.scrollTop = scroller.scrollHeight;
      return;
    }
    const anchor = anchorRef.current ?? lastRowRef.current;
    anchorRef.current = null;
    if (anchor) {
      const offsetTop = rowOffset(scroller, anchor.seq);
      if (offsetTop !== null && offsetTop !== anchor.offsetTop) scroller.scrollTop += offsetTop - anchor.offsetTop;
    }
    const last = visible[visible.length - 1];
    const lastOffset = last ? rowOffset(scroller, last.seq) : null;
    lastRowRef.current = last && lastOffset !== null ? { seq: last.seq, offsetTop: lastOffset } : null;
  }, [scrollerRef, visible, following]);

  // New rows change the content's height, a banner or notice the scroller's: a following view
  // stays pinned. Observations are delivered after layout, so reading the height here is free.
  useEffect(() => {
    const scroller = scrollerRef.current;
    if (!scroller || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (followingRef.current === true) scroller.scrollTop = scroller.scrollHeight;
    });
    observer.observe(scroller);
    if (contentRef.current) observer.observe(contentRef.current);
    return () => observer.disconnect();
  }, [scrollerRef, contentRef]);

  return {
    keepStill: (seq) => {
      const scroller = scrollerRef.current;
      const offsetTop = scroller && seq !== null ? rowOffset(scroller, seq) : null;
      anchorRef.current = seq !== null && offsetTop !== null ? { seq, offsetTop } : null;
    },
  };
}

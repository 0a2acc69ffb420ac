/**
 * The transcript's lines, paced: what the store holds, handed to the transcript at most once per
 * PACE_MS, and while the user types, only where it cannot delay a key; then rendered at low
 * priority (a deferred value).
 *
 * Under a flood every update replaces the followed rows, and each one costs a commit, a layout
 * and a repaint of the whole transcript (software raster included). A key whose frame comes
 * in the middle of that waits for all of it. So:
 *  - a change after a quiet moment is shown at once, later ones at most once per PACE_MS;
 *  - while the user types, an update is shown just after a key's frame, leaving it the whole
 *    gap until the next key; while keys come faster than RAPID_KEYS_MS apart, it waits for a
 *    pause in the typing;
 *  - the pace slows down when an update takes long (a loaded machine, long rows): updates
 *    take at most about 1/UPDATE_SHARE of the time;
 *  - never later than MAX_HOLD_MS after the change: the room stays visible.
 */
import { useDeferredValue, useEffect, useRef, useState } from 'react';
import { useChatStore, type TranscriptLine } from '../state/store';

/** At most one transcript update per this many milliseconds (a flood is unreadable anyway). */
export const PACE_MS = 250;
/** Keys closer together than this are one stretch of typing: the transcript waits for its end. */
export const RAPID_KEYS_MS = 150;
/** No key for this long and the user is not typing. */
export const TYPING_PAUSE_MS = 400;
/** A change is shown at the latest this long after it came, typing or not. */
export const MAX_HOLD_MS = 1000;
/** The pace is at least this many times what the last update took, from hand-over to commit. */
export const UPDATE_SHARE = 4;

export function usePacedLines(): readonly TranscriptLine[] {
  const [shown, setShown] = useState(() => useChatStore.getState().lines);
  /** When `shown` was last handed over, and the pace that follows from what that update took. */
  const timing = useRef({ shownAt: Number.NEGATIVE_INFINITY, paceMs: PACE_MS });

  // Rendered as a deferred value: React renders new rows in slices it can interrupt, so a
  // key pressed meanwhile goes first.
  const deferred = useDeferredValue(shown);

  // The update is committed (and usually painted): how long it took sets the pace.
  useEffect(() => {
    const spent = performance.now() - timing.current.shownAt;
    if (Number.isFinite(spent)) timing.current.paceMs = Math.min(MAX_HOLD_MS, Math.max(PACE_MS, spent * UPDATE_SHARE));
  }, [deferred]);

  useEffect(() => {
    let lastShownAt = Number.NEGATIVE_INFINITY;
    let lastKeyAt = Number.NEGATIVE_INFINITY;
    let rapidTyping = false;
    /** When the oldest change not yet shown came; null when everything is shown. */
    let pendingSince: number | null = null;
    let timer: number | null = null;
    let frame: number | null = null;
    let disposed = false;

    const show = (): void => {
      pendingSince = null;
      lastShownAt = performance.now();
      timing.current.shownAt = lastShownAt;
      setShown(useChatStore.getState().lines);
    };
    /** Shows a pending change when allowed now (`afterKeyFrame`: a key was just painted), else sets the timer. */
    const consider = (afterKeyFrame: boolean): void => {
      if (pendingSince === null || disposed) return;
      const now = performance.now();
      const paced = lastShownAt + timing.current.paceMs;
      const typingUntil = lastKeyAt + (rapidTyping ? RAPID_KEYS_MS : TYPING_PAUSE_MS);
      const latest = pendingSince + MAX_HOLD_MS;
      if (now >= latest || (now >= paced && (now >= typingUntil || (afterKeyFrame && !rapidTyping)))) {
        show();
        return;
      }
      if (timer !== null) window.clearTimeout(timer);
      timer = window.setTimeout(onTimer, Math.min(latest, Math.max(paced, typingUntil)) - now);
    };
    const onTimer = (): void => {
      timer = null;
      consider(false);
    };
    const onKey = (): void => {
      const now = performance.now();
      rapidTyping = now - lastKeyAt < RAPID_KEYS_MS;
      lastKeyAt = now;
      // The first moment after the key's frame: the render's main-thread work is done.
      if (frame === null) {
        frame = requestAnimationFrame(() => {
          frame = null;
          window.setTimeout(() => consider(true), 0);
        });
      }
    };

    const unsubscribe = useChatStore.subscribe((state, previous) => {
      if (state.lines === previous.lines || pendingSince !== null) return;
      pendingSince = performance.now();
      consider(false);
    });
    // Lines that changed between the first render and this subscription.
    if (useChatStore.getState().lines !== shown) {
      pendingSince = performance.now();
      consider(false);
    }
    window.addEventListener('keydown', onKey, true);
    return () => {
      disposed = true;
      unsubscribe();
      window.removeEventListener('keydown', onKey, true);
      if (timer !== null) window.clearTimeout(timer);
      if (frame !== null) cancelAnimationFrame(frame);
    };
    // One subscription for the transcript's lifetime; `shown` is only compared on the way in.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return deferred;
}

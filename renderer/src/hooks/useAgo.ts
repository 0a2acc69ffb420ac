/**
 * "2 min ago" that stays current: every label subscribes to one shared ticker, and a label
 * is drawn again only when its text changes, so a roster's relative times move without the
 * list (or even a row) being rendered again each tick. The ticker runs while someone listens.
 */
import { useSyncExternalStore } from 'react';
import { formatAgo } from '../lib/time';

/** How often the labels are checked: a minute's label is at most this late. */
const TICK_MS = 5000;

const listeners = new Set<() => void>();
let timer: number | null = null;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  timer ??= window.setInterval(() => {
    for (const each of listeners) each();
  }, TICK_MS);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  };
}

/** How long ago `at` (epoch ms) was, in words. */
export function useAgo(at: number): string {
  return useSyncExternalStore(subscribe, () => formatAgo(Date.now() - at));
}

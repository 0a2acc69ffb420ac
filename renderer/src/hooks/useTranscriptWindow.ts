/**
 * Which transcript lines are rendered: the newest FOLLOW_WINDOW_ROWS (fewer when they hold
 * more than FOLLOW_WINDOW_CHARS) while following, or a frozen range (by seq) while the user
 * reads older lines. No DOM here; the scroll position is useScrollAnchoring's job.
 */
import { useCallback, useMemo, useState } from 'react';
import type { ChatLine } from '../../../main/common/ipc-contract';
import { shownChars } from '../lib/long-line';

/**
 * Rows rendered while following the newest lines (more than a tall screen shows); older ones
 * are a click or a scroll away. Every row costs layout and paint on each new batch, and under
 * a burst a batch replaces them all: 60 instead of 150 took the bench's p95 key from 368 to
 * 288 ms in the burst and from 304 to 168 ms in the 2,000 lines/s stream (same run, loaded machine).
 */
export const FOLLOW_WINDOW_ROWS = 60;
/**
 * …and at most this many characters of shown text (each long line counts what its row shows,
 * see long-line.ts), but never fewer than FOLLOW_WINDOW_MIN_ROWS: under a flood of long lines
 * every batch replaces most rows, and laying them out costs by the character.
 */
export const FOLLOW_WINDOW_CHARS = 16_000;
export const FOLLOW_WINDOW_MIN_ROWS = 20;
/** Rows added per "Show earlier messages" or per scroll past the bottom of a paused view. */
export const PAGE_ROWS = 300;
/** A paused view never renders more than this; rows fall off the far end as it grows. */
export const MAX_WINDOW_ROWS = 1500;

/** First index whose seq is >= `seq` (lines are in seq order). */
function lowerBound(lines: readonly ChatLine[], seq: number): number {
  let low = 0;
  let high = lines.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (lines[mid]!.seq < seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the first line shown while following (see FOLLOW_WINDOW_CHARS). */
function followStart(lines: readonly ChatLine[]): number {
  const floor = Math.max(0, lines.length - FOLLOW_WINDOW_ROWS);
  let chars = 0;
  for (let index = lines.length - 1; index >= floor; index -= 1) {
    chars += shownChars(lines[index]!);
    if (chars > FOLLOW_WINDOW_CHARS && lines.length - index > FOLLOW_WINDOW_MIN_ROWS) return index + 1;
  }
  return floor;
}

/** Seqs of the first and last line shown while the user reads older lines. */
interface PausedRange {
  startSeq: number;
  endSeq: number;
}

export interface TranscriptWindow {
  visible: readonly ChatLine[];
  /** Index in `lines` of the first visible line: how many earlier lines are not rendered. */
  firstIndex: number;
  /** Lines after the window (only while paused). */
  newerCount: number;
  following: boolean;
  /** Back to following the newest lines. */
  follow: () => void;
  /** Freezes the window on what is rendered now (the user scrolled up). */
  pause: () => void;
  /** Adds a page of older lines on top; returns the seq of the row to keep still, or null. */
  showEarlier: () => number | null;
  /** Reveals the next page below, or follows when nothing newer is left; returns the row to keep still. */
  readOn: () => number | null;
  /** Pauses on a window around line `seq` (a notification was clicked); false when it is not loaded. */
  reveal: (seq: number) => boolean;
}

export function useTranscriptWindow(lines: readonly ChatLine[]): TranscriptWindow {
  const [paused, setPaused] = useState<PausedRange | null>(null);

  const { visible, firstIndex, endIndex } = useMemo(() => {
    if (paused === null) {
      const first = followStart(lines);
      return { visible: lines.slice(first), firstIndex: first, endIndex: lines.length };
    }
    const first = lowerBound(lines, paused.startSeq);
    const end = lowerBound(lines, paused.endSeq + 1);
    return { visible: lines.slice(first, end), firstIndex: first, endIndex: end };
  }, [lines, paused]);

  const follow = useCallback(() => setPaused(null), []);

  const pause = (): void => {
    const first = visible[0];
    const last = visible[visible.length - 1];
    if (first && last) setPaused({ startSeq: first.seq, endSeq: last.seq });
  };

  const showEarlier = (): number | null => {
    const first = visible[0];
    const last = visible[visible.length - 1];
    if (!first || !last) return null;
    const startIndex = Math.max(0, firstIndex - PAGE_ROWS);
    const endSeq = visible.length + (firstIndex - startIndex) > MAX_WINDOW_ROWS ? lines[startIndex + MAX_WINDOW_ROWS - 1]!.seq : last.seq;
    setPaused({ startSeq: lines[startIndex]!.seq, endSeq });
    return first.seq;
  };

  const readOn = (): number | null => {
    const last = visible[visible.length - 1];
    if (!last) return null;
    if (endIndex >= lines.length) {
      setPaused(null);
      return null;
    }
    // Reading on past the bottom of a paused view: reveal the next page, let the top fall off.
    const endIndexNext = Math.min(lines.length, endIndex + PAGE_ROWS);
    const startIndexNext = Math.max(firstIndex, endIndexNext - MAX_WINDOW_ROWS);
    setPaused({ startSeq: lines[startIndexNext]!.seq, endSeq: lines[endIndexNext - 1]!.seq });
    return last.seq;
  };

  const reveal = (seq: number): boolean => {
    const index = lowerBound(lines, seq);
    if (lines[index]?.seq !== seq) return false;
    const start = lines[Math.max(0, index - PAGE_ROWS / 2)]!;
    const end = lines[Math.min(lines.length - 1, index + PAGE_ROWS / 2)]!;
    setPaused({ startSeq: start.seq, endSeq: end.seq });
    return true;
  };

  return {
    visible,
    firstIndex,
    newerCount: lines.length - endIndex,
    reveal,
    following: paused === null,
    follow,
    pause,
    showEarlier,
    readOn,
  };
}

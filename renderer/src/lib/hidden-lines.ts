/**
 * Lines of ignored people: hidden in the window, never dropped (the history keeps them).
 * Consecutive hidden lines fold into one quiet "N lines hidden" row that can be revealed.
 */
import type { ChatLine } from '../../../main/common/ipc-contract';

/** Whether `line` is hidden: a message from someone ignored, not revealed since. */
function isHidden(line: ChatLine, ignored: ReadonlySet<string>, revealed: ReadonlySet<number>): boolean {
  return line.kind === 'message' && !line.self && ignored.has(line.peer) && !revealed.has(line.seq);
}

export interface HiddenRuns {
  /** Index of a run's first line -> the seqs of every line in the run. */
  starts: Map<number, number[]>;
  /** Indexes of the other lines of each run (not drawn). */
  inside: Set<number>;
}

/** The runs of hidden lines in `lines`; null when nobody is ignored (the usual case, at no cost). */
export function hiddenRuns(lines: readonly ChatLine[], ignored: ReadonlySet<string>, revealed: ReadonlySet<number>): HiddenRuns | null {
  if (ignored.size === 0) return null;
  const starts = new Map<number, number[]>();
  const inside = new Set<number>();
  let run: number[] | null = null;
  lines.forEach((line, index) => {
    if (!isHidden(line, ignored, revealed)) {
      run = null;
      return;
    }
    if (run === null) {
      run = [line.seq];
      starts.set(index, run);
    } else {
      run.push(line.seq);
      inside.add(index);
    }
  });
  return { starts, inside };
}

/** "1 line hidden", "12 lines hidden". */
export function hiddenLinesText(count: number): string {
  return count === 1 ? '1 line hidden' : `${count.toLocaleString()} lines hidden`;
}

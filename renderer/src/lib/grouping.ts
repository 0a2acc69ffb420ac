/**
 * Consecutive messages from one person read as one block, as in Slack and Signal: the name
 * and time head the first row, the rows after it carry the message alone. Pure, and decided
 * from the row above only, so appending a line never regroups the rows already shown.
 */
import type { ChatLine } from '../../../main/common/ipc-contract';

/** A pause longer than this starts a new block: a reply minutes later reads as a new turn. */
export const GROUP_GAP_MS = 5 * 60_000;

/**
 * True when `line` continues the block `previous` began or continued: both messages, by the
 * same person (the same address, both ours or both theirs), both said before we came or both
 * after, at most GROUP_GAP_MS apart and in that order. Anything between two rows (a divider, a
 * notice, a join or leave) is the caller's to know: it breaks the block.
 */
export function continuesGroup(previous: ChatLine | undefined, line: ChatLine): boolean {
  if (previous === undefined || previous.kind !== 'message' || line.kind !== 'message') return false;
  if (previous.peer !== line.peer || previous.peer === '' || previous.self !== line.self) return false;
  if ((previous.replayed === true) !== (line.replayed === true)) return false;
  const gap = line.at - previous.at;
  return gap >= 0 && gap <= GROUP_GAP_MS;
}

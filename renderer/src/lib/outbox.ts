/** What the window says of the lines that wait in main's outbox while the connection is down. */
import type { SessionStatus } from '../../../main/common/ipc-contract';

/** Lines the user sent that wait for the connection. */
export function waitingLines(status: SessionStatus): number {
  return status.mode === 'idle' ? 0 : (status.outbox?.lines ?? 0);
}

/** "1 line waits", "3 lines wait". */
export function linesWaitText(waiting: number): string {
  return waiting === 1 ? '1 line waits' : `${waiting.toLocaleString()} lines wait`;
}

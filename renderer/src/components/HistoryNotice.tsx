import { useChatStore } from '../state/store';

/** When history cannot be kept, the user is told once, plainly; the chat itself goes on. */
export function HistoryNotice() {
  const history = useChatStore((s) => s.history);
  if (history === null || history.available) return null;
  return (
    // Neutral, not alarm-red: nothing is blocked, the chat goes on.
    <div className="notice history-notice" role="status">
      <p>History is unavailable: {history.reason} The chat goes on; new messages are not saved.</p>
    </div>
  );
}

import { useChatStore } from '../state/store';

/** When history cannot be kept, the user is told once, plainly; the chat itself goes on. */
export function HistoryNotice() {
  const history = useChatStore((s) => s.history);
  if (history === null || history.available) return null;
  return (
    <div className="notice notice-error history-notice" role="status">
      <p>History is unavailable: {history.reason} The chat goes on; new messages are not saved.</p>
    </div>
  );
}

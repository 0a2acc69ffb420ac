import { dismissNotice } from '../state/actions';
import { useChatStore } from '../state/store';

/** Things main wants the user to read (a reconnect that gave up, a server error). */
export function Notices() {
  const notices = useChatStore((s) => s.notices);
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((notice) => (
        <div key={notice.id} className={`notice notice-${notice.level}`} role={notice.level === 'error' ? 'alert' : 'status'}>
          <p>{notice.message}</p>
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss"
            title="Dismiss"
            onClick={() => dismissNotice(notice.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

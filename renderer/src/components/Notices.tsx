import { useEffect } from 'react';
import { dismissNotice } from '../state/actions';
import { useChatStore, type Notice } from '../state/store';

/** An info notice ("Reconnected") goes away by itself; an error stays until dismissed. */
export const INFO_NOTICE_MS = 8000;

/** Things main wants the user to read (a reconnect that gave up, a server error). */
export function Notices() {
  const notices = useChatStore((s) => s.notices);
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((notice) => (
        <NoticeItem key={notice.id} notice={notice} />
      ))}
    </div>
  );
}

function NoticeItem({ notice }: { notice: Notice }) {
  useEffect(() => {
    if (notice.level !== 'info') return;
    const timer = window.setTimeout(() => dismissNotice(notice.id), INFO_NOTICE_MS);
    return () => window.clearTimeout(timer);
  }, [notice]);

  return (
    <div className={`notice notice-${notice.level}`} role={notice.level === 'error' ? 'alert' : 'status'}>
      <p>{notice.message}</p>
      <button type="button" className="icon-button" aria-label="Dismiss" title="Dismiss" onClick={() => dismissNotice(notice.id)}>
        ×
      </button>
    </div>
  );
}

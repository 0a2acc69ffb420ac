import { useId } from 'react';
import { forgetRecentHost } from '../state/actions';
import { useChatStore } from '../state/store';

// A stable empty list: a selector must not return a new array each time.
const NO_RECENT_HOSTS: string[] = [];

/** The rooms joined lately: click one to fill the address in, × to forget it. */
export function RecentRooms({ busy, onPick }: { busy: boolean; onPick: (address: string) => void }) {
  const recentHosts = useChatStore((s) => s.preferences?.recentHosts ?? NO_RECENT_HOSTS);
  const recentId = useId();
  if (recentHosts.length === 0) return null;
  return (
    <section className="recent" aria-labelledby={recentId}>
      <h2 id={recentId}>Recent rooms</h2>
      <ul>
        {recentHosts.map((entry) => (
          <li key={entry}>
            <button type="button" className="recent-fill" disabled={busy} onClick={() => onPick(entry)}>
              {entry}
            </button>
            <button
              type="button"
              className="icon-button"
              disabled={busy}
              aria-label={`Forget ${entry}`}
              title={`Forget ${entry}`}
              onClick={() => void forgetRecentHost(entry)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

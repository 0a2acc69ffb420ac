import { useState } from 'react';
import { roomAddress } from '../lib/room-address';
import { leaveChat, openSearch, openSettings, saveTranscript, toggleDoNotDisturb } from '../state/actions';
import { peopleCount, useChatStore } from '../state/store';

const CONNECTION_LABELS = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
} as const;

export function StatusBar() {
  const status = useChatStore((s) => s.status);
  const people = useChatStore(peopleCount);
  const doNotDisturb = useChatStore((s) => s.preferences?.doNotDisturb ?? false);
  const historyAvailable = useChatStore((s) => s.history?.available ?? false);
  const [leaving, setLeaving] = useState(false);
  const [saving, setSaving] = useState(false);
  if (status.mode === 'idle') return null;
  const hosting = status.mode === 'hosting';

  return (
    <header className="status-bar" aria-label="Connection">
      <span className={`mode-badge ${hosting ? 'mode-host' : 'mode-join'}`}>{hosting ? 'Hosting' : 'Joined'}</span>
      <span className="status-address" title={hosting ? 'Others join with this address' : 'The room you joined'}>
        {roomAddress(status)}
      </span>
      <span className={`connection connection-${status.connection}`}>
        <span className="connection-dot" aria-hidden="true" />
        {CONNECTION_LABELS[status.connection]}
      </span>
      {people !== null && (
        <span
          className="people"
          title={hosting ? 'Everyone connected, you included' : 'As far as the join and leave notices tell, you included'}
        >
          {people === 1 ? 'Just you' : `${people.toLocaleString()} people`}
        </span>
      )}
      <span className="status-spacer" />
      <div className="status-actions">
        <button type="button" className="status-tool" title="Search messages (Ctrl+F)" onClick={openSearch}>
          Search
        </button>
        <button
          type="button"
          className="status-tool"
          disabled={saving || !historyAvailable}
          onClick={() => {
            setSaving(true);
            void saveTranscript().finally(() => setSaving(false));
          }}
        >
          Save transcript…
        </button>
        <button
          type="button"
          className={doNotDisturb ? 'status-tool dnd dnd-on' : 'status-tool dnd'}
          aria-pressed={doNotDisturb}
          title={doNotDisturb ? 'Do not disturb is on: no notifications, no flashing' : 'Silence notifications and flashing'}
          onClick={() => void toggleDoNotDisturb()}
        >
          Do not disturb
        </button>
        <button type="button" className="status-tool" onClick={openSettings}>
          Settings
        </button>
        <button
          type="button"
          className={hosting ? 'danger' : undefined}
          disabled={leaving}
          onClick={() => {
            setLeaving(true);
            void leaveChat().finally(() => setLeaving(false));
          }}
        >
          {hosting ? 'Stop hosting' : 'Leave'}
        </button>
      </div>
    </header>
  );
}

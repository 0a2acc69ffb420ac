import { useEffect, useRef, useState } from 'react';
import { roomAddress } from '../lib/room-address';
import { leaveChat, openSearch, openSettings, saveTranscript, toggleDoNotDisturb } from '../state/actions';
import { peopleCount, useChatStore } from '../state/store';

const CONNECTION_LABELS = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
} as const;

/** What "connected" means to a host: who can come in, not a link to somewhere. */
const HOSTING_LABELS = { lan: 'Open to your network', local: 'Only this computer' } as const;

export function StatusBar() {
  const status = useChatStore((s) => s.status);
  const people = useChatStore(peopleCount);
  const doNotDisturb = useChatStore((s) => s.preferences?.doNotDisturb ?? false);
  const historyAvailable = useChatStore((s) => s.history?.available ?? false);
  const [leaving, setLeaving] = useState(false);
  const [saving, setSaving] = useState(false);
  const [confirming, setConfirming] = useState(false);
  if (status.mode === 'idle') return null;
  const hosting = status.mode === 'hosting';
  // Everyone but the host, whose own client is in the room too.
  const others = hosting && people !== null ? Math.max(0, people - 1) : 0;
  const leave = () => {
    setLeaving(true);
    void leaveChat(others).finally(() => setLeaving(false));
  };

  return (
    <header className="status-bar" aria-label="Connection">
      <span className={`mode-badge ${hosting ? 'mode-host' : 'mode-join'}`}>{hosting ? 'Hosting' : 'Joined'}</span>
      <span className="status-address" title={hosting ? 'Others join with this address' : 'The room you joined'}>
        {roomAddress(status)}
      </span>
      <span className={`connection connection-${status.connection}`}>
        <span className="connection-dot" aria-hidden="true" />
        {hosting && status.connection === 'connected' ? HOSTING_LABELS[status.host.scope] : CONNECTION_LABELS[status.connection]}
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
        {confirming ? (
          <StopHostingConfirm
            others={others}
            onCancel={() => setConfirming(false)}
            onConfirm={() => {
              setConfirming(false);
              leave();
            }}
          />
        ) : (
          <button
            type="button"
            className={hosting ? 'danger' : undefined}
            disabled={leaving}
            onClick={() => {
              if (hosting && others > 0) setConfirming(true);
              else leave();
            }}
          >
            {hosting ? 'Stop hosting' : 'Leave'}
          </button>
        )}
      </div>
    </header>
  );
}

/** Stopping a room with people in it asks first, saying how many it will disconnect. */
function StopHostingConfirm({ others, onCancel, onConfirm }: { others: number; onCancel: () => void; onConfirm: () => void }) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  // Cancel is the safe default for a keyboard user who pressed Enter once too often.
  useEffect(() => cancelRef.current?.focus(), []);
  return (
    <div
      className="stop-confirm"
      role="group"
      aria-label="Stop hosting?"
      onKeyDown={(event) => {
        if (event.key === 'Escape') onCancel();
      }}
    >
      <span className="stop-confirm-text">{others === 1 ? '1 person will be disconnected.' : `${others.toLocaleString()} people will be disconnected.`}</span>
      <button type="button" className="danger" onClick={onConfirm}>
        Disconnect and stop
      </button>
      <button type="button" ref={cancelRef} onClick={onCancel}>
        Keep hosting
      </button>
    </div>
  );
}

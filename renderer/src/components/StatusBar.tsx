import { useEffect, useId, useRef, useState } from 'react';
import type { SessionStatus } from '../../../main/common/ipc-contract';
import { shortFingerprint } from '../../../main/common/fingerprint';
import { roomAddress } from '../lib/room-address';
import { leaveChat, openSearch, openSettings, saveTranscript, toggleDoNotDisturb } from '../state/actions';
import { peopleCount, useChatStore } from '../state/store';
import { RoomMenu, settingsShortcut } from './RoomMenu';
import { RoomTopic } from './RoomTopic';
import { LockIcon } from './LockIcon';

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
  const roomName = hosting ? status.host.roomName : (status.roomName ?? null);
  // Everyone but the host, whose own client is in the room too.
  const others = hosting && people !== null ? Math.max(0, people - 1) : 0;
  const leave = () => {
    setLeaving(true);
    void leaveChat(others).finally(() => setLeaving(false));
  };

  return (
    <header className="status-bar" aria-label="Connection">
      <span className={`mode-badge ${hosting ? 'mode-host' : 'mode-join'}`}>{hosting ? 'Hosting' : 'Joined'}</span>
      {roomName !== null && (
        <span className="status-room-name" dir="auto" title={roomName}>
          {roomName}
        </span>
      )}
      <RoomTopic />
      <span className="status-address" title={hosting ? 'Others join with this address' : 'The room you joined'}>
        {roomAddress(status)}
      </span>
      <RoomSecurityBadge status={status} />
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
        <button type="button" className="icon-button status-icon" aria-label="Search messages" title="Search messages (Ctrl+F)" onClick={openSearch}>
          <SearchIcon />
        </button>
        <button
          type="button"
          className={doNotDisturb ? 'icon-button status-icon dnd-on' : 'icon-button status-icon'}
          aria-label="Do not disturb"
          aria-pressed={doNotDisturb}
          title={doNotDisturb ? 'Do not disturb is on: no notifications, no flashing' : 'Do not disturb is off: click to silence notifications and flashing'}
          onClick={() => void toggleDoNotDisturb()}
        >
          <BellIcon off={doNotDisturb} />
        </button>
        <RoomMenu
          items={[
            {
              label: 'Save transcript…',
              disabledReason: saving ? 'Saving…' : historyAvailable ? null : 'History is unavailable, so there is no transcript to save.',
              run: () => {
                setSaving(true);
                void saveTranscript().finally(() => setSaving(false));
              },
            },
            { label: 'Settings…', shortcut: settingsShortcut(), disabledReason: null, run: openSettings },
          ]}
        />
        <div className="room-menu">
          <button
            type="button"
            className={hosting ? 'danger' : undefined}
            disabled={leaving}
            aria-expanded={hosting && others > 0 ? confirming : undefined}
            onClick={() => {
              if (hosting && others > 0) setConfirming((was) => !was);
              else leave();
            }}
          >
            {hosting ? 'Stop hosting' : 'Leave'}
          </button>
          {confirming && (
            <StopHostingConfirm
              others={others}
              onCancel={() => setConfirming(false)}
              onConfirm={() => {
                setConfirming(false);
                leave();
              }}
            />
          )}
        </div>
      </div>
    </header>
  );
}

export const NOT_ENCRYPTED_TEXT = 'Not encrypted: anyone on this network can read this room';

/** A lock and the room's key (on hover or focus) when its lines travel encrypted; a plain warning when not. */
function RoomSecurityBadge({ status }: { status: Exclude<SessionStatus, { mode: 'idle' }> }) {
  const keyId = useId();
  const fingerprint = status.security?.encrypted === true ? status.security.fingerprint : null;
  if (fingerprint === null) {
    // A room only this computer can reach is not read by the network.
    if (status.mode === 'hosting' && status.host.scope === 'local') return null;
    // The whole sentence for screen readers and wide windows; a narrow header shows its start.
    return (
      <span className="status-security status-plain" title={NOT_ENCRYPTED_TEXT}>
        Not encrypted<span className="status-plain-more">{NOT_ENCRYPTED_TEXT.slice('Not encrypted'.length)}</span>
      </span>
    );
  }
  const short = shortFingerprint(fingerprint);
  return (
    <span
      className="status-security status-encrypted"
      tabIndex={0}
      title={`Encrypted. The host’s key: ${fingerprint}`}
      aria-label={`Encrypted. The host’s key starts ${short}`}
      aria-describedby={keyId}
    >
      <LockIcon />
      Encrypted
      <span id={keyId} role="tooltip" className="status-key">
        Key {short}
        <code>{fingerprint}</code>
      </span>
    </span>
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

function SearchIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
      <circle cx="11" cy="11" r="6.5" />
      <path d="M16 16l4.5 4.5" />
    </svg>
  );
}

/** A bell, struck through while Do not disturb is on: the state shows without reading the tooltip. */
function BellIcon({ off }: { off: boolean }) {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15z" />
      <path d="M10 20.5a2 2 0 0 0 4 0" />
      {off && <path d="M4 4l16 16" />}
    </svg>
  );
}

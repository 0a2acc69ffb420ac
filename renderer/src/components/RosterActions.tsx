import { useState } from 'react';
import { removePerson } from '../state/actions';

/**
 * The host's Remove and Ban for one person in the roster. Ban asks first: it lasts until the
 * room closes and covers everyone at that address.
 */
export function RosterActions({ peer, label }: { peer: string; label: string }) {
  const [confirmingBan, setConfirmingBan] = useState(false);
  if (confirmingBan) {
    return (
      <span className="roster-actions" role="group" aria-label={`Ban ${label}?`}>
        <span className="small">Ban {label} and their address until the room closes?</span>{' '}
        <button
          type="button"
          className="danger"
          onClick={() => {
            setConfirmingBan(false);
            void removePerson(peer, true);
          }}
        >
          Ban
        </button>{' '}
        <button type="button" autoFocus onClick={() => setConfirmingBan(false)}>
          Cancel
        </button>
      </span>
    );
  }
  return (
    <span className="roster-actions">
      <button type="button" aria-label={`Remove ${label}`} onClick={() => void removePerson(peer, false)}>
        Remove
      </button>{' '}
      <button type="button" aria-label={`Ban ${label}…`} onClick={() => setConfirmingBan(true)}>
        Ban…
      </button>
    </span>
  );
}

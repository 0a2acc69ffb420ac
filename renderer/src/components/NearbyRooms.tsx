import { useEffect, useId, useState } from 'react';
import { cleanDisplayName } from '../../../main/common/display-name';
import type { DiscoveredRoom } from '../../../main/common/ipc-contract';
import { watchRooms } from '../state/actions';
import { LockIcon } from './LockIcon';
import { useChatStore } from '../state/store';

/** Rows shown; the finder holds at most 100 rooms, a list that long is no help anyway. */
const MAX_ROWS = 30;

/** How long an empty list is "looking" before it says what an empty list usually means. */
export const NOTHING_FOUND_AFTER_MS = 5000;

function peopleText(people: number | null): string | null {
  if (people === null) return null;
  return people === 1 ? '1 person' : `${people.toLocaleString()} people`;
}

/**
 * "Rooms on your network": found by themselves (multicast DNS and the UDP beacon), live while
 * the Join screen is open. A click, or Enter on a focused row, joins the room at its best
 * address. Everything in a row came from the network and is shown as text only.
 */
export function NearbyRooms({ busy, onJoin }: { busy: boolean; onJoin: (address: string) => void }) {
  const rooms = useChatStore((s) => s.rooms);
  const headingId = useId();
  useEffect(() => watchRooms(), []);
  const waited = useElapsed(NOTHING_FOUND_AFTER_MS);
  const shown = rooms.filter((room) => room.addresses.length > 0).slice(0, MAX_ROWS);
  const nothingFound = shown.length === 0 && waited;
  return (
    <section className="nearby" aria-labelledby={headingId}>
      <h2 id={headingId}>Rooms on your network</h2>
      {/* Polite: says "2 rooms found" when the count changes, not on every refresh. */}
      <p className="nearby-status" role="status">
        {!nothingFound && <span className="spinner spinner-small" aria-hidden="true" />}
        {shown.length === 0
          ? waited
            ? 'No rooms found on this network yet.'
            : 'Looking for rooms… Rooms others host appear here by themselves.'
          : shown.length === 1
            ? '1 room found, still looking'
            : `${shown.length} rooms found, still looking`}
      </p>
      {nothingFound && (
        <p className="nearby-help">
          Campus, office and guest Wi-Fi often block finding rooms, and sometimes traffic between devices too. Ask the host for the
          address on their screen and join by address below, and check that you are both on the same network.
        </p>
      )}
      {shown.length > 0 && (
        <ul className="nearby-list">
          {shown.map((room) => (
            <NearbyRoom key={room.key} room={room} encrypted={announcesKey(room, rooms)} busy={busy} onJoin={onJoin} />
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * The room is joined over TLS with a key the handshake must show: its announcement carries a
 * key its id is derived from (or, for a copy another host announces, the room it copies does,
 * and the join then requires that room's key).
 */
function announcesKey(room: DiscoveredRoom, rooms: readonly DiscoveredRoom[]): boolean {
  if (room.fingerprint !== undefined) return true;
  return room.copyOf !== undefined && rooms.some((other) => other.key === room.copyOf && other.fingerprint !== undefined);
}

const NEARBY_ENCRYPTED_TEXT = 'Encrypted, host’s key verified on join';
const NEARBY_PLAIN_TEXT = 'Not encrypted';

function NearbyRoom({ room, encrypted, busy, onJoin }: { room: DiscoveredRoom; encrypted: boolean; busy: boolean; onJoin: (address: string) => void }) {
  const address = room.addresses[0] ?? '';
  const people = peopleText(room.people);
  return (
    <li>
      <button type="button" className="nearby-room" disabled={busy} onClick={() => onJoin(address)}>
        <span className="visually-hidden">Join </span>
        <span className="nearby-name">{cleanDisplayName(room.name)}</span>
        <span className="nearby-meta">
          <span className="nearby-address">{address}</span>
          {people !== null && <span> · {people}</span>}
          {encrypted ? (
            <span className="nearby-security nearby-encrypted">
              {' · '}
              <LockIcon /> {NEARBY_ENCRYPTED_TEXT}
            </span>
          ) : (
            <span className="nearby-security nearby-plain"> · {NEARBY_PLAIN_TEXT}</span>
          )}
          {/* The id another room announced first: this one may be posing as it. */}
          {room.copyOf !== undefined && <span className="nearby-copy"> · another host announces this room too: check the address</span>}
        </span>
        <span className="nearby-join" aria-hidden="true">
          Join
        </span>
      </button>
    </li>
  );
}

/** False until `ms` have passed since the component mounted. */
function useElapsed(ms: number): boolean {
  const [elapsed, setElapsed] = useState(false);
  useEffect(() => {
    const timer = window.setTimeout(() => setElapsed(true), ms);
    return () => window.clearTimeout(timer);
  }, [ms]);
  return elapsed;
}

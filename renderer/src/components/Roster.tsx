/**
 * Who is in the room: each person's name (when known) and address, when they joined, when
 * they last spoke, and what the user can do about them (the actions at the end of the row).
 * The host's list comes from its server; a joiner's from the wire, partial in a room that
 * gives no list. Rows are memoised on their entry, so a line moves only its sender's row, and
 * "2 min ago" moves on its own (useAgo).
 */
import { memo, useId } from 'react';
import type { ClientInfo } from '../../../main/common/ipc-contract';
import { useAgo } from '../hooks/useAgo';
import { formatClock, formatFullTime } from '../lib/time';
import { peerHueClass } from '../lib/peer-colour';
import { ignorePerson, unignorePerson } from '../state/actions';
import { useChatStore } from '../state/store';
import { RosterActions } from './RosterActions';

/** What the host is told of a member connected without TLS (in the roster row's title). */
export const PLAIN_MEMBER_TITLE =
  'Connected in plain text (nc, telnet): what this person sends and receives travels unencrypted, so anyone on this network can read it.';

/** A roster of thousands would only slow the window down; the count says the rest. */
const MAX_ROSTER_ROWS = 200;

export function Roster() {
  const roster = useChatStore((s) => s.roster);
  const partial = useChatStore((s) => s.rosterPartial);
  const hosting = useChatStore((s) => s.status.mode === 'hosting');
  const self = useChatStore((s) => (s.status.mode === 'idle' ? null : s.status.self));
  const names = useChatStore((s) => s.names);
  const ignored = useChatStore((s) => s.ignored);
  // Only the host knows how each member is connected, and only an encrypted room has plain members to point out.
  const roomEncrypted = useChatStore((s) => s.status.mode === 'hosting' && s.status.security?.encrypted === true);
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="roster-section">
      <h2 id={headingId}>
        {partial ? 'Seen since you joined' : 'In the room'} ({roster.length.toLocaleString()})
      </h2>
      {partial && <p className="muted small roster-partial">This room gives no list of who is here: these are the people seen since you joined.</p>}
      <ul className="roster">
        {roster.slice(0, MAX_ROSTER_ROWS).map((entry) => (
          <RosterRow
            key={entry.id}
            entry={entry}
            isSelf={entry.peer === self}
            name={names.get(entry.peer) ?? null}
            ignored={ignored.has(entry.peer)}
            hosting={hosting}
            roomEncrypted={roomEncrypted}
          />
        ))}
      </ul>
      {roster.length > MAX_ROSTER_ROWS && <p className="muted small">and {(roster.length - MAX_ROSTER_ROWS).toLocaleString()} more</p>}
    </section>
  );
}

interface RosterRowProps {
  entry: ClientInfo;
  isSelf: boolean;
  name: string | null;
  ignored: boolean;
  /** The host sees line counts (its server counts from the start; a joiner only since it came) and can remove people. */
  hosting: boolean;
  /** The host's room offers TLS: those who did not use it are marked (in a plain room everyone is, and the status bar says so). */
  roomEncrypted: boolean;
}

const RosterRow = memo(function RosterRow({ entry, isSelf, name, ignored, hosting, roomEncrypted }: RosterRowProps) {
  const who = name ?? entry.peer;
  // The host's own client is plain over loopback: nothing of it crosses the network.
  const plain = roomEncrypted && !isSelf && entry.encrypted !== true;
  return (
    <li className={ignored ? 'roster-row roster-row-ignored' : 'roster-row'}>
      <span className={`sender ${isSelf ? 'sender-self' : peerHueClass(entry.peer)}`}>
        {name !== null && (
          <>
            <span className="sender-name" dir="auto">
              {name}
            </span>{' '}
          </>
        )}
        <span dir="auto" className={name === null ? undefined : 'sender-address'}>
          {entry.peer}
        </span>
        {isSelf && <span className="you-tag"> (you)</span>}
        {ignored && <span className="you-tag"> (ignored)</span>}
      </span>
      {plain && (
        <span className="roster-plain" title={PLAIN_MEMBER_TITLE}>
          Plain text: not encrypted
          <span className="visually-hidden">. {PLAIN_MEMBER_TITLE}</span>
        </span>
      )}
      <span className="roster-meta">
        {entry.before === true ? (
          <span title={`Here before you joined; first seen ${formatFullTime(entry.connectedAt)}`}>here before you</span>
        ) : (
          <span title={`Joined ${formatFullTime(entry.connectedAt)}`}>joined {formatClock(entry.connectedAt)}</span>
        )}
        {entry.lastSpokeAt !== undefined && <LastSpoke at={entry.lastSpokeAt} />}
        {hosting && <> · {entry.linesSent === 1 ? '1 line' : `${entry.linesSent.toLocaleString()} lines`}</>}
      </span>
      {!isSelf && (
        <span className="roster-actions">
          <button
            type="button"
            className="link-button"
            aria-label={ignored ? `Stop ignoring ${who}` : `Ignore ${who}`}
            title={ignored ? 'Show their lines again' : 'Hide their lines in this window (they stay in the history)'}
            onClick={() => (ignored ? unignorePerson(entry.peer) : ignorePerson(entry.peer))}
          >
            {ignored ? 'Stop ignoring' : 'Ignore'}
          </button>
        </span>
      )}
      {!isSelf && hosting && <RosterActions peer={entry.peer} label={who} />}
    </li>
  );
});

function LastSpoke({ at }: { at: number }) {
  const ago = useAgo(at);
  return <span title={`Last spoke ${formatFullTime(at)}`}> · last spoke {ago}</span>;
}

import { useEffect, useId, useState } from 'react';
import type { Advice, ClientInfo, ShareAddress as ShareAddressEntry } from '../../../main/common/ipc-contract';
import { CopyButton } from './CopyButton';
import { useChatStore } from '../state/store';
import { formatClock, formatDuration, formatFullTime } from '../lib/time';
import { peerHueClass } from '../lib/peer-colour';

/** A roster of thousands would only slow the window down; the count says the rest. */
const MAX_ROSTER_ROWS = 200;

export function HostPanel() {
  const host = useChatStore((s) => (s.status.mode === 'hosting' ? s.status.host : null));
  const roster = useChatStore((s) => s.roster);
  const self = useChatStore((s) => (s.status.mode === 'idle' ? null : s.status.self));
  const shareId = useId();
  const rosterId = useId();
  // Whichever is later: the clock's last tick, or the roster's arrival (its times are that fresh).
  const now = Math.max(useMinuteClock(), useChatStore((s) => s.rosterAt));
  if (!host) return null;

  return (
    <aside className="host-panel" aria-label="Room details">
      <section aria-labelledby={shareId}>
        <h2 id={shareId}>{host.scope === 'local' ? 'Join from this computer' : 'Others can join at'}</h2>
        {host.shareAddresses.length === 0 ? (
          <p className="muted">No network address found. Is this computer connected to a network?</p>
        ) : (
          <ul className="share-list">
            {host.shareAddresses.map((entry) => (
              <ShareAddress key={entry.address} entry={entry} showLabel={host.scope === 'lan'} />
            ))}
          </ul>
        )}
        {host.scope === 'local' && <p className="muted small">Only this computer can connect to this room.</p>}
        {host.roomName !== null && (
          <p className="muted small">
            Listed on the network as <strong className="room-name-quote">“{host.roomName}”</strong>: others see it under “Rooms on your
            network”.
          </p>
        )}
        {host.advice.map((advice) => (
          <HostAdvice key={advice.summary} advice={advice} />
        ))}
      </section>
      <section aria-labelledby={rosterId} className="roster-section">
        <h2 id={rosterId}>In the room ({roster.length.toLocaleString()})</h2>
        <ul className="roster">
          {roster.slice(0, MAX_ROSTER_ROWS).map((entry) => (
            <RosterRow key={entry.id} entry={entry} isSelf={entry.peer === self} now={now} />
          ))}
        </ul>
        {roster.length > MAX_ROSTER_ROWS && (
          <p className="muted small">and {(roster.length - MAX_ROSTER_ROWS).toLocaleString()} more</p>
        )}
      </section>
    </aside>
  );
}

function ShareAddress({ entry, showLabel }: { entry: ShareAddressEntry; showLabel: boolean }) {
  const { address, label } = entry;
  return (
    <li>
      <span className="share-entry">
        <code className="share-address">{address}</code>
        {showLabel && <span className="share-label">{label}</span>}
      </span>
      <CopyButton text={address} />
    </li>
  );
}

/** A warning for the host: no network, a self-assigned address, a firewall; with its command to copy. */
function HostAdvice({ advice }: { advice: Advice }) {
  return (
    <div className="host-advice" role="note">
      <p>{advice.summary}</p>
      {advice.suggestion !== null && <p className="muted small">{advice.suggestion}</p>}
      {advice.command !== null && (
        <p className="advice-command">
          <code>{advice.command}</code>
          <CopyButton text={advice.command} what="the command" />
        </p>
      )}
    </div>
  );
}



function RosterRow({ entry, isSelf, now }: { entry: ClientInfo; isSelf: boolean; now: number }) {
  return (
    <li className="roster-row">
      <span className={`sender ${isSelf ? 'sender-self' : peerHueClass(entry.peer)}`}>
        <span dir="auto">{entry.peer}</span>
        {isSelf && <span className="you-tag"> (you)</span>}
      </span>
      <span className="roster-meta" title={`Connected since ${formatFullTime(entry.connectedAt)}`}>
        since {formatClock(entry.connectedAt)} · {formatDuration(now - entry.connectedAt)} ·{' '}
        {entry.linesSent === 1 ? '1 line' : `${entry.linesSent.toLocaleString()} lines`}
      </span>
    </li>
  );
}

/** The time for the roster's "for how long", refreshed twice a minute rather than on every render. */
function useMinuteClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 30_000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

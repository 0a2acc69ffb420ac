import { useEffect, useId, useState, type ReactNode } from 'react';
import type { Advice, ClientInfo } from '../../../main/common/ipc-contract';
import { parseHostPort } from '../../../main/common/address';
import { terminalJoinCommand } from '../../../main/common/rooms';
import { shortFingerprint } from '../../../main/common/fingerprint';
import { CopyButton } from './CopyButton';
import { useChatStore } from '../state/store';
import { formatClock, formatDuration, formatFullTime } from '../lib/time';
import { peerHueClass } from '../lib/peer-colour';

/** A roster of thousands would only slow the window down; the count says the rest. */
const MAX_ROSTER_ROWS = 200;

export function HostPanel() {
  const host = useChatStore((s) => (s.status.mode === 'hosting' ? s.status.host : null));
  const fingerprint = useChatStore((s) => (s.status.mode === 'hosting' && s.status.security?.encrypted === true ? s.status.security.fingerprint : null));
  const keyId = useId();
  const roster = useChatStore((s) => s.roster);
  const self = useChatStore((s) => (s.status.mode === 'idle' ? null : s.status.self));
  const names = useChatStore((s) => s.names);
  const shareId = useId();
  const rosterId = useId();
  // Whichever is later: the clock's last tick, or the roster's arrival (its times are that fresh).
  const now = Math.max(useMinuteClock(), useChatStore((s) => s.rosterAt));
  if (!host) return null;
  const first = host.shareAddresses[0];
  const firstHost = first === undefined ? null : parseHostPort(first.address, host.port);
  // A room that refuses plain text is joined from a terminal over TLS.
  const encryptedOnly = host.encryptedOnly === true;
  const terminal = firstHost?.ok ? terminalJoinCommand(encryptedOnly ? 'ncat-ssl' : 'nc', firstHost.host, firstHost.port) : null;

  return (
    <aside className="host-panel" aria-label="Room details">
      <section aria-labelledby={shareId}>
        <h2 id={shareId}>{host.scope === 'local' ? 'Join from this computer' : 'Invite others'}</h2>
        {host.shareAddresses.length === 0 ? (
          <p className="muted">No network address found. Is this computer connected to a network?</p>
        ) : (
          <ul className="share-list">
            {host.roomName !== null && (
              <InviteItem label="In Tincan’s list of rooms" text={host.roomName} what="the room’s name">
                <strong className="room-name-quote">“{host.roomName}”</strong>
              </InviteItem>
            )}
            {host.shareAddresses.map((entry) => (
              <InviteItem key={entry.address} label={host.scope === 'lan' ? entry.label : null} text={entry.address}>
                <code className="share-address">{entry.address}</code>
              </InviteItem>
            ))}
            {terminal !== null && (
              <InviteItem
                label={encryptedOnly ? 'Without the app, from a terminal (encrypted only: nc and telnet are refused)' : 'Without the app, from a terminal'}
                text={terminal}
                what="the command"
              >
                <code className="share-address">{terminal}</code>
              </InviteItem>
            )}
          </ul>
        )}
        {host.scope === 'local' && <p className="muted small">Only this computer can connect to this room.</p>}
        {fingerprint !== null && (
          <div className="room-key" aria-labelledby={keyId}>
            <h3 id={keyId}>Room key</h3>
            <p className="room-key-short">
              <code>{shortFingerprint(fingerprint)}</code>
              <CopyButton text={fingerprint} what="the room’s key" />
            </p>
            <p className="muted small">
              Joiners see this key when they first join: read the four groups aloud so they can check it. Full SHA-256:
            </p>
            <code className="fingerprint-full">{fingerprint}</code>
          </div>
        )}
        {host.advice.map((advice) => (
          <HostAdvice key={advice.summary} advice={advice} />
        ))}
      </section>
      <section aria-labelledby={rosterId} className="roster-section">
        <h2 id={rosterId}>In the room ({roster.length.toLocaleString()})</h2>
        <ul className="roster">
          {roster.slice(0, MAX_ROSTER_ROWS).map((entry) => (
            <RosterRow
              key={entry.id}
              entry={entry}
              isSelf={entry.peer === self}
              now={now}
              name={names.get(entry.peer) ?? null}
              roomEncrypted={fingerprint !== null}
            />
          ))}
        </ul>
        {roster.length > MAX_ROSTER_ROWS && (
          <p className="muted small">and {(roster.length - MAX_ROSTER_ROWS).toLocaleString()} more</p>
        )}
      </section>
    </aside>
  );
}

/** One way in, with what it is for and a button that copies `text`. */
function InviteItem({ label, text, what, children }: { label: string | null; text: string; what?: string; children: ReactNode }) {
  return (
    <li>
      <span className="share-entry">
        {children}
        {label !== null && <span className="share-label">{label}</span>}
      </span>
      <CopyButton text={text} what={what} />
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



/** What the host is told of a member connected without TLS (in the roster row's title). */
export const PLAIN_MEMBER_TITLE =
  'Connected in plain text (nc, telnet): what this person sends and receives travels unencrypted, so anyone on this network can read it.';

function RosterRow({ entry, isSelf, now, name, roomEncrypted }: { entry: ClientInfo; isSelf: boolean; now: number; name: string | null; roomEncrypted: boolean }) {
  // In a room that offers TLS, those who did not use it; in a plain room everyone is (the status bar says so).
  // The host's own client is plain over loopback: nothing of it crosses the network.
  const plain = roomEncrypted && !isSelf && entry.encrypted !== true;
  return (
    <li className="roster-row">
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
      </span>
      {plain && (
        <span className="roster-plain" title={PLAIN_MEMBER_TITLE}>
          Plain text: not encrypted
          <span className="visually-hidden">. {PLAIN_MEMBER_TITLE}</span>
        </span>
      )}
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

import { useId, type ReactNode } from 'react';
import type { Advice } from '../../../main/common/ipc-contract';
import { parseHostPort } from '../../../main/common/address';
import { terminalJoinCommand } from '../../../main/common/rooms';
import { shortFingerprint } from '../../../main/common/fingerprint';
import { CopyButton } from './CopyButton';
import { useChatStore } from '../state/store';
import { Roster } from './Roster';

export function HostPanel() {
  const host = useChatStore((s) => (s.status.mode === 'hosting' ? s.status.host : null));
  const fingerprint = useChatStore((s) => (s.status.mode === 'hosting' && s.status.security?.encrypted === true ? s.status.security.fingerprint : null));
  const keyId = useId();
  const shareId = useId();
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
      <Roster />
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


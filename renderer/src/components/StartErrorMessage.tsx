import { useId } from 'react';
import type { KeyWarning, Mode } from '../../../main/common/ipc-contract';
import { shortFingerprint } from '../../../main/common/fingerprint';
import { joinChat } from '../state/actions';
import { useChatStore } from '../state/store';
import { CopyButton } from './CopyButton';

/**
 * Why the last host or join failed, under the form that tried it. A failed join also says
 * what to try, and offers the command that tests the connection from a terminal.
 */
export function StartErrorMessage({ mode }: { mode: Mode }) {
  const error = useChatStore((s) => (s.startError?.mode === mode ? s.startError : null));
  if (error === null) return null;
  const { help, keyWarning } = error;
  if (keyWarning) return <KeyWarningMessage warning={keyWarning} />;
  if (!help) {
    return (
      <p className="form-error" role="alert">
        {error.message}
      </p>
    );
  }
  return (
    <div className="form-error" role="alert">
      <p>{help.summary}</p>
      {help.suggestion !== null && <p className="form-error-help">{help.suggestion}</p>}
      {help.causes !== undefined && help.causes.length > 0 && <UsualCauses causes={help.causes} />}
      {help.command !== null && (
        <p className="form-error-command">
          <span>
            Test it from a terminal: <code>{help.command}</code>
          </span>
          <CopyButton text={help.command} label="Copy test command" />
        </p>
      )}
    </div>
  );
}

/** A refused or silent join: what usually stops one on a LAN, most likely first. */
function UsualCauses({ causes }: { causes: readonly string[] }) {
  const headingId = useId();
  return (
    <div className="form-error-causes">
      <p id={headingId}>On a local network this is usually one of these:</p>
      <ul aria-labelledby={headingId}>
        {causes.map((cause) => (
          <li key={cause}>{cause}</li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The join stopped because the host is not the one this computer knew: what may be happening,
 * both keys to compare with the host's screen, and a deliberate way on.
 */
function KeyWarningMessage({ warning }: { warning: KeyWarning }) {
  const changed = warning.kind === 'changed' && warning.shown !== null;
  return (
    <div className="form-error key-warning" role="alert">
      <p>
        <strong>{changed ? 'Warning: the host’s key has changed' : 'Warning: this room is no longer encrypted'}</strong>
      </p>
      <p>{warning.message}</p>
      <dl className="key-compare">
        <dt>Key you joined before</dt>
        <dd>
          <code>{shortFingerprint(warning.expected)}</code> <code className="fingerprint-full">{warning.expected}</code>
        </dd>
        {changed && (
          <>
            <dt>Key shown now</dt>
            <dd>
              <code>{shortFingerprint(warning.shown!)}</code> <code className="fingerprint-full">{warning.shown}</code>
            </dd>
          </>
        )}
      </dl>
      <button type="button" className="danger" onClick={() => void joinChat(warning.address, changed ? warning.shown! : 'plain')}>
        {changed ? 'I checked with the host: trust the new key and join' : 'Join without encryption anyway'}
      </button>
    </div>
  );
}

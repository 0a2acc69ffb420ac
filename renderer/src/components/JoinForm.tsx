import { useEffect, useId, useRef, useState, type SyntheticEvent } from 'react';
import { bracketHost, parseHostPort } from '../../../main/common/address';
import { DEFAULT_PORT } from '../../../main/common/constants';
import { cancelJoin, clearStartError, joinChat } from '../state/actions';
import { useChatStore } from '../state/store';
import { NearbyRooms } from './NearbyRooms';
import { RecentRooms } from './RecentRooms';
import { StartErrorMessage } from './StartErrorMessage';
import { TerminalHint } from './TerminalHint';

const ADDRESS_EXAMPLE = '192.168.1.20:60003';

/** Join a room found on the network with one click, or by address; recent rooms fill the address in. */
export function JoinForm({ focusOnMount }: { focusOnMount: boolean }) {
  const pending = useChatStore((s) => s.pending);
  const [address, setAddress] = useState('');
  const [showError, setShowError] = useState(false);
  const addressRef = useRef<HTMLInputElement>(null);
  const addressId = useId();
  const helpId = useId();
  const byAddressId = useId();

  const hasError = useChatStore((s) => s.startError?.mode === 'join');

  // After a failure (refused, unknown host), back to the address so it can be fixed.
  useEffect(() => {
    if (hasError) addressRef.current?.focus();
  }, [hasError]);

  const parsed = parseHostPort(address, DEFAULT_PORT);
  const addressError = parsed.ok ? null : parsed.error;
  // An empty field is not wrong yet: only say so once the user tries to join.
  const visibleError = showError || address.trim().length > 0 ? addressError : null;
  const busy = pending !== null;

  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!parsed.ok) {
      setShowError(true);
      addressRef.current?.focus();
      return;
    }
    void joinChat(address.trim());
  };

  const fill = (entry: string) => {
    setAddress(entry);
    clearStartError();
    addressRef.current?.focus();
  };

  return (
    <form className="start-form" onSubmit={submit} noValidate aria-label="Join a room">
      <NearbyRooms
        busy={busy}
        onJoin={(found) => {
          setAddress(found);
          void joinChat(found);
        }}
      />
      <h2 id={byAddressId} className="start-section-heading">
        Join by address
      </h2>
      <fieldset disabled={busy} className="plain" aria-labelledby={byAddressId}>
        <div className="field">
          <label htmlFor={addressId}>Host address</label>
          <input
            ref={addressRef}
            autoFocus={focusOnMount}
            id={addressId}
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder={`e.g. ${ADDRESS_EXAMPLE}`}
            value={address}
            aria-invalid={visibleError !== null}
            aria-describedby={helpId}
            onChange={(event) => {
              setAddress(event.target.value);
              clearStartError();
            }}
          />
          <p id={helpId} className={visibleError ? 'field-error' : 'field-help'}>
            {visibleError ??
              (parsed.ok
                ? `Will connect to ${bracketHost(parsed.host)} on port ${parsed.port}.`
                : `The host sees it in Tincan, for example ${ADDRESS_EXAMPLE}.`)}
          </p>
        </div>
      </fieldset>
      <div className="form-actions">
        {pending?.kind === 'join' ? (
          <>
            <p className="progress" role="status">
              <span className="spinner" aria-hidden="true" />
              Connecting to {pending.address}…
            </p>
            {/* The Join button just went away; keep keyboard focus somewhere useful. */}
            <button type="button" autoFocus onClick={() => void cancelJoin()}>
              Cancel
            </button>
          </>
        ) : (
          // Disabled until the address parses; the help line under the field says what is wrong.
          <button type="submit" className="primary" disabled={busy || !parsed.ok}>
            Join
          </button>
        )}
      </div>
      <StartErrorMessage mode="join" />
      <RecentRooms busy={busy} onPick={fill} />
      <TerminalHint host={parsed.ok ? parsed.host : null} port={parsed.ok ? parsed.port : null} />
    </form>
  );
}

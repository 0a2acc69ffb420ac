import { useEffect, useId, useRef, useState, type SyntheticEvent } from 'react';
import type { HostScope, Mode } from '../../../main/common/ipc-contract';
import { parseHostPort, parsePort } from '../../../main/common/address';
import { DEFAULT_PORT } from '../../../main/common/constants';
import { cancelJoin, chooseStartMode, clearStartError, forgetRecentHost, hostChat, joinChat } from '../state/actions';
import { useChatStore } from '../state/store';
import { Notices } from './Notices';

const ADDRESS_EXAMPLE = '192.168.1.20:60003';
// A stable empty list: a selector must not return a new array each time.
const NO_RECENT_HOSTS: string[] = [];

export function StartScreen() {
  const mode = useChatStore((s) => s.startMode ?? s.preferences?.lastMode ?? 'host');
  const headingId = useId();
  // Focus the form's main control when the screen opens, but not when the user switches
  // mode with the arrow keys: focus must stay on the switch then.
  const [switched, setSwitched] = useState(false);

  return (
    <main className="start" aria-labelledby={headingId}>
      <div className="start-card">
        <header className="start-header">
          <div className="brand-mark" aria-hidden="true" />
          <div>
            <h1 id={headingId}>Tincan</h1>
            <p className="tagline">Chat with everyone on your network.</p>
          </div>
        </header>
        <Notices />
        <ModeSwitch mode={mode} onSwitch={() => setSwitched(true)} />
        {mode === 'host' ? <HostForm focusOnMount={!switched} /> : <JoinForm focusOnMount={!switched} />}
      </div>
      <p className="start-footnote">
        No app? <kbd>telnet HOST {DEFAULT_PORT}</kbd> or <kbd>nc HOST {DEFAULT_PORT}</kbd> work too.
      </p>
    </main>
  );
}

function ModeSwitch({ mode, onSwitch }: { mode: Mode; onSwitch: () => void }) {
  const pending = useChatStore((s) => s.pending !== null);
  const name = useId();
  const choices: { value: Mode; label: string }[] = [
    { value: 'host', label: 'Host a room' },
    { value: 'join', label: 'Join a room' },
  ];
  return (
    <fieldset className="segmented" disabled={pending}>
      <legend className="visually-hidden">What do you want to do?</legend>
      {choices.map((choice) => (
        <label key={choice.value} className="segment">
          <input
            type="radio"
            name={name}
            value={choice.value}
            checked={mode === choice.value}
            onChange={() => {
              onSwitch();
              chooseStartMode(choice.value);
            }}
          />
          <span>{choice.label}</span>
        </label>
      ))}
    </fieldset>
  );
}

function StartErrorMessage({ mode }: { mode: Mode }) {
  const message = useChatStore((s) => (s.startError?.mode === mode ? s.startError.message : null));
  if (message === null) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}

function HostForm({ focusOnMount }: { focusOnMount: boolean }) {
  const preferences = useChatStore((s) => s.preferences);
  const pending = useChatStore((s) => s.pending);
  const [portText, setPortText] = useState(String(preferences?.lastPort ?? DEFAULT_PORT));
  const [scope, setScope] = useState<HostScope>(preferences?.lastScope ?? 'lan');
  const [showPortError, setShowPortError] = useState(false);
  const portId = useId();
  const portHelpId = useId();
  const scopeName = useId();

  const portRef = useRef<HTMLInputElement>(null);
  const hasError = useChatStore((s) => s.startError?.mode === 'host');

  // After a failure, put the user where the fix usually is (a busy port).
  useEffect(() => {
    if (hasError) portRef.current?.focus();
  }, [hasError]);

  const port = parsePort(portText.trim());
  const portError = port === null ? 'Use a port number from 1 to 65535.' : null;
  const busy = pending !== null;

  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (port === null) {
      setShowPortError(true);
      return;
    }
    void hostChat(port, scope);
  };

  return (
    <form className="start-form" onSubmit={submit} noValidate aria-label="Host a room">
      <fieldset disabled={busy} className="plain">
        <div className="field">
          <label htmlFor={portId}>Port</label>
          <input
            ref={portRef}
            id={portId}
            className="port-input"
            type="text"
            inputMode="numeric"
            autoComplete="off"
            spellCheck={false}
            value={portText}
            aria-invalid={showPortError && portError !== null}
            aria-describedby={portHelpId}
            onChange={(event) => {
              setPortText(event.target.value);
              setShowPortError(true);
              clearStartError();
            }}
          />
          <p id={portHelpId} className={showPortError && portError ? 'field-error' : 'field-help'}>
            {showPortError && portError ? portError : `Others join with your address and this port. Default ${DEFAULT_PORT}.`}
          </p>
        </div>
        <fieldset className="choices">
          <legend>Who can join</legend>
          <label className="choice">
            <input
              type="radio"
              name={scopeName}
              value="lan"
              checked={scope === 'lan'}
              onChange={() => {
                setScope('lan');
                clearStartError();
              }}
            />
            <span>
              <strong>Everyone on my network</strong>
              <small>People on the same Wi-Fi or LAN can join.</small>
            </span>
          </label>
          <label className="choice">
            <input
              type="radio"
              name={scopeName}
              value="local"
              checked={scope === 'local'}
              onChange={() => {
                setScope('local');
                clearStartError();
              }}
            />
            <span>
              <strong>Only this computer</strong>
              <small>For trying things out; nobody else can connect.</small>
            </span>
          </label>
        </fieldset>
      </fieldset>
      <div className="form-actions">
        {pending?.kind === 'host' ? (
          <p className="progress" role="status">
            <span className="spinner" aria-hidden="true" />
            Starting the room on port {pending.port}…
          </p>
        ) : (
          <button type="submit" className="primary" disabled={busy} autoFocus={focusOnMount}>
            Start hosting
          </button>
        )}
      </div>
      <StartErrorMessage mode="host" />
    </form>
  );
}

function JoinForm({ focusOnMount }: { focusOnMount: boolean }) {
  const recentHosts = useChatStore((s) => s.preferences?.recentHosts ?? NO_RECENT_HOSTS);
  const pending = useChatStore((s) => s.pending);
  const [address, setAddress] = useState('');
  const [showError, setShowError] = useState(false);
  const addressRef = useRef<HTMLInputElement>(null);
  const addressId = useId();
  const helpId = useId();
  const recentId = useId();

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
      <fieldset disabled={busy} className="plain">
        <div className="field">
          <label htmlFor={addressId}>Host address</label>
          <input
            ref={addressRef}
            autoFocus={focusOnMount}
            id={addressId}
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder={ADDRESS_EXAMPLE}
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
                ? `Will connect to ${parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host} on port ${parsed.port}.`
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
          <button type="submit" className="primary" disabled={busy}>
            Join
          </button>
        )}
      </div>
      <StartErrorMessage mode="join" />
      {recentHosts.length > 0 && (
        <section className="recent" aria-labelledby={recentId}>
          <h2 id={recentId}>Recent rooms</h2>
          <ul>
            {recentHosts.map((entry) => (
              <li key={entry}>
                <button type="button" className="recent-fill" disabled={busy} onClick={() => fill(entry)}>
                  {entry}
                </button>
                <button
                  type="button"
                  className="icon-button"
                  disabled={busy}
                  aria-label={`Forget ${entry}`}
                  title={`Forget ${entry}`}
                  onClick={() => void forgetRecentHost(entry)}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </form>
  );
}

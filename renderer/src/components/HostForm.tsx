import { useEffect, useId, useRef, useState, type SyntheticEvent } from 'react';
import { LIMITS, type HostScope } from '../../../main/common/ipc-contract';
import { joinHostPort, parsePort } from '../../../main/common/address';
import { DEFAULT_PORT, HOST_REPLAY_LINES } from '../../../main/common/constants';
import { MAX_ROOM_NAME_BYTES, utf8Length, type NetworkHost } from '../../../main/common/rooms';
import { clearStartError, findFreePort, hostChat } from '../state/actions';
import { useChatStore } from '../state/store';
import { StartErrorMessage } from './StartErrorMessage';
import { TerminalHint } from './TerminalHint';

/** Host a room: its name, the port and who may join. */
export function HostForm({ focusOnMount }: { focusOnMount: boolean }) {
  const preferences = useChatStore((s) => s.preferences);
  const defaultRoomName = useChatStore((s) => s.defaultRoomName);
  const networkHost = useChatStore((s) => s.networkHosts[0] ?? null);
  const pending = useChatStore((s) => s.pending);
  const [portText, setPortText] = useState(String(preferences?.lastPort ?? DEFAULT_PORT));
  const [scope, setScope] = useState<HostScope>(preferences?.lastScope ?? 'lan');
  const [name, setName] = useState(preferences?.roomName !== undefined && preferences.roomName !== '' ? preferences.roomName : defaultRoomName);
  const [topic, setTopic] = useState('');
  const [encryptedOnly, setEncryptedOnly] = useState(preferences?.lastEncryptedOnly ?? false);
  const encryptedOnlyId = useId();
  const topicId = useId();
  const [password, setPassword] = useState('');
  const passwordId = useId();
  const [showPortError, setShowPortError] = useState(false);
  const portId = useId();
  const portHelpId = useId();
  const nameId = useId();
  const nameHelpId = useId();
  const scopeName = useId();

  const portRef = useRef<HTMLInputElement>(null);
  const hostError = useChatStore((s) => (s.startError?.mode === 'host' ? s.startError.message : null));
  const hasError = hostError !== null;
  // A port that is busy or not allowed is said under the Port field, where the fix is typed.
  const portProblem = hostError !== null && /\bport\b/i.test(hostError) ? hostError : null;
  const portBusy = portProblem !== null && /already in use/i.test(portProblem);
  const [freeing, setFreeing] = useState(false);

  // After a failure, put the user where the fix usually is (a busy port).
  useEffect(() => {
    if (hasError) portRef.current?.focus();
  }, [hasError]);

  const port = parsePort(portText.trim());
  const portError = port === null ? 'Use a port number from 1 to 65535.' : null;
  const nameBytes = utf8Length(name.trim());
  // Main cleans the name and has the last word; this only says early what it would refuse.
  const nameError = nameBytes > MAX_ROOM_NAME_BYTES ? `Too long: at most ${MAX_ROOM_NAME_BYTES} bytes (about ${MAX_ROOM_NAME_BYTES} plain letters, fewer with accents or emoji).` : null;
  const busy = pending !== null;

  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (port === null) {
      setShowPortError(true);
      return;
    }
    if (scope === 'lan' && nameError !== null) return;
    // The default name goes unsaid, so it follows the machine (a renamed computer, another user).
    void hostChat(port, scope, name.trim() === defaultRoomName ? undefined : name, topic, password, encryptedOnly);
  };

  const pickFreePort = async () => {
    if (port === null) return;
    setFreeing(true);
    const free = await findFreePort(port, scope);
    setFreeing(false);
    if (free === null) return;
    setPortText(String(free));
    setShowPortError(false);
    portRef.current?.focus();
  };

  return (
    <form className="start-form" onSubmit={submit} noValidate aria-label="Host a room">
      <fieldset disabled={busy} className="plain">
        <div className="field">
          <label htmlFor={nameId}>Room name</label>
          <input
            id={nameId}
            type="text"
            autoComplete="off"
            spellCheck={false}
            maxLength={LIMITS.maxRoomNameChars}
            value={name}
            placeholder={defaultRoomName}
            disabled={scope === 'local'}
            aria-invalid={scope === 'lan' && nameError !== null}
            aria-describedby={nameHelpId}
            onChange={(event) => {
              setName(event.target.value);
              clearStartError();
            }}
          />
          <p id={nameHelpId} className={scope === 'lan' && nameError ? 'field-error' : 'field-help'}>
            {scope === 'local'
              ? 'A room for this computer only is not listed on the network.'
              : (nameError ?? 'Others see this name in their list of rooms on the network.')}
          </p>
        </div>
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
            aria-invalid={(showPortError && portError !== null) || portProblem !== null}
            aria-describedby={portHelpId}
            onChange={(event) => {
              setPortText(event.target.value);
              setShowPortError(true);
              clearStartError();
            }}
          />
          {portProblem !== null ? (
            <div className="field-error port-problem" role="alert">
              <p id={portHelpId}>{portProblem}</p>
              {portBusy && (
                <button type="button" disabled={freeing} onClick={() => void pickFreePort()}>
                  Use a free port
                </button>
              )}
            </div>
          ) : (
            <p id={portHelpId} className={showPortError && portError ? 'field-error' : 'field-help'}>
              {showPortError && portError ? portError : joinPreview(scope, port, networkHost)}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={topicId}>Topic (optional)</label>
          <input
            id={topicId}
            type="text"
            autoComplete="off"
            maxLength={LIMITS.maxTypedNameChars}
            value={topic}
            aria-describedby={`${topicId}-help`}
            onChange={(event) => setTopic(event.target.value)}
          />
          <p id={`${topicId}-help`} className="field-help">
            Everyone who joins sees it; you can change it later. Newcomers will see the last {HOST_REPLAY_LINES} lines of the conversation.
          </p>
        </div>
        <div className="field">
          <label htmlFor={passwordId}>Password (optional)</label>
          <input
            id={passwordId}
            type="password"
            autoComplete="new-password"
            maxLength={LIMITS.maxPasswordChars}
            value={password}
            aria-describedby={`${passwordId}-help`}
            onChange={(event) => setPassword(event.target.value)}
          />
          <p id={`${passwordId}-help`} className="field-help">
            With one, people type it before they are in the room (in a terminal too); you are never asked.
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
        <div className="field">
          <label className="choice">
            <input
              type="checkbox"
              checked={encryptedOnly}
              aria-labelledby={`${encryptedOnlyId}-label`}
              aria-describedby={`${encryptedOnlyId}-help`}
              onChange={(event) => {
                setEncryptedOnly(event.target.checked);
                clearStartError();
              }}
            />
            <span>
              <strong id={`${encryptedOnlyId}-label`}>Encrypted only</strong>
              <small id={`${encryptedOnlyId}-help`}>
                Refuse connections in plain text, so nobody’s lines cross the network in clear. The app always encrypts; people in a
                terminal then need <kbd>ncat --ssl</kbd> or <kbd>openssl s_client -quiet -connect</kbd> instead of nc or telnet (the
                commands are below).
              </small>
            </span>
          </label>
        </div>
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
      {portProblem === null && <StartErrorMessage mode="host" />}
      <TerminalHint host={scope === 'local' ? '127.0.0.1' : (networkHost?.host ?? null)} port={port} encrypted={encryptedOnly} />
    </form>
  );
}

/** Where others will join, before hosting: this machine's first network address and the port typed. */
function joinPreview(scope: HostScope, port: number | null, networkHost: NetworkHost | null): string {
  if (port === null) return `Default ${DEFAULT_PORT}.`;
  if (scope === 'local') return `Only this computer can join, at ${joinHostPort('127.0.0.1', port)}.`;
  if (networkHost === null) return `No network address yet: connect to the network the others use. Port ${port}.`;
  return `Others will join at ${joinHostPort(networkHost.host, port)} · ${networkHost.label}.`;
}

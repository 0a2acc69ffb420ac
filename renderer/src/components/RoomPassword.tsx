import { useId, useState } from 'react';
import { LIMITS } from '../../../main/common/ipc-contract';
import { dismissPassword, joinChat, sendPassword } from '../state/actions';
import { useChatStore } from '../state/store';

/**
 * The joined room's password: asked for when the room asks (main already sent one remembered
 * for this host, if it had one), and, when the room turned it away, why, with a retry.
 */
export function RoomPassword() {
  const password = useChatStore((s) => s.password);
  if (password === null) return null;
  if (password.state === 'refused') {
    return (
      <div className="password-refused" role="alert">
        <p>
          <strong>{password.message ?? `Wrong password for ${password.address}.`}</strong>
        </p>
        <button type="button" className="primary" onClick={() => void joinChat(password.address)}>
          Try again
        </button>{' '}
        <button type="button" onClick={dismissPassword}>
          Dismiss
        </button>
      </div>
    );
  }
  return <PasswordForm key={password.address} address={password.address} />;
}

function PasswordForm({ address }: { address: string }) {
  const [text, setText] = useState('');
  const [remember, setRemember] = useState(false);
  const [sending, setSending] = useState(false);
  const fieldId = useId();
  const helpId = useId();
  return (
    <form
      className="password-prompt"
      aria-label="Room password"
      onSubmit={(event) => {
        event.preventDefault();
        if (text === '' || sending) return;
        setSending(true);
        void sendPassword(text, remember).then(() => setSending(false));
      }}
    >
      <p id={helpId}>{address} asks for a password before you can join.</p>
      <div className="field">
        <label htmlFor={fieldId}>Password</label>
        <input
          id={fieldId}
          type="password"
          autoComplete="off"
          autoFocus
          maxLength={LIMITS.maxPasswordChars}
          value={text}
          aria-describedby={helpId}
          onChange={(event) => setText(event.target.value)}
        />
      </div>
      <label className="choice">
        <input type="checkbox" checked={remember} onChange={(event) => setRemember(event.target.checked)} />
        <span>Remember for this host</span>
      </label>
      <button type="submit" className="primary" disabled={text === '' || sending}>
        Enter the room
      </button>
    </form>
  );
}

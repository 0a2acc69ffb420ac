import { useId, useState } from 'react';
import type { Mode } from '../../../main/common/ipc-contract';
import { chooseStartMode } from '../state/actions';
import { useChatStore } from '../state/store';
import { HostForm } from './HostForm';
import { JoinForm } from './JoinForm';
import { Notices } from './Notices';
import { RoomPassword } from './RoomPassword';

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
        <RoomPassword />
        <ModeSwitch mode={mode} onSwitch={() => setSwitched(true)} />
        {mode === 'host' ? <HostForm focusOnMount={!switched} /> : <JoinForm focusOnMount={!switched} />}
      </div>
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

import { useState, type SyntheticEvent } from 'react';
import { LIMITS } from '../../../main/common/ipc-contract';
import { closeNameEdit, editName, saveDisplayName } from '../state/actions';
import { useChatStore } from '../state/store';

/**
 * By the composer: how the others see this user, name (when the server took it) and address,
 * and the name's editor. Saving sends `/name` in a room that speaks Tincan; a name the room
 * refuses comes back as the server's line, with an offer to edit again.
 */
export function YouAppearAs() {
  const self = useChatStore((s) => (s.status.mode === 'idle' ? null : s.status.self));
  const name = useChatStore((s) => (self === null ? null : (s.names.get(self) ?? null)));
  const editing = useChatStore((s) => s.nameEditing);
  if (self === null) return null;
  if (editing) return <NameEditor />;
  return (
    <p className="you-appear-as muted small">
      You appear as{' '}
      {name !== null && (
        <>
          <strong dir="auto">{name}</strong> ·{' '}
        </>
      )}
      <span className="sender-address">{self}</span>{' '}
      <button type="button" className="link-button" onClick={editName}>
        {name === null ? 'Choose a name' : 'Change name'}
      </button>
    </p>
  );
}

function NameEditor() {
  const saved = useChatStore((s) => s.preferences?.displayName ?? '');
  const [value, setValue] = useState(saved);
  const [saving, setSaving] = useState(false);
  const submit = (event: SyntheticEvent): void => {
    event.preventDefault();
    setSaving(true);
    void saveDisplayName(value.trim()).finally(() => setSaving(false));
  };
  return (
    <form className="you-appear-as name-editor small" onSubmit={submit} onKeyDown={(event) => event.key === 'Escape' && closeNameEdit()}>
      <label>
        Your name{' '}
        <input
          type="text"
          value={value}
          maxLength={LIMITS.maxTypedNameChars}
          placeholder="No name: others see your address"
          autoComplete="off"
          spellCheck={false}
          // Opened on purpose, to type in.
          autoFocus
          onChange={(event) => setValue(event.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={saving}>
        Save name
      </button>
      <button type="button" className="link-button" onClick={closeNameEdit}>
        Cancel
      </button>
    </form>
  );
}

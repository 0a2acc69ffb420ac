import { openSettings } from '../state/actions';
import { useChatStore } from '../state/store';

/** By the composer: how the others see this user, name (when the server took it) and address. */
export function YouAppearAs() {
  const self = useChatStore((s) => (s.status.mode === 'idle' ? null : s.status.self));
  const name = useChatStore((s) => (self === null ? null : (s.names.get(self) ?? null)));
  if (self === null) return null;
  return (
    <p className="you-appear-as muted small">
      You appear as{' '}
      {name !== null && (
        <>
          <strong dir="auto">{name}</strong> ·{' '}
        </>
      )}
      <span className="sender-address">{self}</span>{' '}
      <button type="button" className="link-button" onClick={openSettings}>
        {name === null ? 'Choose a name' : 'Change name'}
      </button>
    </p>
  );
}

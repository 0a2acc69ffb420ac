import type { Mode } from '../../../main/common/ipc-contract';
import { useChatStore } from '../state/store';

/** Why the last host or join failed, under the form that tried it. */
export function StartErrorMessage({ mode }: { mode: Mode }) {
  const message = useChatStore((s) => (s.startError?.mode === mode ? s.startError.message : null));
  if (message === null) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}

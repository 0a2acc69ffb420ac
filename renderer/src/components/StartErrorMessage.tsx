import type { Mode } from '../../../main/common/ipc-contract';
import { useChatStore } from '../state/store';
import { CopyButton } from './CopyButton';

/**
 * Why the last host or join failed, under the form that tried it. A failed join also says
 * what to try, and offers the command that tests the connection from a terminal.
 */
export function StartErrorMessage({ mode }: { mode: Mode }) {
  const error = useChatStore((s) => (s.startError?.mode === mode ? s.startError : null));
  if (error === null) return null;
  const { help } = error;
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

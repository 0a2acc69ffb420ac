import { terminalJoinCommand } from '../../../main/common/rooms';

/**
 * How people without the app join, with real values: the host's address and port when the
 * form knows them, and otherwise words rather than a placeholder someone might type.
 */
export function TerminalHint({ host, port }: { host: string | null; port: number | null }) {
  if (host === null || port === null) {
    return (
      <p className="terminal-hint">
        No app? <kbd>nc</kbd> or <kbd>telnet</kbd> with the host’s address and port work too.
      </p>
    );
  }
  return (
    <p className="terminal-hint">
      No app? <kbd>{terminalJoinCommand('nc', host, port)}</kbd> or <kbd>{terminalJoinCommand('telnet', host, port)}</kbd> work too.
    </p>
  );
}

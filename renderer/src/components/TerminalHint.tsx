import { terminalJoinCommand } from '../../../main/common/rooms';

/**
 * How people without the app join, with real values: the host's address and port when the
 * form knows them, and otherwise words rather than a placeholder someone might type. A room
 * that takes TLS only (`encrypted`) needs a TLS terminal client: `ncat --ssl` or openssl.
 */
export function TerminalHint({ host, port, encrypted = false }: { host: string | null; port: number | null; encrypted?: boolean }) {
  if (host === null || port === null) {
    return encrypted ? (
      <p className="terminal-hint">
        No app? <kbd>ncat --ssl</kbd> or <kbd>openssl s_client -quiet -connect</kbd> with the host’s address and port work too; nc and
        telnet are refused.
      </p>
    ) : (
      <p className="terminal-hint">
        No app? <kbd>nc</kbd> or <kbd>telnet</kbd> with the host’s address and port work too.
      </p>
    );
  }
  if (encrypted) {
    return (
      <p className="terminal-hint">
        No app? <kbd>{terminalJoinCommand('ncat-ssl', host, port)}</kbd> or <kbd>{terminalJoinCommand('openssl', host, port)}</kbd> work
        too; nc and telnet are refused.
      </p>
    );
  }
  return (
    <p className="terminal-hint">
      No app? <kbd>{terminalJoinCommand('nc', host, port)}</kbd> or <kbd>{terminalJoinCommand('telnet', host, port)}</kbd> work too.
    </p>
  );
}

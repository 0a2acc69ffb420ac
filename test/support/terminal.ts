/** A terminal chat client as a real process (nc, telnet, openssl s_client, ncat): what it prints, what it is told to send. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Signal, WAIT_MS } from './wait';

export interface TerminalClient {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything it printed on stdout, byte for byte (latin1: one char per byte). */
  output(): string;
  /** What it printed on stderr. */
  errors(): string;
  /** Types `text` into it. */
  send(text: string): void;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** SIGKILL unless it has exited. */
  kill(): void;
}

export function spawnTerminal(command: string, args: string[]): TerminalClient {
  const child = spawn(command, args, { stdio: 'pipe' });
  let out = '';
  let err = '';
  const changed = new Signal();
  child.stdout.setEncoding('latin1').on('data', (text: string) => {
    out += text;
    changed.notify();
  });
  child.stderr.setEncoding('latin1').on('data', (text: string) => {
    err += text;
    changed.notify();
  });
  child.stdin.on('error', () => {});
  child.on('exit', () => changed.notify());
  return {
    child,
    output: () => out,
    errors: () => err,
    send: (text) => child.stdin.write(text),
    waitFor: (text, timeoutMs = WAIT_MS) => changed.until(
      () => out.includes(text),
      () => `${command} to show ${JSON.stringify(text)}; it showed ${JSON.stringify(out)} (stderr ${JSON.stringify(err.slice(-500))})`,
      timeoutMs,
      () => (child.exitCode === null ? null : `${command} exited (${child.exitCode})`),
    ),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

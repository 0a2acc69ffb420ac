/** The headless server (main/headless/serve.ts) as a real child process, for CLI, process and E2E tests. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Signal } from './wait';

export const ROOT = path.resolve(__dirname, '../..');
export const SERVE = path.join(ROOT, 'main/headless/serve.ts');

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>;
  exitCode: () => number | string | null;
  waitForStderr: (pattern: string | RegExp, timeoutMs?: number) => Promise<void>;
  waitForStdout: (pattern: string | RegExp, timeoutMs?: number) => Promise<void>;
  /** Resolves with the address once `Listening on HOST:PORT` is printed. */
  listening: (timeoutMs?: number) => Promise<{ host: string; port: number }>;
  /** SIGKILL, unless it already exited. */
  kill: () => void;
  /** SIGTERM (a clean shutdown) and wait for the exit. */
  stop: () => Promise<number | string>;
}

export interface SpawnOptions {
  /** Run under `prlimit --nofile=N:N`. */
  nofile?: number;
  /** Another server script to run instead of the headless server (it prints `Listening on HOST:PORT` too). */
  entry?: string;
  /** More environment variables for the server. */
  env?: Record<string, string>;
}

/** Starts the server from source (through tsx) with `args`. */
export function spawnServer(args: string[], options: SpawnOptions = {}): ServerProcess {
  const node = [process.execPath, '--import', 'tsx', options.entry ?? SERVE, ...args];
  const [command, ...rest] = options.nofile ? ['prlimit', `--nofile=${options.nofile}:${options.nofile}`, ...node] : node;
  // The host's TLS key goes to the user's config folder by default: a test's goes to a folder of its own, removed on exit.
  const config = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-server-config-'));
  const env = { ...process.env, NODE_OPTIONS: '', XDG_CONFIG_HOME: config, ...options.env };
  const child = spawn(command!, rest, { cwd: ROOT, stdio: 'pipe', env });
  child.on('exit', () => fs.rmSync(config, { recursive: true, force: true }));
  let out = '';
  let err = '';
  let code: number | string | null = null;
  const changed = new Signal();
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    out += text;
    changed.notify();
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    err += text;
    changed.notify();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (exitCode, signal) => {
      code = exitCode ?? signal ?? -1;
      resolve(code);
      changed.notify();
    });
  });
  const output = () => `stdout: ${JSON.stringify(out)} stderr: ${JSON.stringify(err.slice(-2000))}`;
  const waitFor = (source: () => string, name: string, pattern: string | RegExp, timeoutMs = 15_000) =>
    changed.until(
      () => (typeof pattern === 'string' ? source().includes(pattern) : pattern.test(source())),
      () => `${name} to show ${String(pattern)}; ${output()}`,
      timeoutMs,
      () => (code === null ? null : `the server exited (${code})`),
    );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    exitCode: () => code,
    waitForStderr: (pattern, timeoutMs) => waitFor(() => err, 'stderr', pattern, timeoutMs),
    waitForStdout: (pattern, timeoutMs) => waitFor(() => out, 'stdout', pattern, timeoutMs),
    async listening(timeoutMs = 20_000) {
      const pattern = /Listening on (\S+):(\d+)\n/;
      await waitFor(() => out, 'stdout', pattern, timeoutMs);
      const match = pattern.exec(out)!;
      return { host: match[1]!, port: Number(match[2]) };
    },
    kill() {
      if (code === null) child.kill('SIGKILL');
    },
    stop() {
      if (code === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** CPU time (user + system) of a process, in seconds, from /proc/PID/stat. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12 here
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Open descriptors of a process. */
export function openFds(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

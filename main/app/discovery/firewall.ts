/**
 * "Your firewall may stop others from joining", where we can tell. Linux: ufw or firewalld
 * running without the room's port allowed. Windows: a Public network, or Tincan's firewall
 * rules (windows-network.ts). macOS: the system asks the first time an app uses the local
 * network and accepts connections, and a wrong click there is the usual cause, so we say
 * what to choose. Parsing is pure; the checks run the tools themselves, each bounded in time and
 * output, and never fail: anything unexpected means "cannot tell" (no hint).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Advice } from '../../common/rooms';
import { isVirtualInterfaceName, listLocalAddresses } from './interfaces';
import { parseWindowsNetworkReport, PROGRAM_VARIABLE, WINDOWS_CHECK_SCRIPT, WINDOWS_CHECK_TIMEOUT_MS, windowsNetworkAdvice } from './windows-network';

export const FIREWALL_CHECK_TIMEOUT_MS = 1500;
const MAX_OUTPUT_BYTES = 64 * 1024;

export interface CommandResult {
  /** Exit code, or null when the command could not run, was killed or timed out. */
  code: number | null;
  stdout: string;
}

/** `env`: variables added to the command's environment (how values reach a script without being spliced into it). */
export type CommandRunner = (command: string, args: string[], env?: Readonly<Record<string, string>>) => Promise<CommandResult>;

/** Runs a command with a time and output bound; never rejects. */
export function runBounded(timeoutMs = FIREWALL_CHECK_TIMEOUT_MS): CommandRunner {
  return (command, args, env = {}) =>
    new Promise((resolve) => {
      try {
        execFile(
          command,
          args,
          { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8', env: { ...process.env, ...env, LC_ALL: 'C' }, windowsHide: true },
          (error, stdout) => {
            if (error === null) resolve({ code: 0, stdout });
            else if (typeof error.code === 'number' && !error.killed) resolve({ code: error.code, stdout });
            else resolve({ code: null, stdout: '' });
          },
        ).stdin?.end();
      } catch {
        resolve({ code: null, stdout: '' });
      }
    });
}

export interface UfwStatus {
  active: boolean;
  /** Incoming connections allowed unless a rule denies them. */
  defaultAllowsIncoming: boolean;
  /** A rule allows the TCP port (alone, in a range, or any protocol). */
  allowsPort: boolean;
}

function portSpecAllows(spec: string, port: number, protocol: 'tcp' | 'udp'): boolean {
  const [ports = '', proto] = spec.split('/');
  if (proto !== undefined && proto !== protocol) return false;
  return ports.split(',').some((part) => {
    const [low, high] = part.split(':').map(Number);
    if (low === undefined || !Number.isInteger(low)) return false;
    return high === undefined ? low === port : Number.isInteger(high) && low <= port && port <= high;
  });
}

/** Reads `ufw status verbose`. */
export function parseUfwStatus(output: string, port: number): UfwStatus {
  const active = /^Status:\s*active\b/m.test(output);
  const defaults = /^Default:\s*(\w+)\s*\(incoming\)/m.exec(output);
  const defaultAllowsIncoming = defaults?.[1] === 'allow';
  let allowsPort = false;
  for (const line of output.split('\n')) {
    const match = /^(\S+)(?:\s+\(v6\))?(?:\s+on\s+\S+)?\s+(ALLOW|DENY|REJECT|LIMIT)(?:\s+IN)?\s+/.exec(line.trim());
    if (!match) continue;
    const [, to = '', action] = match;
    if ((action === 'ALLOW' || action === 'LIMIT') && portSpecAllows(to, port, 'tcp')) allowsPort = true;
  }
  return { active, defaultAllowsIncoming, allowsPort };
}

/** `ENABLED=yes` in /etc/ufw/ufw.conf: ufw is on (readable without root, unlike its rules). */
export function parseUfwConf(text: string): boolean {
  return /^\s*ENABLED\s*=\s*yes\s*$/im.test(text);
}

function ufwAdvice(port: number, sure: boolean): Advice {
  return {
    summary: sure
      ? `The firewall (ufw) is on and does not allow TCP port ${port}, so others may not be able to join.`
      : `The firewall (ufw) is on; unless it allows TCP port ${port}, others cannot join.`,
    suggestion: `Allow the room's port (and ${port}/udp and 5353/udp, so the room shows up in others' lists):`,
    command: `sudo ufw allow ${port}/tcp && sudo ufw allow ${port}/udp && sudo ufw allow 5353/udp`,
  };
}

function firewalldAdvice(port: number): Advice {
  return {
    summary: `The firewall (firewalld) is running and does not allow TCP port ${port}, so others may not be able to join.`,
    suggestion: 'Allow the room for this session (add --permanent to keep it):',
    command: `sudo firewall-cmd --add-port=${port}/tcp --add-port=${port}/udp --add-service=mdns`,
  };
}

/** The hint for the first time Tincan hosts on Windows, when Windows asks about the firewall. */
export function windowsFirstLaunchAdvice(): Advice {
  return {
    summary: 'Windows may ask whether Tincan can accept connections. Choose “Allow” (private networks), or others cannot join.',
    suggestion:
      'If you clicked Cancel: Windows Security → Firewall & network protection → Allow an app through firewall → tick Tincan for Private networks.',
    command: null,
  };
}

function macFirstLaunchAdvice(): Advice {
  return {
    summary:
      'macOS may ask whether Tincan may find devices on your local network, and whether it should accept incoming network connections. Choose “Allow” both times, or others cannot find or join the room.',
    suggestion:
      'If you chose otherwise: System Settings → Privacy & Security → Local Network → turn Tincan on; and System Settings → Network → Firewall → Options → set Tincan to “Allow incoming connections”.',
    command: null,
  };
}

/** Windows PowerShell, from the system folder (not whatever `powershell.exe` the PATH finds first). */
function windowsPowerShell(): string {
  return path.win32.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
}

/**
 * Windows: the network category of the shared interfaces and Tincan's firewall rules, read
 * with PowerShell. When they cannot be read, the first-launch hint as before.
 */
async function windowsAdvice(options: FirewallCheckOptions): Promise<Advice | null> {
  const run = options.run ?? runBounded(WINDOWS_CHECK_TIMEOUT_MS);
  const program = options.program ?? process.execPath;
  const result = await run(windowsPowerShell(), ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', WINDOWS_CHECK_SCRIPT], {
    [PROGRAM_VARIABLE]: program,
  });
  const report = result.code === 0 ? parseWindowsNetworkReport(result.stdout) : null;
  const firstTime = windowsFirstLaunchAdvice();
  if (report === null) return options.firstLaunch ? firstTime : null;
  const sharedInterfaces =
    options.sharedInterfaces ??
    listLocalAddresses(os.networkInterfaces())
      .filter((address) => !address.internal && !isVirtualInterfaceName(address.interfaceName))
      .map((address) => address.interfaceName);
  const context = { port: options.port, sharedInterfaces, program, firstLaunch: options.firstLaunch === true };
  return windowsNetworkAdvice(report, context, firstTime);
}

export interface FirewallCheckOptions {
  port: number;
  platform: NodeJS.Platform;
  /** True the first time this machine hosts (Windows and macOS then ask about the firewall). */
  firstLaunch?: boolean;
  run?: CommandRunner;
  readText?: (path: string) => Promise<string>;
  /** Windows: the interfaces the room is shared on, whose network category matters; default the physical ones. */
  sharedInterfaces?: readonly string[];
  /** Windows: the executable the firewall rules name; default this process's. */
  program?: string;
}

/** The firewall hint for hosting on `port`, or null when there is nothing to say (or we cannot tell). */
export async function firewallAdvice(options: FirewallCheckOptions): Promise<Advice | null> {
  const { port, platform } = options;
  if (platform === 'win32') return windowsAdvice(options);
  if (platform === 'darwin') return options.firstLaunch ? macFirstLaunchAdvice() : null;
  if (platform !== 'linux') return null;
  const run = options.run ?? runBounded();
  const readText = options.readText ?? ((path: string) => readFile(path, 'utf8'));

  const ufw = await run('ufw', ['status', 'verbose']);
  if (ufw.code === 0) {
    const status = parseUfwStatus(ufw.stdout, port);
    if (status.active && !status.defaultAllowsIncoming && !status.allowsPort) return ufwAdvice(port, true);
  } else {
    // Without root, ufw will not list its rules; its config still says whether it is on.
    const conf = await readText('/etc/ufw/ufw.conf').catch(() => '');
    if (parseUfwConf(conf) && ufw.code !== null) return ufwAdvice(port, false);
  }

  const state = await run('firewall-cmd', ['--state']);
  if (state.code === 0 && /^running/m.test(state.stdout)) {
    const query = await run('firewall-cmd', [`--query-port=${port}/tcp`]);
    // 0 "yes": allowed; 1 "no": not allowed; anything else: cannot tell.
    if (query.code === 1 && /^no/m.test(query.stdout)) return firewalldAdvice(port);
  }
  return null;
}

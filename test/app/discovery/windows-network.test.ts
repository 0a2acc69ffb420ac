/**
 * The Windows host hint: reading what PowerShell printed (recorded answers of real shapes, and
 * garbage), deciding what to say, and running the check for real through a stand-in
 * `powershell` script — one that answers, one that never does, one that floods, one that fails —
 * to show the check is bounded in time and size and never throws.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatSession } from '../../../main/app/session';
import { firewallAdvice, runBounded, windowsFirstLaunchAdvice, type CommandRunner } from '../../../main/app/discovery/firewall';
import {
  inboundVerdict,
  parseWindowsNetworkReport,
  PROGRAM_VARIABLE,
  REPORT_LIMITS,
  WINDOWS_CHECK_SCRIPT,
  windowsNetworkAdvice,
  type WindowsAdviceContext,
} from '../../../main/app/discovery/windows-network';
import { useCleanup } from '../../support/cleanup';
import { EventRecorder } from '../../support/event-recorder';
import { freePort } from '../../support/ports';
import { RawClient } from '../../support/raw-client';

const defer = useCleanup();

const PROGRAM = 'C:\\Program Files\\Tincan\\Tincan.exe';

/** What the script prints, CRLF like Windows; `rules` in the order Windows lists them. */
function recorded(connections: string[], rules: string[], firewall = ['Domain\tTrue\tBlock', 'Private\tTrue\tBlock', 'Public\tTrue\tBlock']): string {
  return ['[tincan-profiles]', ...connections, '[tincan-firewall]', ...firewall, '[tincan-rules]', ...rules, '[tincan-end]', ''].join('\r\n');
}

/** The rules Windows writes when the user ticks Private in its firewall question: allow there, block on Public. */
const ALLOWED_PRIVATE = [
  'Inbound\tAllow\tTrue\tPrivate\tTCP',
  'Inbound\tAllow\tTrue\tPrivate\tUDP',
  'Inbound\tBlock\tTrue\tPublic\tTCP',
  'Inbound\tBlock\tTrue\tPublic\tUDP',
];
/** The installer's rule (everyone-install): one rule by program, any protocol. */
const INSTALLER_RULE = ['Inbound\tAllow\tTrue\tDomain, Private\tAny'];
/** Cancel in Windows' question: block rules. */
const CANCELLED = ['Inbound\tBlock\tTrue\tPrivate\tTCP', 'Inbound\tBlock\tTrue\tPrivate\tUDP'];

const context = (overrides: Partial<WindowsAdviceContext> = {}): WindowsAdviceContext => ({
  port: 60003,
  sharedInterfaces: ['Wi-Fi'],
  program: PROGRAM,
  firstLaunch: false,
  ...overrides,
});

const advise = (output: string, overrides: Partial<WindowsAdviceContext> = {}) => {
  const report = parseWindowsNetworkReport(output);
  if (report === null) throw new Error('not a report');
  return windowsNetworkAdvice(report, context(overrides), windowsFirstLaunchAdvice());
};

describe('parseWindowsNetworkReport', () => {
  it('reads connections, firewall profiles and the app’s rules', () => {
    const report = parseWindowsNetworkReport(`\uFEFF${recorded(['Wi-Fi\tPublic', 'Ethernet 2\tDomainAuthenticated', 'vEthernet (WSL)\t1'], ALLOWED_PRIVATE)}`);
    expect(report?.connections).toEqual([
      { interfaceAlias: 'Wi-Fi', profile: 'Public' },
      { interfaceAlias: 'Ethernet 2', profile: 'Domain' },
      { interfaceAlias: 'vEthernet (WSL)', profile: 'Private' },
    ]);
    expect(report?.firewall).toEqual([
      { name: 'Domain', enabled: true, defaultAllowsInbound: false },
      { name: 'Private', enabled: true, defaultAllowsInbound: false },
      { name: 'Public', enabled: true, defaultAllowsInbound: false },
    ]);
    expect(report?.rules[0]).toEqual({ inbound: true, allow: true, enabled: true, profiles: ['Private'], tcp: true });
    expect(report?.rules[1]?.tcp).toBe(false);
    expect(parseWindowsNetworkReport(recorded([], INSTALLER_RULE))?.rules).toEqual([
      { inbound: true, allow: true, enabled: true, profiles: ['Domain', 'Private'], tcp: true },
    ]);
  });

  it('is not fooled by garbage: not the script’s answer is null; a bad line is skipped', () => {
    for (const output of [
      '',
      'powershell : The term is not recognized',
      '[tincan-profiles]\r\nWi-Fi\tPublic\r\n', // cut short (timed out mid-way)
      '[tincan-end]\n[tincan-rules]\n[tincan-firewall]\n[tincan-profiles]\n', // out of order
      '\u0000'.repeat(1000),
    ]) {
      expect(parseWindowsNetworkReport(output), JSON.stringify(output.slice(0, 40))).toBeNull();
    }
    const report = parseWindowsNetworkReport(
      recorded(
        ['Wi-Fi\tPublic\textra', '\tPrivate', 'Wi\u0007Fi\tPrivate', 'Ethernet\tSomething', `${'x'.repeat(600)}\tPrivate`, 'Ethernet\tPrivate'],
        ['Inbound\tAllow\tMaybe\tPrivate\tTCP', 'Sideways\tAllow\tTrue\tPrivate\tTCP', 'Inbound\tAllow\tTrue\tPrivate, Mars\tTCP', 'Inbound\tAllow\tTrue\tPrivate\tTCP'],
        ['Private\tTrue\tBlock', 'Private\tFalse\tAllow', 'Nowhere\tTrue\tBlock'],
      ),
    );
    expect(report?.connections).toEqual([{ interfaceAlias: 'Ethernet', profile: 'Private' }]);
    expect(report?.rules).toHaveLength(1);
    // The first word on a profile counts; a second, contradicting one is ignored.
    expect(report?.firewall).toEqual([{ name: 'Private', enabled: true, defaultAllowsInbound: false }]);
  });

  it('holds at most so many connections and rules, however many lines come', () => {
    const many = recorded(
      Array.from({ length: 5000 }, (_, i) => `Net ${i}\tPrivate`),
      Array.from({ length: 5000 }, () => 'Inbound\tAllow\tTrue\tAny\tAny'),
    );
    const report = parseWindowsNetworkReport(many);
    expect(report?.connections).toHaveLength(REPORT_LIMITS.maxConnections);
    expect(report?.rules).toHaveLength(REPORT_LIMITS.maxRules);
  });
});

describe('windowsNetworkAdvice', () => {
  it('a Public network: says so, how to make it Private, with and without admin rights', () => {
    const advice = advise(recorded(['Wi-Fi\tPublic'], ALLOWED_PRIVATE));
    expect(advice?.summary).toBe('Windows treats the network “Wi-Fi” as Public, and its firewall keeps others on a Public network from joining.');
    expect(advice?.suggestion).toMatch(/Network profile type → Private.*admin rights.*Without admin rights, ask whoever manages this computer/);
    expect(advice?.command).toBe('Set-NetConnectionProfile -InterfaceAlias "Wi-Fi" -NetworkCategory Private');
    // The user allowed Public too when Windows asked: others can join, nothing to say.
    expect(advise(recorded(['Wi-Fi\tPublic'], ['Inbound\tAllow\tTrue\tPrivate, Public\tTCP']))).toBeNull();
    // An interface name that is not safe to paste into a command gets no command.
    const odd = advise(recorded(['Wi-Fi"; Remove-Item C:\\ -Recurse; "\tPublic'], []), { sharedInterfaces: [] });
    expect(odd?.summary).toMatch(/as Public/);
    expect(odd?.command).toBeNull();
  });

  it('only the networks the room is shared on count; unknown names mean every network counts', () => {
    const output = recorded(['Wi-Fi\tPrivate', 'Hotel\tPublic'], INSTALLER_RULE);
    expect(advise(output, { sharedInterfaces: ['Wi-Fi'] })).toBeNull();
    expect(advise(output, { sharedInterfaces: ['Hotel'] })?.summary).toMatch(/“Hotel” as Public/);
    expect(advise(output, { sharedInterfaces: ['WLAN'] })?.summary).toMatch(/“Hotel” as Public/);
  });

  it('Cancel or Block in Windows’ question: says the firewall blocks Tincan, and what to do', () => {
    const advice = advise(recorded(['Wi-Fi\tPrivate'], [...INSTALLER_RULE, ...CANCELLED]));
    // A block rule wins over an allow rule, as in Windows Firewall.
    expect(advice?.summary).toMatch(/^Windows Firewall blocks Tincan on this network/);
    expect(advice?.suggestion).toMatch(/Allow an app through firewall.*Without admin rights.*TCP and UDP port 60003 and UDP 5353/);
    // A disabled block rule blocks nothing; a UDP-only block does not stop the chat.
    expect(advise(recorded(['Wi-Fi\tPrivate'], [...INSTALLER_RULE, 'Inbound\tBlock\tFalse\tPrivate\tTCP', 'Inbound\tBlock\tTrue\tPrivate\tUDP']))).toBeNull();
  });

  it('no rule: the first time, what to answer Windows; later, that nothing lets others in', () => {
    const none = recorded(['Ethernet\tDomainAuthenticated'], ['Outbound\tAllow\tTrue\tAny\tAny', 'Inbound\tAllow\tTrue\tPrivate\tTCP']);
    expect(advise(none, { sharedInterfaces: ['Ethernet'], firstLaunch: true })).toEqual(windowsFirstLaunchAdvice());
    const later = advise(none, { sharedInterfaces: ['Ethernet'] });
    expect(later?.summary).toBe('Windows Firewall has no rule for Tincan on this network, so others probably cannot join (unless its port was opened another way).');
    expect(later?.command).toBe(`netsh advfirewall firewall add rule name="Tincan" dir=in action=allow enable=yes profile=private,domain program="${PROGRAM}"`);
    expect(advise(none, { sharedInterfaces: ['Ethernet'], program: 'C:\\a"b\\Tincan.exe' })?.command).toBeNull();
  });

  it('allowed: by the installer’s rule, a firewall that is off, or a profile that lets everything in', () => {
    expect(advise(recorded(['Wi-Fi\tPrivate'], INSTALLER_RULE))).toBeNull();
    expect(advise(recorded(['Wi-Fi\tPrivate'], [], ['Private\tFalse\tBlock']))).toBeNull();
    expect(advise(recorded(['Wi-Fi\tPrivate'], [], ['Private\tTrue\tAllow']))).toBeNull();
    const report = parseWindowsNetworkReport(recorded([], CANCELLED, ['Private\tFalse\tBlock']))!;
    expect(inboundVerdict(report, 'Private')).toBe('allowed');
    // Nothing known about the connections: nothing to say.
    expect(advise(recorded([], CANCELLED))).toBeNull();
  });
});

describe('firewallAdvice on Windows, with a stand-in PowerShell', () => {
  let dir: string;
  const standIn = (script: string) => writeFile(path.join(dir, 'powershell'), `#!/bin/sh\n${script}\n`).then(() => chmod(path.join(dir, 'powershell'), 0o755));
  const calls: { command: string; args: string[]; env: Readonly<Record<string, string>> | undefined }[] = [];
  /** Runs the stand-in as a real process, in place of Windows PowerShell. */
  const viaStandIn = (timeoutMs = 3000): CommandRunner => (command, args, env) => {
    calls.push({ command, args, env });
    return runBounded(timeoutMs)(path.join(dir, 'powershell'), args, env);
  };
  const check = (run: CommandRunner, firstLaunch = false) =>
    firewallAdvice({ port: 60003, platform: 'win32', firstLaunch, run, sharedInterfaces: ['Wi-Fi'], program: PROGRAM });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tincan-windows-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the script with the program path in the environment, never in the script’s text', async () => {
    // The stand-in answers with Tincan's rules only when it was told which program to look up.
    await writeFile(path.join(dir, 'answer'), recorded(['Wi-Fi\tPrivate'], CANCELLED));
    await standIn(`[ "$${PROGRAM_VARIABLE}" = '${PROGRAM}' ] && cat '${path.join(dir, 'answer')}'`);
    calls.length = 0;
    expect((await check(viaStandIn()))?.summary).toMatch(/blocks Tincan/);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.command).toMatch(/\\System32\\WindowsPowerShell\\v1\.0\\powershell\.exe$/);
    expect(calls[0]?.args).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', WINDOWS_CHECK_SCRIPT]);
    expect(calls[0]?.env).toEqual({ [PROGRAM_VARIABLE]: PROGRAM });
    expect(WINDOWS_CHECK_SCRIPT).not.toContain(PROGRAM);
  });

  it('a PowerShell that never answers is killed at the bound: the first-launch hint or nothing, as before', async () => {
    await standIn('exec sleep 60');
    const started = performance.now();
    expect(await check(viaStandIn(300), true)).toEqual(windowsFirstLaunchAdvice());
    expect(await check(viaStandIn(300), false)).toBeNull();
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('a flood of output, a failure, garbage or no PowerShell at all count as "cannot tell"', async () => {
    // Valid-looking, but more than the output bound: the run is cut off and nothing of it is read.
    await standIn(`cat '${path.join(dir, 'answer')}'; head -c 200000 /dev/zero | tr '\\0' 'x'`);
    expect(await check(viaStandIn())).toBeNull();
    await standIn(`cat '${path.join(dir, 'answer')}'; exit 1`);
    expect(await check(viaStandIn())).toBeNull();
    await standIn(`head -c 30000 /dev/urandom`);
    expect(await check(viaStandIn(), true)).toEqual(windowsFirstLaunchAdvice());
    const missing: CommandRunner = (_command, args, env) => runBounded()(path.join(dir, 'missing', 'powershell'), args, env);
    expect(await check(missing, true)).toEqual(windowsFirstLaunchAdvice());
  });
  it('hosting never waits for the check: people chat while PowerShell is still busy, and the hint arrives after', async () => {
    await writeFile(path.join(dir, 'public'), recorded(['Wi-Fi\tPublic'], ALLOWED_PRIVATE));
    await writeFile(path.join(dir, 'go'), '');
    // Answers only once the test lets it (the file 'go' gone), like a slow PowerShell.
    await standIn(`while [ -e '${path.join(dir, 'go')}' ]; do sleep 0.05; done; cat '${path.join(dir, 'public')}'`);
    const session = new ChatSession({
      defaultRoomName: 'lab',
      networkInterfaces: () => ({}),
      firewallCheck: (port, firstTime) => firewallAdvice({ port, platform: 'win32', firstLaunch: firstTime, run: viaStandIn(10_000), sharedInterfaces: ['Wi-Fi'], program: PROGRAM }),
    });
    defer(() => session.close());
    const events = new EventRecorder(session);
    const port = await freePort();
    expect((await session.host({ port, scope: 'lan' })).ok).toBe(true);
    const guest = await RawClient.connect(port);
    defer(() => guest.destroy());
    await guest.write('hello while Windows thinks\n');
    await guest.waitForText('hello while Windows thinks');
    await rm(path.join(dir, 'go'));
    await events.waitFor(
      () => events.lastStatus?.mode === 'hosting' && events.lastStatus.host.advice.some((advice) => /“Wi-Fi” as Public/.test(advice.summary)),
      'the Public-network hint on the host panel',
      15_000,
    );
  });
});

/**
 * The firewall hint: parsing ufw's and firewalld's answers, and running them for real —
 * stand-in `ufw` and `firewall-cmd` scripts in a temporary directory, one of which never
 * answers, to show the check is bounded in time and never throws.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firewallAdvice, parseUfwConf, parseUfwStatus, runBounded, type CommandRunner } from '../../../main/app/discovery/firewall';

const UFW_ACTIVE = `Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW IN    Anywhere
8000:8100/tcp              ALLOW IN    Anywhere
5353/udp                   ALLOW IN    Anywhere
22/tcp (v6)                ALLOW IN    Anywhere (v6)
`;

describe('parsing firewall status', () => {
  it('reads ufw: active, default policy, and whether a rule allows the TCP port', () => {
    expect(parseUfwStatus(UFW_ACTIVE, 60003)).toEqual({ active: true, defaultAllowsIncoming: false, allowsPort: false });
    expect(parseUfwStatus(UFW_ACTIVE, 8050).allowsPort).toBe(true);
    expect(parseUfwStatus(UFW_ACTIVE, 5353).allowsPort).toBe(false); // that rule is UDP only
    expect(parseUfwStatus(`${UFW_ACTIVE}60003                      ALLOW IN    Anywhere\n`, 60003).allowsPort).toBe(true);
    expect(parseUfwStatus(`${UFW_ACTIVE}60003/tcp on eth0          ALLOW IN    Anywhere\n`, 60003).allowsPort).toBe(true);
    expect(parseUfwStatus(`${UFW_ACTIVE}60003/tcp                  DENY IN     Anywhere\n`, 60003).allowsPort).toBe(false);
    expect(parseUfwStatus('Status: inactive\n', 60003).active).toBe(false);
    expect(parseUfwStatus(UFW_ACTIVE.replace('deny (incoming)', 'allow (incoming)'), 60003).defaultAllowsIncoming).toBe(true);
  });

  it('reads ufw.conf', () => {
    expect(parseUfwConf('# comment\nENABLED=yes\nLOGLEVEL=low\n')).toBe(true);
    expect(parseUfwConf('ENABLED=no\n')).toBe(false);
    expect(parseUfwConf('')).toBe(false);
  });
});

describe('firewallAdvice', () => {
  let dir: string;
  const tool = (name: string, script: string) => writeFile(path.join(dir, name), `#!/bin/sh\n${script}\n`).then(() => chmod(path.join(dir, name), 0o755));
  /** Runs the stand-ins from `dir` as real processes, with a short bound. */
  const inDir = (timeoutMs = 2000): CommandRunner => (command, args) => runBounded(timeoutMs)(path.join(dir, command), args);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tincan-firewall-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ufw active without the port: says so and gives the commands', async () => {
    await tool('ufw', `cat <<'EOF'\n${UFW_ACTIVE}EOF`);
    await tool('firewall-cmd', 'exit 127');
    const advice = await firewallAdvice({ port: 60003, platform: 'linux', run: inDir() });
    expect(advice).toEqual({
      summary: 'The firewall (ufw) is on and does not allow TCP port 60003, so others may not be able to join.',
      suggestion: "Allow the room's port (and 60003/udp and 5353/udp, so the room shows up in others' lists):",
      command: 'sudo ufw allow 60003/tcp && sudo ufw allow 60003/udp && sudo ufw allow 5353/udp',
    });
    expect(await firewallAdvice({ port: 8042, platform: 'linux', run: inDir() })).toBeNull();
  });

  it('ufw that needs root: falls back to ufw.conf and says "unless it allows"', async () => {
    await tool('ufw', 'echo "ERROR: You need to be root to run this script" >&2; exit 1');
    const readText = async () => 'ENABLED=yes\n';
    expect((await firewallAdvice({ port: 60003, platform: 'linux', run: inDir(), readText }))?.summary).toBe(
      'The firewall (ufw) is on; unless it allows TCP port 60003, others cannot join.',
    );
    expect(await firewallAdvice({ port: 60003, platform: 'linux', run: inDir(), readText: async () => 'ENABLED=no\n' })).toBeNull();
  });

  it('firewalld running without the port', async () => {
    await tool('ufw', 'exit 127');
    await tool('firewall-cmd', 'case "$1" in --state) echo running;; --query-port=60003/tcp) echo no; exit 1;; *) echo yes;; esac');
    const readText = async () => '';
    expect(await firewallAdvice({ port: 60003, platform: 'linux', run: inDir(), readText })).toMatchObject({
      command: 'sudo firewall-cmd --add-port=60003/tcp --add-port=60003/udp --add-service=mdns',
    });
    expect(await firewallAdvice({ port: 4000, platform: 'linux', run: inDir(), readText })).toBeNull();
  });

  it('a tool that never answers is killed at the bound and counts as "cannot tell"', async () => {
    await tool('ufw', 'exec sleep 60');
    await tool('firewall-cmd', 'exec sleep 60');
    const started = performance.now();
    expect(await firewallAdvice({ port: 60003, platform: 'linux', run: inDir(300), readText: async () => 'ENABLED=yes\n' })).toBeNull();
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('a tool that is not installed counts as "no firewall we know"', async () => {
    const missing: CommandRunner = (command, args) => runBounded()(path.join(dir, 'missing', command), args);
    expect(await firewallAdvice({ port: 60003, platform: 'linux', run: missing, readText: async () => 'ENABLED=yes\n' })).toBeNull();
  });

  it('Windows and macOS: the first-launch hint as text, once', async () => {
    expect((await firewallAdvice({ port: 60003, platform: 'win32', firstLaunch: true }))?.summary).toMatch(/Windows may ask.*Allow/);
    expect(await firewallAdvice({ port: 60003, platform: 'win32', firstLaunch: false })).toBeNull();
    expect((await firewallAdvice({ port: 60003, platform: 'darwin', firstLaunch: true }))?.summary).toMatch(/macOS may ask/);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import type { Configuration } from 'app-builder-lib';
import { ROOM_SERVICE_TYPE } from '../../main/common/rooms';
import { APP_ID } from '../../main/electron/app';
import packageJson from '../../package.json';

const projectDirectory = path.resolve(__dirname, '..', '..');

async function resolvedConfig(): Promise<Configuration> {
  return getConfig(projectDirectory, path.join(projectDirectory, 'electron-builder.yml'), null);
}

/** The keys of a plist <dict> whose value is <true/>. */
function trueKeys(plist: string): string[] {
  return [...plist.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<key>([^<]+)<\/key>\s*<true\/>/g)].map((match) => match[1]!);
}

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own schema validation and sets the hardening fuses', async () => {
    const config = await resolvedConfig();
    await expect(validateConfiguration(config, { isEnabled: false, add: () => undefined } as never)).resolves.toBeUndefined();
    expect(config).toMatchObject({
      appId: 'org.tincan.app',
      productName: 'Tincan',
      files: [{ filter: ['dist/**/*', 'package.json'] }],
      // Not 'dist': that is vite's output, packaged as the app.
      directories: { output: 'release', buildResources: 'build' },
      linux: { category: 'Network;Chat' },
      mac: { target: ['dmg'], category: 'public.app-category.social-networking' },
      electronFuses: {
        runAsNode: false,
        enableCookieEncryption: true,
        enableNodeOptionsEnvironmentVariable: false,
        enableNodeCliInspectArguments: false,
        enableEmbeddedAsarIntegrityValidation: true,
        onlyLoadAppFromAsar: true,
        // The page comes from app://: file:// keeps no extra privileges.
        grantFileProtocolExtraPrivileges: false,
        // Without a Developer ID the flipped fuses would leave a broken signature, which Apple Silicon will not start.
        resetAdHocDarwinSignature: true,
      },
    });
  });

  it('every file it names exists', async () => {
    const config = await resolvedConfig();
    const named = [config.icon, config.linux?.icon, config.win?.icon, config.mac?.icon, config.mac?.entitlements, config.mac?.entitlementsInherit, config.nsis?.include];
    expect(named.every((file) => typeof file === 'string')).toBe(true);
    for (const file of named as string[]) expect(existsSync(path.join(projectDirectory, file)), file).toBe(true);
  });

  it('macOS: asks for the local network (macOS 15 denies it silently otherwise), names the Bonjour service, and may listen and connect', async () => {
    const mac = (await resolvedConfig()).mac!;
    expect(mac.hardenedRuntime).toBe(true);
    expect(mac.extendInfo).toMatchObject({ NSBonjourServices: [ROOM_SERVICE_TYPE] });
    const usage = (mac.extendInfo as Record<string, unknown>).NSLocalNetworkUsageDescription;
    expect(typeof usage).toBe('string');
    expect(usage).toMatch(/host.*join/);
    for (const file of [mac.entitlements!, mac.entitlementsInherit!]) {
      const plist = readFileSync(path.join(projectDirectory, file), 'utf8');
      expect(plist).toMatch(/^<\?xml[^>]*\?>\s*<!DOCTYPE plist/);
      expect(trueKeys(plist).sort()).toEqual([
        'com.apple.security.cs.allow-jit',
        'com.apple.security.cs.allow-unsigned-executable-memory',
        'com.apple.security.network.client',
        'com.apple.security.network.server',
      ]);
    }
  });

  it('Windows: an installer that can add the firewall rule (everyone-install, elevated) and a portable build', async () => {
    const config = await resolvedConfig();
    expect(config.win?.target).toEqual(['nsis', 'portable']);
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: false, allowElevation: true, selectPerMachineByDefault: true, include: 'build/installer.nsh' });
    expect(config.portable).toMatchObject({ requestExecutionLevel: 'user' });
    // The installer's Start-menu shortcut carries appId as its AppUserModelID; the app must set the same, or Windows shows no toasts.
    expect(config.appId).toBe(APP_ID);
    const script = readFileSync(path.join(projectDirectory, config.nsis!.include!), 'utf8');
    const macro = (name: string): string => new RegExp(`!macro ${name}\\n([\\s\\S]*?)!macroend`).exec(script)?.[1] ?? '';
    const install = macro('customInstall');
    const uninstall = macro('customUnInstall');
    // Only an elevated (everyone) install may add a rule; it is inbound, allows, and leaves Public networks closed.
    expect(install).toMatch(/\$\{if\} \$installMode == "all"/);
    expect(install).toMatch(/advfirewall firewall add rule name="\$\{TINCAN_FIREWALL_RULE\}" dir=in action=allow enable=yes profile=private,domain program="\$INSTDIR\\\$\{APP_EXECUTABLE_FILENAME\}"/);
    expect(install).not.toMatch(/public/i);
    expect(uninstall).toMatch(/\$\{if\} \$installMode == "all"\s*!insertmacro tincanRemoveFirewallRule/);
    expect(macro('tincanRemoveFirewallRule')).toMatch(/advfirewall firewall delete rule name="\$\{TINCAN_FIREWALL_RULE\}" dir=in program="\$INSTDIR\\\$\{APP_EXECUTABLE_FILENAME\}"/);
    expect(script).toMatch(/!define TINCAN_FIREWALL_RULE "Tincan"/);
  });

  it('Linux: the deb only (an AppImage aborts on Ubuntu 24.04), and a desktop entry named as package.json’s desktopName', async () => {
    const linux = (await resolvedConfig()).linux!;
    expect(linux.target).toEqual(['deb']);
    expect(linux).toMatchObject({ executableName: 'tincan', syncDesktopName: true });
    // Electron tells the launcher the app's name from desktopName: the unread badge needs it to match the installed file.
    expect(packageJson.desktopName).toBe(`${linux.executableName}.desktop`);
  });

  it('has a 512×512 PNG icon', async () => {
    const png = await readFile(path.join(projectDirectory, 'build', 'icon.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
  });
});

describe('npm start on Ubuntu 23.10+ (build/linux-sandbox.mjs)', () => {
  const script = path.join(projectDirectory, 'build', 'linux-sandbox.mjs');
  const sandbox = (command: string, env: Record<string, string>) =>
    spawnSync(process.execPath, [script, command], { cwd: projectDirectory, encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } });

  function withFolder(body: (folder: string) => void): void {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'tincan-sandbox-'));
    try {
      body(folder);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  it('npm start runs the check before Electron, and setup:ubuntu installs the profile', () => {
    expect(packageJson.scripts.start).toMatch(/node build\/linux-sandbox\.mjs check && electron \./);
    expect(packageJson.scripts['setup:ubuntu']).toBe('node build/linux-sandbox.mjs install');
  });

  it('the profile is electron-builder’s own deb profile, for this checkout’s binary only', () => {
    const binary = '/home/ana/src/tincan/node_modules/electron/dist/electron';
    const printed = sandbox('profile', { TINCAN_ELECTRON_BINARY: binary });
    expect(printed.status).toBe(0);
    const rules = (text: string) => text.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
    const template = readFileSync(path.join(projectDirectory, 'node_modules/app-builder-lib/templates/linux/apparmor-profile.tpl'), 'utf8')
      .replaceAll('${executable}', 'tincan-dev-electron')
      .replace('"/opt/${sanitizedProductName}/tincan-dev-electron"', `"${binary}"`);
    expect(rules(printed.stdout)).toEqual(rules(template).map((line) => line.replace(/^profile "tincan-dev-electron"/, 'profile tincan-dev-electron')));
    // A path AppArmor would read as a pattern or cut short is refused, not written.
    for (const unsafe of ['/home/a*/electron', '/home/a"b/electron', '/x/{a,b}/electron', 'relative/electron', '/x/a\nb/electron']) {
      expect(sandbox('profile', { TINCAN_ELECTRON_BINARY: unsafe }).status, unsafe).toBe(1);
    }
  });

  it('check: says what to run when user namespaces are restricted and there is no profile; silent otherwise', () => {
    withFolder((folder) => {
      const binary = path.join(folder, 'electron', 'dist', 'electron');
      const sysctl = path.join(folder, 'restrict');
      const env = { TINCAN_ELECTRON_BINARY: binary, TINCAN_USERNS_SYSCTL: sysctl, TINCAN_APPARMOR_DIR: folder };

      writeFileSync(sysctl, '0\n');
      expect(sandbox('check', env)).toMatchObject({ status: 0, stderr: '' });

      writeFileSync(sysctl, '1\n');
      const blocked = sandbox('check', env);
      expect(blocked.status).toBe(1);
      expect(blocked.stderr).toContain('npm run setup:ubuntu');
      expect(blocked.stderr).toContain(binary);

      // A profile for another checkout does not count; one for this binary does.
      writeFileSync(path.join(folder, 'tincan-dev-electron'), 'profile tincan-dev-electron "/elsewhere/electron" flags=(unconfined) {\n  userns,\n}\n');
      expect(sandbox('check', env).status).toBe(1);
      writeFileSync(path.join(folder, 'tincan-dev-electron'), sandbox('profile', env).stdout);
      expect(sandbox('check', env)).toMatchObject({ status: 0, stderr: '' });
    });
  });
});

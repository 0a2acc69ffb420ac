// `npm start` on Ubuntu 23.10 and later (24.04 included).
//
// Ubuntu's AppArmor lets only programs with a profile create unprivileged user namespaces,
// which Chromium's sandbox needs. Without them Electron falls back to the SUID helper
// node_modules/electron/dist/chrome-sandbox, which npm cannot make root-owned with mode 4755,
// so Electron aborts: "The SUID sandbox helper binary was found, but is not configured
// correctly". The installed .deb is fine (electron-builder installs an AppArmor profile for it).
//
// For a checkout, `npm run setup:ubuntu` installs the same kind of profile, for this
// checkout's Electron binary only (it asks for sudo once). The sandbox stays on, and nothing
// is loosened for any other program. `npm start` runs `check` first and says what to do
// instead of letting Electron abort.
//
//   node build/linux-sandbox.mjs check       exit 1 with advice when `npm start` would abort
//   node build/linux-sandbox.mjs install     install the profile (sudo)
//   node build/linux-sandbox.mjs uninstall   remove it (sudo)
//   node build/linux-sandbox.mjs profile     print the profile
//
// Paths can be set for tests: TINCAN_ELECTRON_BINARY, TINCAN_USERNS_SYSCTL, TINCAN_APPARMOR_DIR.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const PROFILE_NAME = 'tincan-dev-electron';

/** The checkout's Electron binary (it need not be downloaded yet). */
function electronBinary() {
  if (process.env.TINCAN_ELECTRON_BINARY) return process.env.TINCAN_ELECTRON_BINARY;
  const electronDirectory = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = path.join(electronDirectory, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  const binary = path.join(electronDirectory, 'dist', relative);
  // AppArmor attaches a profile to the path the kernel executes, after symbolic links.
  return existsSync(binary) ? realpathSync(binary) : binary;
}

/** Characters an AppArmor path cannot hold literally (quotes, escapes, globbing, controls). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach the profile
const UNSAFE_PATH = /["\\*?[\]{}^\u0000-\u001f\u007f]/;

/** The profile text for `binary`, or null when the path cannot be written safely in one. */
function apparmorProfile(binary) {
  if (!path.isAbsolute(binary) || UNSAFE_PATH.test(binary)) return null;
  return [
    '# Lets the Electron binary of one Tincan checkout use unprivileged user namespaces, so',
    "# Chromium's sandbox works on Ubuntu 23.10+ (written by `npm run setup:ubuntu`; remove",
    '# with `node build/linux-sandbox.mjs uninstall`). Same profile as the .deb installs.',
    'abi <abi/4.0>,',
    'include <tunables/global>',
    '',
    `profile ${PROFILE_NAME} "${binary}" flags=(unconfined) {`,
    '  userns,',
    '',
    `  include if exists <local/${PROFILE_NAME}>`,
    '}',
    '',
  ].join('\n');
}

function readOrEmpty(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const sysctlFile = () => process.env.TINCAN_USERNS_SYSCTL ?? '/proc/sys/kernel/apparmor_restrict_unprivileged_userns';
const profileFile = () => path.join(process.env.TINCAN_APPARMOR_DIR ?? '/etc/apparmor.d', PROFILE_NAME);

/** True when chrome-sandbox next to `binary` is root's, setuid, and runnable: the fallback works. */
function suidSandboxReady(binary) {
  try {
    const stat = statSync(path.join(path.dirname(binary), 'chrome-sandbox'));
    return stat.uid === 0 && (stat.mode & 0o4755) === 0o4755;
  } catch {
    return false;
  }
}

/** Why `npm start` would abort here, or null when it will not. */
function sandboxProblem(binary = electronBinary()) {
  if (process.platform !== 'linux') return null;
  if (readOrEmpty(sysctlFile()).trim() !== '1') return null;
  if (readOrEmpty(profileFile()).includes(`"${binary}"`)) return null;
  if (suidSandboxReady(binary)) return null;
  return [
    'This system (Ubuntu 23.10 or later) lets only programs with an AppArmor profile use the',
    "user namespaces Chromium's sandbox needs, so Electron would stop with \"The SUID sandbox",
    'helper binary was found, but is not configured correctly".',
    '',
    'Once per checkout, run:  npm run setup:ubuntu',
    '',
    `It installs an AppArmor profile for ${binary} only (sudo asks for your password).`,
    'The sandbox stays on; nothing changes for any other program.',
  ].join('\n');
}

function run(command, args) {
  const root = process.getuid?.() === 0;
  const result = spawnSync(root ? command : 'sudo', root ? args : [command, ...args], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
}

function install() {
  const binary = electronBinary();
  const profile = apparmorProfile(binary);
  if (profile === null) {
    throw new Error(`The checkout's path cannot be written in an AppArmor profile (quotes, backslashes or wildcards): ${binary}. Move the checkout.`);
  }
  if (readOrEmpty(sysctlFile()).trim() !== '1') {
    console.log('This system does not restrict user namespaces: `npm start` needs no setup.');
    return;
  }
  const staging = mkdtempSync(path.join(os.tmpdir(), 'tincan-apparmor-'));
  try {
    const staged = path.join(staging, PROFILE_NAME);
    writeFileSync(staged, profile);
    // Like the .deb's installer: a dry run first, since AppArmor before 4.0 knows no `userns`.
    const dryRun = spawnSync('apparmor_parser', ['--skip-kernel-load', '--debug', staged], { stdio: 'ignore' });
    if (dryRun.status !== 0) throw new Error('This AppArmor does not accept the profile (it needs AppArmor 4, as in Ubuntu 24.04).');
    run('install', ['-m', '0644', '-o', 'root', '-g', 'root', staged, profileFile()]);
    run('apparmor_parser', ['--replace', '--write-cache', profileFile()]);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  console.log(`Installed ${profileFile()} for ${binary}. \`npm start\` works now.`);
}

function uninstall() {
  if (!existsSync(profileFile())) return;
  run('apparmor_parser', ['--remove', profileFile()]);
  run('rm', ['-f', profileFile()]);
}

function main(command) {
  switch (command) {
    case 'check': {
      const problem = sandboxProblem();
      if (problem === null) return 0;
      console.error(problem);
      return 1;
    }
    case 'profile': {
      const profile = apparmorProfile(electronBinary());
      if (profile === null) return 1;
      process.stdout.write(profile);
      return 0;
    }
    case 'install':
      install();
      return 0;
    case 'uninstall':
      uninstall();
      return 0;
    default:
      console.error('usage: node build/linux-sandbox.mjs check|install|uninstall|profile');
      return 2;
  }
}

try {
  process.exitCode = main(process.argv[2]);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}

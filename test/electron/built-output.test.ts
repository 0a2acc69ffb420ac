/**
 * Checks the build output Electron actually loads (`npm test` builds first; run
 * `npx vite build` before running this file alone).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { BRIDGE_GLOBAL, CHANNELS, EVENTS_ACK_CHANNEL } from '../../main/common/ipc-contract';

vi.mock('electron', async () => (await import('./fake-electron')).createFakeElectron());

const root = path.resolve(__dirname, '..', '..');
const builtMain = path.join(root, 'dist', 'main', 'index.js');
const builtPreload = path.join(root, 'dist', 'preload', 'index.js');

function requireBuilt(file: string): string {
  if (!existsSync(file)) throw new Error(`${path.relative(root, file)} is missing: run \`npx vite build\` first.`);
  return readFileSync(file, 'utf8');
}

describe('dist/preload/index.js', () => {
  it('is one CommonJS file that requires nothing but electron', () => {
    const source = requireBuilt(builtPreload);
    const required = [...source.matchAll(/\brequire\(\s*(["'`])([^"'`]+)\1\s*\)/g)].map((match) => match[2]);
    expect(required).toEqual(['electron']);
    expect(source).not.toMatch(/^\s*import\s|\bimport\(|export\s+(default|const|function|\{)/m);
  });

  it('runs in a bare sandbox-like context and exposes the bridge', () => {
    const source = requireBuilt(builtPreload);
    const exposed: [string, Record<string, unknown>][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.push([key, api]) },
      ipcRenderer: { invoke: async () => null, on: () => undefined, removeListener: () => undefined },
    };
    const fakeRequire = (name: string): unknown => {
      if (name === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${name}`);
    };
    const module = { exports: {} };
    type CommonJsWrapper = (require: (name: string) => unknown, module: { exports: unknown }, exports: unknown) => void;
    (vm.runInNewContext(`(function (require, module, exports) {\n${source}\n})`, {}, { filename: builtPreload }) as CommonJsWrapper)(
      fakeRequire,
      module,
      module.exports,
    );
    expect(exposed).toHaveLength(1);
    const [key, api] = exposed[0] ?? ['', {}];
    expect(key).toBe(BRIDGE_GLOBAL);
    expect(Object.keys(api).sort()).toEqual([...Object.keys(CHANNELS), 'onEvents'].sort());
  });
});

describe('dist/main/index.js', () => {
  it('loads as CommonJS and wires the hardened window to the built preload and page', async () => {
    requireBuilt(builtMain);
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, 'fixtures', 'run-built-main.cjs'), builtMain], {
      timeout: 20_000,
    });
    const calls = JSON.parse(stdout.trim()) as [string, ...unknown[]][];
    const names = calls.map((call) => call[0]);
    expect(names.slice(0, 5)).toEqual(['setName', 'setPath', 'lock', 'registerSchemesAsPrivileged', 'enableSandbox']);
    expect(calls.find((call) => call[0] === 'registerSchemesAsPrivileged')?.[1]).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
    ]);
    expect(calls.filter((call) => call[0] === 'handle').map((call) => call[1])).toEqual(Object.values(CHANNELS));
    expect(calls.filter((call) => call[0] === 'on').map((call) => call[1])).toEqual([EVENTS_ACK_CHANNEL]);
    expect(names).toContain('permissionRequestHandler');
    expect(names).toContain('permissionCheckHandler');
    expect(names).toContain('devicePermissionHandler');
    expect(calls.find((call) => call[0] === 'protocolHandle')?.[1]).toBe('app');
    // Packaged (as the fixture says): no devtools, and a menu without them.
    expect(calls.find((call) => call[0] === 'devTools')?.[1]).toBe(false);
    const menu = String(calls.find((call) => call[0] === 'applicationMenu')?.[1]);
    expect(menu).toContain('Open Log Folder');
    expect(menu).not.toMatch(/toggleDevTools|reload/i);
    const window = calls.find((call) => call[0] === 'BrowserWindow');
    expect(window?.[1]).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: path.join(root, 'dist', 'preload', 'index.js'),
    });
    expect(calls.find((call) => call[0] === 'loadURL')?.[1]).toBe('app://tincan/index.html');
  });
});

// Electron's security checklist, checked by a tool: electronegativity over the sources and
// the build (npm test builds first) must report nothing at MEDIUM or above that a person has
// not reviewed (build/audit-electron.mjs lists the reviewed findings and why).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function audit(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [path.join(root, 'build/audit-electron.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('electronegativity audit', () => {
  it('finds nothing at MEDIUM or above that is not reviewed', () => {
    expect(existsSync(path.join(root, 'dist/main/index.js')), 'run `npx vite build` first (npm test does)').toBe(true);
    const { status, output } = audit();
    expect(output).toMatch(/\d+ finding\(s\), \d+ at MEDIUM or above, 0 of those not reviewed/);
    expect(status, output).toBe(0);
  }, 150_000);

  it('really scans: a window with Node integration and no isolation fails the audit', () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'tincan-audit-'));
    try {
      writeFileSync(path.join(directory, 'package.json'), JSON.stringify({ name: 'insecure', main: 'main.js', devDependencies: { electron: '^45.0.0' } }));
      writeFileSync(
        path.join(directory, 'main.js'),
        "const { BrowserWindow } = require('electron');\n" +
          "new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n",
      );
      const { status, output } = audit(directory);
      expect(output).toMatch(/FINDING\s+\w+\s+SANDBOX_JS_CHECK/);
      expect(output).toMatch(/FINDING\s+\w+\s+CONTEXT_ISOLATION_JS_CHECK/);
      expect(status, output).toBe(1);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 150_000);
});

// Electron's security checklist, checked by a tool: electronegativity over the sources and
// the build (npm test builds first) must report nothing at MEDIUM or above that a person has
// not reviewed (build/audit-electron.mjs lists the reviewed findings and why).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

describe('electronegativity audit', () => {
  it('finds nothing at MEDIUM or above that is not reviewed', () => {
    expect(existsSync(path.join(root, 'dist/main/index.js')), 'run `npx vite build` first (npm test does)').toBe(true);
    const run = spawnSync(process.execPath, [path.join(root, 'build/audit-electron.mjs')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const output = `${run.stdout}${run.stderr}`;
    expect(output).toMatch(/\d+ finding\(s\), \d+ at MEDIUM or above, 0 of those not reviewed/);
    expect(run.status, output).toBe(0);
  }, 150_000);
});

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';

const projectDirectory = path.resolve(__dirname, '..', '..');

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own schema validation and sets the hardening fuses', async () => {
    const config = await getConfig(projectDirectory, path.join(projectDirectory, 'electron-builder.yml'), null);
    await expect(validateConfiguration(config, { isEnabled: false, add: () => undefined } as never)).resolves.toBeUndefined();
    expect(config).toMatchObject({
      appId: 'org.tincan.app',
      productName: 'Tincan',
      files: [{ filter: ['dist/**/*', 'package.json'] }],
      // Not 'dist': that is vite's output, packaged as the app.
      directories: { output: 'release', buildResources: 'build' },
      linux: { target: ['AppImage', 'deb'], category: 'Network;Chat' },
      win: { target: ['nsis'] },
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
      },
    });
  });

  it('has a 512×512 PNG icon', async () => {
    const png = await readFile(path.join(projectDirectory, 'build', 'icon.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
  });
});

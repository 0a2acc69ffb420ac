/** The app:// handler over a real folder: what it serves, with which type, and what it refuses. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_URL, createAppProtocolHandler, resolveAppPath, type ProtocolHandler } from '../../main/electron/app-protocol';

let base = '';
let root = '';
let handle: ProtocolHandler;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'tincan-app-protocol-'));
  root = path.join(base, 'renderer');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Tincan</title>');
  await writeFile(path.join(root, 'assets', 'index-abc.js'), 'export {};');
  await writeFile(path.join(root, 'assets', 'index-abc.css'), 'body{}');
  await writeFile(path.join(root, 'favicon.svg'), '<svg/>');
  await writeFile(path.join(root, 'notes.sh'), 'rm -rf /');
  await writeFile(path.join(base, 'secret.json'), '{"token":"not for the page"}');
  await symlink(path.join(base, 'secret.json'), path.join(root, 'assets', 'linked.json'));
  await mkdir(path.join(root, 'folder.js'));
  handle = createAppProtocolHandler(root);
  return () => rm(base, { recursive: true, force: true });
});

async function get(url: string, method = 'GET'): Promise<{ status: number; type: string | null; body: string }> {
  const response = await handle(new Request(url, { method }));
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('app:// handler', () => {
  it('serves the page and its assets with their MIME types', async () => {
    expect(RENDERER_URL).toBe('app://tincan/index.html');
    expect(await get('app://tincan/index.html')).toEqual({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html><title>Tincan</title>' });
    expect(await get('app://tincan/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(await get('app://tincan/assets/index-abc.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', body: 'export {};' });
    expect(await get('app://tincan/assets/index-abc.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
    expect(await get('app://tincan/favicon.svg')).toMatchObject({ status: 200, type: 'image/svg+xml' });
    // Query and fragment do not change the file.
    expect(await get('app://tincan/index.html?x=1#y')).toMatchObject({ status: 200 });
    const response = await handle(new Request('app://tincan/index.html'));
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await get('app://tincan/index.html', 'HEAD')).toMatchObject({ status: 200, body: '' });
  });

  it.each([
    ['app://tincan/../secret.json'],
    ['app://tincan/..%2fsecret.json'],
    ['app://tincan/%2e%2e/secret.json'],
    ['app://tincan/%2e%2e%2fsecret.json'],
    ['app://tincan/assets/..%2f..%2fsecret.json'],
    ['app://tincan/..%5csecret.json'],
    ['app://tincan/assets%5c..%5c..%5csecret.json'],
    ['app://tincan/index.html%00.js'],
    ['app://tincan/%E0%A4%A'],
    ['app://tincan/assets/linked.json'],
    ['app://tincan/notes.sh'],
    ['app://tincan/folder.js'],
    ['app://tincan/missing.js'],
    ['app://other/index.html'],
    ['app://tincan.evil/index.html'],
    ['file:///etc/passwd'],
    ['https://tincan/index.html'],
  ])('refuses %s', async (url) => {
    const { status, body } = await get(url);
    expect([400, 404]).toContain(status);
    expect(body).not.toContain('not for the page');
    expect(body).not.toContain('rm -rf');
  });

  it('answers only GET and HEAD', async () => {
    expect((await get('app://tincan/index.html', 'POST')).status).toBe(405);
    expect((await get('app://tincan/index.html', 'PUT')).status).toBe(405);
  });

  it('resolveAppPath stays inside the folder for any path', () => {
    for (const url of ['app://tincan/a/b/../../index.html', 'app://tincan/./index.html']) {
      expect(resolveAppPath(root, url)).toBe(path.join(root, 'index.html'));
    }
    const piece = fc.constantFrom('..', '%2e%2e', '%2E.', '.', 'a', '%2f', '%5c', '\\', '%00', '', 'assets');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (pieces) => {
        const resolved = resolveAppPath(root, `app://tincan/${pieces.join('/')}.js`);
        return typeof resolved === 'number' || resolved.startsWith(root + path.sep);
      }),
      { numRuns: 500 },
    );
  });
});



// The headless server's launcher carries its Node flags in the #! line; the npm script and
// the benchmark use SERVER_NODE_FLAGS. They must say the same thing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_NODE_FLAGS } from '../../main/headless/cli';

const root = path.resolve(__dirname, '../..');

describe('headless server launcher', () => {
  it('the #! line runs node with SERVER_NODE_FLAGS', () => {
    const firstLine = readFileSync(path.join(root, 'main/headless/serve.ts'), 'utf8').split('\n')[0];
    expect(firstLine).toBe(`#!/usr/bin/env -S node ${SERVER_NODE_FLAGS.join(' ')}`);
  });

  it('npm run serve passes the same flags', () => {
    const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.serve).toBe(`node ${SERVER_NODE_FLAGS.join(' ')} --import tsx main/headless/serve.ts`);
  });

  it('the built launcher keeps its #! line', () => {
    const built = path.join(root, 'dist/main/serve.js');
    expect(readFileSync(built, 'utf8').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${SERVER_NODE_FLAGS.join(' ')}`);
  });
});

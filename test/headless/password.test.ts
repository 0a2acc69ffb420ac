/**
 * The headless server's room password (`--password-file`) and the operator's `/kick` and
 * `/ban`, as real processes: the server, nc, and the server in a real terminal (`script`
 * gives it one) for the operator's commands.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PASSWORD_ACCEPTED_LINE, PASSWORD_PROMPT_LINE, PASSWORD_WRONG_LINE, removedLine, YOU_WERE_BANNED_LINE, BANNED_LINE } from '../../main/chat/server-lines';
import { UsageError, parseServerArgs, readPasswordFile } from '../../main/headless/cli';
import { useCleanup } from '../support/cleanup';
import { ROOT, SERVE, spawnServer } from '../support/headless-server';
import { RawClient } from '../support/raw-client';
import { useTempDirs } from '../support/temp-dir';
import { spawnTerminal } from '../support/terminal';

const tempDir = useTempDirs();
const defer = useCleanup();

async function passwordFile(content: string | Buffer): Promise<string> {
  const file = path.join(await tempDir('tincan-password-'), 'password');
  await writeFile(file, content);
  return file;
}

async function expectFileProblem(content: string, problem: RegExp): Promise<void> {
  const file = await passwordFile(content);
  expect(() => readPasswordFile(file)).toThrow(problem);
}

async function client(port: number, localAddress?: string): Promise<RawClient> {
  const c = await RawClient.connect(port, '127.0.0.1', localAddress === undefined ? {} : { localAddress });
  defer(() => c.destroy());
  return c;
}

describe('--password-file', () => {
  it('reads the password from the file\'s one line; never from the command line', async () => {
    expect(readPasswordFile(await passwordFile('open sesame\n'))).toBe('open sesame');
    expect(readPasswordFile(await passwordFile('open sesame\r\n'))).toBe('open sesame');
    expect(readPasswordFile(await passwordFile('  spaces kept '))).toBe('  spaces kept ');
    expect(parseServerArgs(['--password-file', 'pw.txt'])?.passwordFile).toBe(path.resolve('pw.txt'));
    expect(parseServerArgs([])?.passwordFile).toBeNull();
    expect(() => parseServerArgs(['--password', 'x'])).toThrow(UsageError);
    expect(() => parseServerArgs(['--password-file', 'pw', '--cluster', 'redis://127.0.0.1'])).toThrow(/not available with --cluster/);
  });

  it('says clearly what is wrong with a file that is missing, unreadable, empty, too large or not one line', async () => {
    const folder = await tempDir('tincan-password-');
    expect(() => readPasswordFile(path.join(folder, 'missing'))).toThrow(/does not exist/);
    expect(() => readPasswordFile(folder)).toThrow(/is not a file/);
    await expectFileProblem('\n', /is empty/);
    await expectFileProblem('', /is empty/);
    await expectFileProblem('x'.repeat(5000), /too large/);
    await expectFileProblem('x'.repeat(300), /longer than 256 bytes/);
    await expectFileProblem('one\ntwo\n', /more than one line/);
    await expectFileProblem('bell\x07', /control or invisible/);
  });

  it('a real server: a bad file stops it with a clear message (exit 2)', async () => {
    const server = spawnServer(['--port', '0', '--no-announce', '--no-tls', '--password-file', await passwordFile('')]);
    defer(() => server.kill());
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toMatch(/tincan-server: --password-file .* is empty/);
  });

  it('a real server asks nc users for the password, lets the right one in and closes a wrong one', async () => {
    const server = spawnServer(['--port', '0', '--host', '127.0.0.1', '--no-announce', '--no-tls',
      '--password-file', await passwordFile('open sesame\n')]);
    defer(() => server.kill());
    const { port } = await server.listening();
    const a = await client(port);
    await a.waitForLine(PASSWORD_PROMPT_LINE);
    await a.write('open sesame\n');
    await a.waitForLine(PASSWORD_ACCEPTED_LINE);
    const b = await client(port);
    await b.write('open says me\n');
    await b.waitForEnd();
    expect(b.text).toBe(`${PASSWORD_PROMPT_LINE}\n${PASSWORD_WRONG_LINE}\n`);
    await a.write('still alone\n');
    await a.waitForLine(`[${a.label}] still alone`);
    expect(a.lines()).toEqual([PASSWORD_PROMPT_LINE, PASSWORD_ACCEPTED_LINE, `[${a.label}] still alone`]);
  });
});

describe('the operator\'s /kick and /ban', () => {
  it('are read from the terminal the server runs in', async () => {
    const command = [process.execPath, '--import', 'tsx', SERVE, '--port', '0', '--host', '127.0.0.1', '--no-announce', '--no-tls']
      .map((part) => `'${part}'`).join(' ');
    const terminal = spawnTerminal('script', ['-qfec', `cd '${ROOT}' && NODE_OPTIONS= ${command}`, '/dev/null']);
    defer(() => terminal.kill());
    await terminal.waitFor('type /kick', 20_000);
    const port = Number(/Listening on \S+:(\d+)/.exec(terminal.output())![1]);
    const alice = await client(port, '127.0.0.7');
    const bob = await client(port, '127.0.0.2');
    await alice.write('/name alice\n');
    await bob.waitForLine(`Tincan: [${alice.label}] is now alice`);
    terminal.send('/ban alice\n');
    await alice.waitForEnd();
    expect(alice.lines().at(-1)).toBe(YOU_WERE_BANNED_LINE);
    await bob.waitForLine(`[${alice.label}] (disconnected)`);
    expect(bob.lines()).toContain(removedLine(alice.label, 'alice', true));
    await terminal.waitFor(`banned  ${alice.label} (alice)`);
    const again = await client(port, '127.0.0.7');
    await again.waitForEnd();
    expect(again.text).toBe(`${BANNED_LINE}\n`);
    terminal.send('/kick nobody\n');
    await terminal.waitFor('operator: no one here is called nobody.');
  });

  it('are not read from a stdin that is not a terminal (a pipe, a service)', async () => {
    const server = spawnServer(['--port', '0', '--host', '127.0.0.1', '--no-announce', '--no-tls']);
    defer(() => server.kill());
    const { port } = await server.listening();
    const alice = await client(port);
    server.child.stdin.write(`/kick ${alice.label}\n`);
    await alice.write('still here\n');
    await alice.waitForLine(`[${alice.label}] still here`);
    expect(server.stderr()).not.toContain('type /kick');
    expect(alice.ended).toBe(false);
  });
});

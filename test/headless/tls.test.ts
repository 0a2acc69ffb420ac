/**
 * TLS on the headless server's port, with real programs: nc and telnet next to
 * `openssl s_client` and `ncat --ssl` in one room, byte for byte; the certificate kept in
 * --state-dir across restarts (owner-only); --tls-cert/--tls-key; --no-tls; --require-tls.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tlsRequiredNotice } from '../../main/chat/tls-transport';
import { defaultStateDir, parseServerArgs } from '../../main/headless/cli';
import { spawnServer, type ServerProcess } from '../support/headless-server';
import { RawClient, frame } from '../support/raw-client';
import { spawnTerminal, type TerminalClient } from '../support/terminal';
import { useTempDirs } from '../support/temp-dir';
import { clientHello } from '../support/tls';

const tempDir = useTempDirs();
const processes: ServerProcess[] = [];
const terminals: TerminalClient[] = [];
const sockets: RawClient[] = [];
afterEach(() => {
  for (const terminal of terminals.splice(0)) terminal.kill();
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const p of processes.splice(0)) p.kill();
});

function start(args: string[]): ServerProcess {
  const p = spawnServer(['--port', '0', '--host', '127.0.0.1', ...args]);
  processes.push(p);
  return p;
}

function terminal(command: string, args: string[]): TerminalClient {
  const t = spawnTerminal(command, args);
  terminals.push(t);
  return t;
}

const FINGERPRINT = /certificate SHA-256 fingerprint ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})\n/;

async function fingerprintOf(server: ServerProcess): Promise<string> {
  await server.waitForStderr(FINGERPRINT);
  return FINGERPRINT.exec(server.stderr())![1]!;
}

/** The label of the `count`th client to join, from the server's log. */
async function joined(server: ServerProcess, count: number): Promise<string> {
  const pattern = new RegExp(`joined (\\S+) \\(${count} connected\\)`);
  await server.waitForStderr(pattern);
  return pattern.exec(server.stderr())![1]!;
}

/** What the README tells people to run to see a room's fingerprint. */
function opensslFingerprint(port: number): string {
  const out = execFileSync('sh', ['-c',
    `openssl s_client -connect 127.0.0.1:${port} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`],
  { encoding: 'utf8', timeout: 10_000 });
  return /Fingerprint=(\S+)/.exec(out)![1]!;
}

describe('tincan-server with TLS (the default)', () => {
  it('nc, telnet, openssl s_client and ncat --ssl share one room, byte for byte', async () => {
    const stateDir = await tempDir('tincan-tls-');
    const server = start(['--state-dir', stateDir, '--no-announce']);
    const { port } = await server.listening();
    await fingerprintOf(server);

    const nc = terminal('nc', ['127.0.0.1', String(port)]);
    const n = await joined(server, 1);
    const telnet = terminal('telnet', ['127.0.0.1', String(port)]);
    const t = await joined(server, 2);
    const openssl = terminal('openssl', ['s_client', '-quiet', '-connect', `127.0.0.1:${port}`]);
    const o = await joined(server, 3);
    const ncat = terminal('ncat', ['--ssl', '127.0.0.1', String(port)]);
    const c = await joined(server, 4);
    await nc.waitFor(frame(c, '(connected)'));

    const everyone = [nc, telnet, openssl, ncat];
    for (const [who, label, text] of [[nc, n, 'from nc'], [telnet, t, 'from telnet'], [openssl, o, 'from openssl 🔒'],
      [ncat, c, 'from ncat']] as const) {
      who.send(`${text}\n`);
      const line = frame(label, text).slice(0, -1);
      const latin1 = Buffer.from(line).toString('latin1');
      for (const each of everyone) await each.waitFor(latin1);
    }
    const said = frame(n, 'from nc') + frame(t, 'from telnet') + frame(o, 'from openssl 🔒') + frame(c, 'from ncat');
    const bytes = (text: string) => Buffer.from(text).toString('latin1');
    expect(nc.output()).toBe(bytes(frame(t, '(connected)') + frame(o, '(connected)') + frame(c, '(connected)') + said));
    expect(openssl.output()).toBe(bytes(frame(c, '(connected)') + said));
    expect(ncat.output()).toBe(bytes(said));
    // telnet, from a pipe, ends its lines in LF: it reads LF, after its own banner.
    expect(telnet.output()).toBe(bytes('Trying 127.0.0.1...\nConnected to 127.0.0.1.\nEscape character is \'^]\'.\n' +
      frame(o, '(connected)') + frame(c, '(connected)') + said));
  });

  it('keeps its certificate in --state-dir (key 0600): the same fingerprint after a restart, shown by openssl too', async () => {
    const stateDir = path.join(await tempDir('tincan-tls-'), 'state');
    const first = start(['--state-dir', stateDir, '--no-announce']);
    const { port } = await first.listening();
    const fingerprint = await fingerprintOf(first);
    expect(opensslFingerprint(port)).toBe(fingerprint);
    expect(fs.statSync(path.join(stateDir, 'tls-key.pem')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(await first.stop()).toBe(0);

    const second = start(['--state-dir', stateDir, '--no-announce']);
    const again = await second.listening();
    expect(await fingerprintOf(second)).toBe(fingerprint);
    expect(opensslFingerprint(again.port)).toBe(fingerprint);
  });

  it('--tls-cert and --tls-key use your own; a key that is not the certificate\'s is a clear error', async () => {
    const dir = await tempDir('tincan-tls-');
    const make = (name: string) => execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
      '-nodes', '-days', '2', '-subj', '/CN=lab', '-keyout', path.join(dir, `${name}.key`), '-out', path.join(dir, `${name}.crt`)],
    { stdio: 'ignore' });
    make('a');
    make('b');
    const expected = /Fingerprint=(\S+)/.exec(execFileSync('openssl',
      ['x509', '-in', path.join(dir, 'a.crt'), '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }))![1]!;
    const server = start(['--tls-cert', path.join(dir, 'a.crt'), '--tls-key', path.join(dir, 'a.key'), '--no-announce']);
    const { port } = await server.listening();
    expect(await fingerprintOf(server)).toBe(expected);
    expect(opensslFingerprint(port)).toBe(expected);

    const wrong = start(['--tls-cert', path.join(dir, 'a.crt'), '--tls-key', path.join(dir, 'b.key')]);
    expect(await wrong.exited).toBe(1);
    expect(wrong.stderr()).toContain('The TLS key does not belong to the TLS certificate.');
    const half = start(['--tls-cert', path.join(dir, 'a.crt')]);
    expect(await half.exited).toBe(2);
    expect(half.stderr()).toContain('--tls-cert and --tls-key go together');
  });

  it('--require-tls: nc is told how to connect with TLS and closed, never announced; ncat --ssl joins', async () => {
    const server = start(['--state-dir', await tempDir('tincan-tls-'), '--require-tls', '--no-announce']);
    const { port } = await server.listening();
    await server.waitForStderr('TLS on the same port (required)');
    const ncat = terminal('ncat', ['--ssl', '127.0.0.1', String(port)]);
    const c = await joined(server, 1);
    const nc = terminal('nc', ['127.0.0.1', String(port)]);
    nc.send('hello in clear\n');
    await nc.waitFor(tlsRequiredNotice().toString('latin1'));
    const quiet = await RawClient.connect(port);
    sockets.push(quiet);
    await quiet.waitForClose();
    ncat.send('only me\n');
    await ncat.waitFor(frame(c, 'only me'));
    expect(nc.output()).toBe(tlsRequiredNotice().toString('latin1'));
    expect(quiet.text).toBe(tlsRequiredNotice().toString());
    expect(ncat.output()).toBe(frame(c, 'only me'));
    expect(server.stderr()).not.toMatch(/joined \S+ \(2 connected\)/);
  });

  it('--no-tls: no certificate, and a TLS opening is closed as not a chat client', async () => {
    const stateDir = path.join(await tempDir('tincan-tls-'), 'unused');
    const server = start(['--no-tls', '--state-dir', stateDir, '--no-announce']);
    const { port } = await server.listening();
    const tlsClient = await RawClient.connect(port);
    sockets.push(tlsClient);
    await tlsClient.write(await clientHello());
    await tlsClient.waitForClose();
    expect(server.stderr()).not.toContain('fingerprint');
    expect(fs.existsSync(stateDir)).toBe(false);
  });
});

describe('tincan-server TLS options', () => {
  it('TLS is on by default, in the user\'s data folder; contradictions and half pairs are usage errors', () => {
    const env = { HOME: '/home/ada' };
    expect(parseServerArgs([], env)!.tls).toEqual({ stateDir: '/home/ada/.config/Tincan', files: null, require: false });
    expect(parseServerArgs(['--require-tls', '--state-dir', '/srv/tincan'], env)!.tls)
      .toEqual({ stateDir: '/srv/tincan', files: null, require: true });
    expect(parseServerArgs(['--tls-cert', '/c.pem', '--tls-key', '/k.pem'], env)!.tls!.files).toEqual({ cert: '/c.pem', key: '/k.pem' });
    expect(parseServerArgs(['--no-tls'], env)!.tls).toBeNull();
    expect(() => parseServerArgs(['--no-tls', '--require-tls'], env)).toThrow('--require-tls and --no-tls contradict each other.');
    expect(() => parseServerArgs(['--tls-key', '/k.pem'], env)).toThrow('--tls-cert and --tls-key go together');
    expect(() => parseServerArgs(['--state-dir', ' '], env)).toThrow('--state-dir must name a file or folder');
  });

  it('the default state folder is where the app keeps its data on each system', () => {
    expect(defaultStateDir({ HOME: '/home/ada', XDG_CONFIG_HOME: '/home/ada/.cfg' }, 'linux')).toBe('/home/ada/.cfg/Tincan');
    expect(defaultStateDir({ HOME: '/home/ada', XDG_CONFIG_HOME: 'relative' }, 'linux')).toBe('/home/ada/.config/Tincan');
    expect(defaultStateDir({ HOME: '/Users/ada' }, 'darwin')).toBe('/Users/ada/Library/Application Support/Tincan');
  });
});

/** The headless server (`main/headless/serve.ts`) as a real child process: options, logs, signals, exit codes. */
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ipv6OrClearError } from '../support/ipv6';
import { RawClient, frame } from '../support/raw-client';
import { spawnServer, type ServerProcess } from '../support/headless-server';
import { DEFAULT_HEADLESS_JOINS_PER_MINUTE, DEFAULT_HEADLESS_MAX_PER_ADDRESS } from '../../main/headless/cli';

const processes: ServerProcess[] = [];
const sockets: RawClient[] = [];
function start(args: string[]): ServerProcess {
  const p = spawnServer(args);
  processes.push(p);
  return p;
}
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const p of processes.splice(0)) p.kill();
});
async function client(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  sockets.push(c);
  return c;
}

describe('tincan-server (headless)', () => {
  it('prints "Listening on 127.0.0.1:PORT", relays chat byte for byte and logs joins and leaves (not what is said)', async () => {
    const server = start(['--port', '0', '--host', '127.0.0.1']);
    const { host, port } = await server.listening();
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    expect(server.stdout()).toBe(`Listening on 127.0.0.1:${port}\n`);

    const a = await client(port);
    // a ends its line in CR LF, as telnet does, so it reads CR LF from then on; b keeps LF
    await a.write('hello, world 🌍\r\n');
    const crlf = (text: string) => text.replaceAll('\n', '\r\n');
    await a.waitForText(crlf(frame(a, 'hello, world 🌍')));
    const b = await client(port);
    await a.waitForText(crlf(frame(b, '(connected)')));
    await b.writeBytewise('typed\x1b[2J slowly\r\n');
    await a.waitForText(crlf(frame(b, 'typed slowly')));
    await b.waitForText(`[${b.label}] typed slowly`);
    b.end();
    await a.waitForText(crlf(frame(b, '(disconnected)')));
    await b.waitForEnd();
    expect(a.text).toBe(crlf(frame(a, 'hello, world 🌍') + frame(b, '(connected)') + frame(b, 'typed slowly') + frame(b, '(disconnected)')));
    // b typed byte by byte ending in CR LF: which of its lines came before its LF showed it is timing
    expect(b.text.replaceAll('\r\n', '\n')).toBe(frame(b, 'typed slowly'));

    await server.waitForStderr(new RegExp(`left +${b.label.replace(/\./g, '\\.')}`));
    const log = server.stderr();
    expect(log).toMatch(new RegExp(`joined ${a.label.replace(/\./g, '\\.')}`));
    expect(log).toMatch(new RegExp(`joined ${b.label.replace(/\./g, '\\.')}`));
    expect(log).not.toContain('hello, world');
    expect(log).not.toContain('typed slowly');
  });

  it('announces a newcomer that says nothing, with nothing else happening in the room (as telnet users arrive)', async () => {
    for (const tls of [['--no-tls'], ['--state-dir', mkdtempSync(path.join(os.tmpdir(), 'tincan-silent-'))]]) {
      const server = start(['--port', '0', '--host', '127.0.0.1', '--no-announce', ...tls]);
      const { port } = await server.listening();
      const a = await client(port);
      const b = await client(port);
      // Neither writes a byte: only the server's own silence rule can announce b to a.
      await a.waitForText(frame(b, '(connected)'));
    }
  });

  it('--log-messages also logs what people say (cleaned)', async () => {
    const server = start(['--port', '0', '--host', '127.0.0.1', '--log-messages']);
    const { port } = await server.listening();
    const a = await client(port);
    await a.write('for \x1b]0;pwned\x07the record\n');
    await a.waitForText(frame(a, 'for the record'));
    await server.waitForStderr(`${a.label}: for the record`);
    expect(server.stderr()).not.toContain('pwned');
    expect(server.stderr()).not.toContain('\x1b');
  });

  it('--help exits 0 and lists the options', async () => {
    const server = start(['--help']);
    expect(await server.exited).toBe(0);
    for (const option of ['--port', '--host', '--max-line', '--max-output', '--max-clients', '--max-per-address', '--max-joins-per-minute', '--max-rate', '--allow-any-address', '--log-messages', '--help', '--cluster', '--room', '--cluster-backlog', '--cluster-lease', 'TINCAN_CLUSTER']) {
      expect(server.stdout()).toContain(option);
    }
    expect(server.stdout()).toMatch(/^Usage: tincan-server/);
    expect(server.stderr()).toBe('');
  });

  it.concurrent.each([
    [['--port', 'abc'], /--port must be a whole number \(got "abc"\)/],
    [['--port', '70000'], /--port must be from 0 to 65535 \(got 70000\)/],
    [['--port', '-1'], /--port/],
    [['--max-clients', '-1'], /--max-clients/],
    [['--max-clients=-1'], /--max-clients must be a whole number/],
    [['--max-line', '4'], /--max-line must be from 16/],
    [['--max-per-address', '-1'], /--max-per-address/],
    [['--max-joins-per-minute', 'lots'], /--max-joins-per-minute must be a whole number \(got "lots"\)/],
    [['--max-rate', '0'], /--max-rate must be from 1/],
    [['--allow-any-address=yes'], /allow-any-address/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port'], /--port/],
    [['stray'], /stray/],
    [['--host', ''], /--host must be an address/],
  ])('%j exits 2 with a clear message', async (args, message) => {
    // (not in `processes`: afterEach of a concurrent neighbour must not kill it)
    const server = spawnServer(args);
    try {
      expect(await server.exited).toBe(2);
      expect(server.stderr()).toMatch(message);
      expect(server.stderr()).toContain('--help');
      expect(server.stdout()).toBe('');
    } finally {
      server.kill();
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s: exits 0 promptly and every client sees the end of the stream', async (signal) => {
    const server = start(['--port', '0', '--host', '127.0.0.1']);
    const { port } = await server.listening();
    const a = await client(port);
    const b = await client(port);
    await a.write('before the end\n');
    await b.waitForText(frame(a, 'before the end'));
    const started = Date.now();
    server.child.kill(signal);
    expect(await server.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
    await a.waitForEnd();
    await b.waitForEnd();
    expect(a.ended && b.ended).toBe(true);
    expect(a.error).toBeNull();
    expect(server.stderr()).toContain(signal);
    // the port is free again
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => probe.close(resolve));
  });

  it('exits 0 on SIGTERM even with a client that never reads and a pending silent client', async () => {
    const server = start(['--port', '0', '--host', '127.0.0.1']);
    const { port } = await server.listening();
    const stuck = await client(port);
    stuck.socket.pause();
    const silent = await client(port);
    const talker = await client(port);
    await talker.write(`${'z'.repeat(8000)}\n`.repeat(200));
    await talker.waitForText(`${'z'.repeat(8000)}\n`);
    const started = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    await silent.waitForEnd();
  });

  it('a port in use: exits 1 naming the port', async () => {
    const first = start(['--port', '0', '--host', '127.0.0.1']);
    const { port } = await first.listening();
    const second = start(['--port', String(port), '--host', '127.0.0.1']);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(new RegExp(`Port ${port} is already in use`));
    expect(second.stdout()).toBe('');
    expect(first.exitCode()).toBeNull();
  });

  it('by default the limits per address leave loopback out: more joins and more open at once than either allows, all get in', async () => {
    const server = start(['--port', '0', '--host', '127.0.0.1']);
    const { port } = await server.listening();
    const held = DEFAULT_HEADLESS_MAX_PER_ADDRESS + 20;
    const passing = DEFAULT_HEADLESS_JOINS_PER_MINUTE - held + 20;
    // In waves, so the listen queue is not what is measured.
    for (let wave = 0; wave < passing; wave += 100) {
      const clients = await Promise.all(Array.from({ length: Math.min(100, passing - wave) }, () => client(port)));
      for (const c of clients) c.destroy();
    }
    const open: RawClient[] = [];
    for (let wave = 0; wave < held; wave += 100) {
      open.push(...(await Promise.all(Array.from({ length: Math.min(100, held - wave) }, () => client(port)))));
    }
    const last = open.at(-1)!;
    await last.write('all in\n');
    await open[0]!.waitForText(frame(last, 'all in'));
    expect(server.stderr()).not.toContain('refused');
  });

  it('--max-per-address N turns away the N+1th connection from one address, says why and logs it', async () => {
    const server = start(['--port', '0', '--host', '127.0.0.1', '--max-per-address', '2']);
    const { port } = await server.listening();
    const a = await client(port);
    await client(port);
    const third = await client(port);
    await third.waitForEnd();
    expect(third.text).toBe('Tincan: too many connections from your address; close one and try again.\n');
    await server.waitForStderr(`refused ${third.label} (too many connections from its address)`);
    await a.write('still fine\n');
    await a.waitForText(frame(a, 'still fine'));
  });

  it('--max-rate N paces a sender (bursts of 10 × N), loses nothing and logs the pause once', async () => {
    const server = start(['--port', '0', '--host', '127.0.0.1', '--max-rate', '20']);
    const { port } = await server.listening();
    const a = await client(port);
    await a.write(Array.from({ length: 230 }, (_, i) => `r${i}\n`).join(''));
    await a.waitForText(frame(a, 'r229'), 10_000);
    expect(a.lines().filter((line) => line.includes('] r'))).toEqual(Array.from({ length: 230 }, (_, i) => frame(a, `r${i}`).trimEnd()));
    await server.waitForStderr(`paused ${a.label} (over its line rate)`);
    expect(server.stderr()).not.toContain('resumed');
  });

  it('--max-clients N turns away the N+1th client with a notice', async () => {
    const server = start(['--port', '0', '--host', '127.0.0.1', '--max-clients', '1']);
    const { port } = await server.listening();
    const a = await client(port);
    await a.write('me\n');
    await a.waitForText(frame(a, 'me'));
    const b = await client(port);
    await b.waitForEnd();
    expect(b.text).toBe('Tincan: this room is full, try again later.\n');
    await a.write('marker\n');
    await a.waitForText(frame(a, 'marker'));
    expect(a.text).toBe(frame(a, 'me') + frame(a, 'marker'));
  });

  it('--host ::1 prints "Listening on [::1]:PORT" and labels clients [[::1]:PORT]', async () => {
    if (!(await ipv6OrClearError())) return; // no ::1 here: the server said so clearly
    const server = start(['--port', '0', '--host', '::1']);
    const { host, port } = await server.listening();
    expect(host).toBe('[::1]');
    const a = await RawClient.connect(port, '::1');
    sockets.push(a);
    await a.write('six\n');
    await a.waitForText(`[[::1]:${a.socket.localPort}] six\n`);
    expect(a.text).toBe(`[[::1]:${a.socket.localPort}] six\n`);
  });

  it('an address this machine does not have: exits 1 with a clear message', async () => {
    const server = start(['--port', '0', '--host', '192.0.2.1']);
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/192\.0\.2\.1/);
    expect(server.stdout()).toBe('');
  });

  it('--max-line is honoured', async () => {
    const server = start(['--port', '0', '--host', '127.0.0.1', '--max-line', '16']);
    const { port } = await server.listening();
    const a = await client(port);
    await a.write('0123456789abcdefXYZ\n');
    await a.waitForText(frame(a, 'XYZ'));
    expect(a.text).toBe(frame(a, '0123456789abcdef') + frame(a, 'XYZ'));
  });

  it('keeps serving when whoever reads its log goes away (EPIPE on stderr)', async () => {
    const server = start(['--port', '0', '--host', '127.0.0.1']);
    const { port } = await server.listening();
    server.child.stderr.destroy(); // e.g. `tincan-server 2>&1 | head`, or a dead log collector
    const a = await client(port);
    await a.write('first\n');
    await a.waitForText(frame(a, 'first'));
    for (let i = 0; i < 3; i++) {
      const b = await client(port);
      await b.write(`joiner ${i}\n`);
      await a.waitForText(frame(b, `joiner ${i}`));
      b.end();
      await a.waitForText(frame(b, '(disconnected)'));
    }
    expect(server.exitCode()).toBeNull();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});

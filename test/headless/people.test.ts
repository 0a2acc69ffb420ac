/**
 * The headless server's commands, topic and catch-up, as a real process: options, the
 * default (commands answered, nothing else new), `--no-commands`, and `/name` and `/who`
 * from a real `nc`.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError, parseServerArgs } from '../../main/headless/cli';
import { spawnServer, type ServerProcess } from '../support/headless-server';
import { RawClient, frame } from '../support/raw-client';
import { Signal } from '../support/wait';

const processes: ServerProcess[] = [];
const sockets: RawClient[] = [];
const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const p of processes.splice(0)) p.kill();
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

async function startServer(args: string[]): Promise<number> {
  const server = spawnServer(['--port', '0', '--host', '127.0.0.1', '--no-announce', ...args]);
  processes.push(server);
  return (await server.listening()).port;
}

async function client(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  sockets.push(c);
  return c;
}

describe('tincan-server options for people', () => {
  it('defaults: commands on, no topic, no replay', () => {
    expect(parseServerArgs([])).toMatchObject({ commands: true, topic: '', replayLines: 0 });
    expect(parseServerArgs(['--no-commands', '--topic', ' Lab\u200b 3 ', '--replay', '50', '--replay-bytes', '4096']))
      .toMatchObject({ commands: false, topic: 'Lab 3', replayLines: 50, replayMaxBytes: 4096 });
  });

  it.each([
    [['--replay', '1.5'], /--replay must be a whole number/],
    [['--replay', '1001'], /--replay must be from 0 to 1000/],
    [['--replay-bytes', '10'], /--replay-bytes must be from 1024/],
    [['--topic', 'x'.repeat(201)], /--topic: a topic has at most 200 characters/],
  ])('refuses %j', (args, message) => {
    expect(() => parseServerArgs(args)).toThrow(UsageError);
    expect(() => parseServerArgs(args)).toThrow(message);
  });
});

describe('tincan-server (headless) with people', () => {
  it('--topic and --replay: a newcomer gets the topic, then the last lines between a header and a footer', async () => {
    const port = await startServer(['--topic', 'Lab 3', '--replay', '2']);
    const a = await client(port);
    await a.waitForLine('Tincan: topic: Lab 3');
    await a.write('one\ntwo\nthree\n');
    await a.waitForLine(`[${a.label}] three`);
    const b = await client(port);
    await b.waitForLine('Tincan: end of the replay; live from here.');
    const lines = b.lines();
    expect(lines[0]).toBe('Tincan: topic: Lab 3');
    expect(lines[1]).toMatch(/^Tincan: the last 2 lines, \d\d:\d\d(–\d\d:\d\d)?:$/);
    expect(lines.slice(2)).toEqual([`[${a.label}] two`, `[${a.label}] three`, 'Tincan: end of the replay; live from here.']);
  });

  it('--no-commands relays /name, /who and /help byte for byte, like the seed\'s server', async () => {
    const port = await startServer(['--no-commands']);
    const a = await client(port);
    const b = await client(port);
    await b.write('/name alice\n/who\n/help\n');
    await a.waitForLine(`[${b.label}] /help`);
    expect(a.text).toBe(frame(b, '(connected)') + frame(b, '/name alice') + frame(b, '/who') + frame(b, '/help'));
  });

  it('a real nc takes a name with /name and lists the room with /who', async () => {
    const port = await startServer([]);
    const watcher = await client(port);
    const nc = spawn('nc', ['-N', '127.0.0.1', String(port)], { stdio: 'pipe' });
    children.push(nc);
    let out = '';
    const arrived = new Signal();
    nc.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      arrived.notify();
    });
    // nc's own address, from the line the watcher gets when it connects.
    await watcher.waitFor((c) => /\] \(connected\)\n/.test(c.text), 'nc to connect');
    const ncLabel = /^\[([^\]]+)\] \(connected\)$/m.exec(watcher.text)![1]!;
    nc.stdin.write('/name alice\n');
    await watcher.waitForLine(`Tincan: [${ncLabel}] is now alice`);
    await processes[0]!.waitForStderr(`named  ${ncLabel} alice`);
    nc.stdin.write('/who\n');
    await arrived.until(() => out.includes(' (you)\n'), () => `nc's /who answer; it has ${JSON.stringify(out)}`);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`Tincan: [${ncLabel}] is now alice`);
    expect(lines[1]).toBe('Tincan: 2 people here:');
    expect(lines[2]).toMatch(new RegExp(`^Tincan: \\[${watcher.label.replace(/[.[\]]/g, '\\$&')}\\] \\(no name\\), since \\d\\d:\\d\\d$`));
    expect(lines[3]).toMatch(new RegExp(`^Tincan: \\[${ncLabel.replace(/[.[\]]/g, '\\$&')}\\] alice, since \\d\\d:\\d\\d \\(you\\)$`));
    // The watcher heard the name, never the /who.
    nc.stdin.end();
    await watcher.waitForLine(`[${ncLabel}] (disconnected)`);
    expect(watcher.text).toBe(`[${ncLabel}] (connected)\nTincan: [${ncLabel}] is now alice\n[${ncLabel}] (disconnected)\n`);
  });
});

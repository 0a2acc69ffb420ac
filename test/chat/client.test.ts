/** ChatClient against a real ChatServer, a raw net server, and connections that fail. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, ChatClientError, MAX_INCOMING_LINE_BYTES, outgoingLines } from '../../main/chat/client';
import { ipv6OrClearError } from '../support/ipv6';
import { frame } from '../support/raw-client';
import { type TestRoom, useRooms } from '../support/room';
import { waitUntil } from '../support/wait';

const openRoom = useRooms();
const clients: ChatClient[] = [];
const children: ChildProcess[] = [];
const rawServers: net.Server[] = [];
const rawSockets: net.Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of rawSockets.splice(0)) s.destroy();
  for (const s of rawServers.splice(0)) await new Promise((resolve) => s.close(resolve));
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function room(host = '127.0.0.1'): Promise<TestRoom> {
  return openRoom({}, host);
}
async function connect(port: number, host = '127.0.0.1'): Promise<ChatClient> {
  const client = await ChatClient.connect({ host, port, timeoutMs: 5000 });
  clients.push(client);
  return client;
}
function collect(client: ChatClient): { lines: string[]; closes: (Error | null)[] } {
  const seen = { lines: [] as string[], closes: [] as (Error | null)[] };
  client.on('line', (line) => seen.lines.push(line));
  client.on('close', (error) => seen.closes.push(error));
  return seen;
}
async function expectConnectError(promise: Promise<ChatClient>, code: string, message: string | RegExp): Promise<ChatClientError> {
  const error = await promise.then(
    (client) => {
      clients.push(client);
      throw new Error('connected, but should have failed');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChatClientError);
  const chatError = error as ChatClientError;
  expect(chatError.code).toBe(code);
  if (typeof message === 'string') expect(chatError.message).toBe(message);
  else expect(chatError.message).toMatch(message);
  return chatError;
}

/** A loopback port whose accept queue is full: a new connection's SYN is dropped, so connect hangs. */
async function blackhole(): Promise<number> {
  const child = spawn(process.execPath, ['-e', `
    const s = require('net').createServer();
    s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
      console.log(s.address().port);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // never accept anything
    });`], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  // fill the accept queue until a connection attempt no longer completes
  for (let i = 0; i < 16; i++) {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.on('error', () => {});
    rawSockets.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) return port;
  }
  throw new Error('could not fill the accept queue of the blackhole listener');
}

describe('ChatClient: talking to a room', () => {
  it('connects, sends, receives; localPeer is the label the server uses', async () => {
    const r = await room();
    const joins: string[] = [];
    r.server.on('join', (c) => joins.push(c.peer));
    const observer = await r.join();
    const client = await connect(r.port);
    const seen = collect(client);
    await waitUntil(() => joins.includes(client.localPeer), `join of ${client.localPeer}`);
    expect(client.localPeer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(client.remotePeer).toBe(`127.0.0.1:${r.port}`);
    expect(client.connected).toBe(true);
    await observer.waitForText(frame(client.localPeer, '(connected)'));

    expect(client.send('hello from the app')).toBe(1);
    await observer.waitForText(frame(client.localPeer, 'hello from the app'));
    await waitUntil(() => seen.lines.length === 1, 'own line back');
    expect(seen.lines).toEqual([`[${client.localPeer}] hello from the app`]);

    await observer.write('hi app\n');
    await waitUntil(() => seen.lines.length === 2, 'observer line');
    expect(seen.lines[1]).toBe(`[${observer.label}] hi app`);
  });

  it('localPeer over IPv6 is [::1]:PORT, as the server prints it', async () => {
    if (!(await ipv6OrClearError())) return; // no ::1 here: the server said so clearly
    const r = await room('::1');
    const joins: string[] = [];
    r.server.on('join', (c) => joins.push(c.peer));
    const client = await connect(r.port, '::1');
    expect(client.localPeer).toMatch(/^\[::1\]:\d+$/);
    expect(client.remotePeer).toBe(`[::1]:${r.port}`);
    await waitUntil(() => joins.includes(client.localPeer), `join of ${client.localPeer}`);
  });

  it('send() splits lines, strips controls, skips blanks', async () => {
    const r = await room();
    const observer = await r.join();
    const client = await connect(r.port);
    await observer.waitForText(frame(client.localPeer, '(connected)'));
    observer.clear();
    expect(client.send('one\ntwo\r\nthree\rfour')).toBe(4);
    expect(client.send('\x1b[2J\x1b]0;pwned\x07clean\x07 \x1b[31mtext\x1b[0m\tend')).toBe(1);
    expect(client.send('   \n\t\n\r\n')).toBe(0);
    expect(client.send('')).toBe(0);
    expect(client.send('\x1b[2J')).toBe(0);
    expect(client.send('marker')).toBe(1);
    await observer.waitForText(frame(client.localPeer, 'marker'));
    expect(observer.text).toBe(['one', 'two', 'three', 'four', 'clean text end', 'marker'].map((t) => frame(client.localPeer, t)).join(''));
  });

  it('outgoingLines', () => {
    expect(outgoingLines('a\nb\r\nc\rd')).toEqual(['a', 'b', 'c', 'd']);
    expect(outgoingLines(' \n\t\x07\n')).toEqual([]);
    expect(outgoingLines('x\x1b[1my')).toEqual(['xy']);
  });

  it("incoming lines are decoded and cleaned, whatever the server sends", async () => {
    const server = net.createServer((socket) => {
      rawSockets.push(socket);
      socket.write('\x1b[2J[1.2.3.4:5] hi\x07 there\r\n');
      socket.write(Buffer.from([0x5b, 0x78, 0x5d, 0x20, 0xfe, 0xf0, 0x9f]));
      socket.write(Buffer.from([0x8c, 0x8d, 0x0a]));
    });
    rawServers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await connect((server.address() as net.AddressInfo).port);
    const seen = collect(client);
    await waitUntil(() => seen.lines.length === 2, 'two lines');
    expect(seen.lines).toEqual(['[1.2.3.4:5] hi there', '[x] \ufffd🌍']);
  });

  it("'close' carries an error when the server goes away, and null after close()", async () => {
    const r = await room();
    const leaving = await connect(r.port);
    const staying = await connect(r.port);
    const leavingSeen = collect(leaving);
    const stayingSeen = collect(staying);
    leaving.close();
    await waitUntil(() => leavingSeen.closes.length === 1, 'close after close()');
    expect(leavingSeen.closes).toEqual([null]);
    expect(leaving.connected).toBe(false);
    expect(leaving.send('too late')).toBe(0);
    leaving.close(); // harmless

    await r.server.close();
    await waitUntil(() => stayingSeen.closes.length === 1, 'close after the server went away');
    const error = stayingSeen.closes[0];
    expect(error).toBeInstanceOf(ChatClientError);
    expect((error as ChatClientError).code).toBe('reset');
    expect(error!.message).toContain(`127.0.0.1:${r.port}`);
    expect(staying.connected).toBe(false);
    expect(stayingSeen.closes.length).toBe(1);
  });

  it("'close' carries a 'reset' error when the connection is reset", async () => {
    const server = net.createServer((socket) => {
      rawSockets.push(socket);
      socket.write('[1.2.3.4:5] bye\n', () => setImmediate(() => socket.resetAndDestroy()));
    });
    rawServers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await connect((server.address() as net.AddressInfo).port);
    const seen = collect(client);
    await waitUntil(() => seen.closes.length === 1, 'close');
    expect((seen.closes[0] as ChatClientError).code).toBe('reset');
  });
});

describe('ChatClient: a full room', () => {
  it("shows the server's notice as a line, then closes with an error", async () => {
    const r = await openRoom({ maxClients: 1 });
    await r.join();
    const client = await connect(r.port);
    const seen = collect(client);
    await waitUntil(() => seen.closes.length === 1, 'close');
    expect(seen.lines).toEqual(['Tincan: this room is full, try again later.']);
    expect((seen.closes[0] as ChatClientError).code).toBe('reset');
  });
});

describe('ChatClient: connection failures', () => {
  it('refused: "Nothing is listening at 127.0.0.1:PORT"', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await expectConnectError(ChatClient.connect({ host: '127.0.0.1', port }), 'refused', `Nothing is listening at 127.0.0.1:${port}`);
  });

  it('refused over IPv6 names the address in brackets', async () => {
    if (!(await ipv6OrClearError())) return; // no ::1 here: the server said so clearly
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '::1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await expectConnectError(ChatClient.connect({ host: '::1', port }), 'refused', `Nothing is listening at [::1]:${port}`);
  });

  it('timeout: a listener that never answers (full accept queue)', async () => {
    const port = await blackhole();
    const started = Date.now();
    await expectConnectError(ChatClient.connect({ host: '127.0.0.1', port, timeoutMs: 400 }), 'timeout', 'Timed out after 0.4 s');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(390);
    expect(took).toBeLessThan(2000);
  });

  it('abort via AbortSignal while connecting, and an already-aborted signal', async () => {
    const port = await blackhole();
    const controller = new AbortController();
    const attempt = ChatClient.connect({ host: '127.0.0.1', port, timeoutMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await expectConnectError(attempt, 'aborted', /./);
    expect(Date.now() - started).toBeLessThan(1000);

    const r = await room();
    await expectConnectError(ChatClient.connect({ host: '127.0.0.1', port: r.port, signal: AbortSignal.abort() }), 'aborted', /./);
  });

  it('unknown host: "Unknown host: NAME"', async () => {
    await expectConnectError(ChatClient.connect({ host: 'tincan-test.invalid', port: 60003, timeoutMs: 5000 }), 'unknown-host', 'Unknown host: tincan-test.invalid');
  });

  it('a bad port is refused before trying', async () => {
    await expectConnectError(ChatClient.connect({ host: '127.0.0.1', port: 0 }), 'other', /1 to 65535/);
    await expectConnectError(ChatClient.connect({ host: '127.0.0.1', port: 65536 }), 'other', /1 to 65535/);
  });
});

/** A raw server whose connections do what `onSocket` says; the port it listens on. */
async function rawServer(onSocket: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    rawSockets.push(socket);
    onSocket(socket);
  });
  rawServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('ChatClient: bounded against a hostile host', () => {
  it('send() refuses with a clear error once more than 1 MiB waits to go out to a host that does not read', async () => {
    const port = await rawServer((socket) => socket.pause());
    const client = await connect(port);
    const line = 'y'.repeat(64 * 1024);
    let sent = 0;
    let refusal: unknown = null;
    for (let i = 0; i < 4096 && refusal === null; i++) {
      try {
        sent += client.send(line);
      } catch (error) {
        refusal = error;
      }
    }
    expect(refusal).toBeInstanceOf(ChatClientError);
    expect((refusal as ChatClientError).code).toBe('busy');
    expect((refusal as ChatClientError).message).toMatch(/^Not sent: \d+ KiB of earlier messages are still waiting to go out to 127\.0\.0\.1:\d+/);
    expect(sent).toBeGreaterThan(0);
    expect(client.unsentBytes).toBeLessThanOrEqual(1024 * 1024 + line.length + 1);
    expect(client.connected).toBe(true);
  });

  it("a line is bounded at 8 KiB plus the label: a host's endless line arrives in pieces", async () => {
    const label = '[10.0.0.5:60003] ';
    const port = await rawServer((socket) => socket.write(`${label}${'L'.repeat(40_000)}\nend\n`));
    const client = await connect(port);
    const seen = collect(client);
    await waitUntil(() => seen.lines.includes('end'), 'the end line');
    const pieces = seen.lines.slice(0, -1);
    expect(pieces.join('')).toBe(`${label}${'L'.repeat(40_000)}`.trimEnd());
    expect(Math.max(...pieces.map((piece) => Buffer.byteLength(piece)))).toBe(MAX_INCOMING_LINE_BYTES);
    expect(MAX_INCOMING_LINE_BYTES).toBe(8192 + 128);
  });

  it('pause() from a line listener stops right after that line, pushes back on the host, and resume() goes on where it stopped', async () => {
    let hostSide: net.Socket | null = null;
    const port = await rawServer((socket) => {
      hostSide = socket;
      socket.write(Array.from({ length: 100 }, (_, i) => `[1.2.3.4:5] n${i}\n`).join(''));
    });
    const client = await connect(port);
    const lines: string[] = [];
    client.on('line', (line) => {
      lines.push(line);
      if (lines.length === 10) client.pause();
    });
    await waitUntil(() => lines.length === 10 && hostSide !== null, 'ten lines');
    expect(client.isPaused).toBe(true);
    // the host keeps sending; we do not read, so its writes back up
    const host = hostSide as unknown as net.Socket;
    const chunk = Buffer.from(`[1.2.3.4:5] ${'z'.repeat(1000)}\n`.repeat(1024));
    for (let i = 0; i < 64; i++) host.write(chunk);
    await waitUntil(() => host.writableLength > 0, 'the host to be pushed back');
    expect(lines.length).toBe(10);
    client.resume();
    await waitUntil(() => lines.length === 100 + 64 * 1024, 'everything after resume', 20_000);
    expect(lines.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => `[1.2.3.4:5] n${i}`));
    expect(client.isPaused).toBe(false);
  });

  it('a host that closes while we are paused: the lines before its end still arrive after resume, then close', async () => {
    const port = await rawServer((socket) => socket.end(Array.from({ length: 20 }, (_, i) => `[1.2.3.4:5] last ${i}\n`).join('')));
    const client = await connect(port);
    const seen = collect(client);
    client.on('line', () => {
      if (seen.lines.length === 5) client.pause();
    });
    await waitUntil(() => seen.lines.length === 5, 'five lines');
    client.resume();
    await waitUntil(() => seen.closes.length === 1, 'close');
    expect(seen.lines).toEqual(Array.from({ length: 20 }, (_, i) => `[1.2.3.4:5] last ${i}`));
  });
});

/** ChatServer over real sockets: the wire protocol byte for byte, with raw `net` clients. */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ChatServer } from '../../main/chat/server';
import type { ClientInfo, LeaveReason } from '../../main/chat/types';
import { useCleanup } from '../support/cleanup';
import { ipv6OrClearError, ipv6Loopback } from '../support/ipv6';
import { RawClient, frame } from '../support/raw-client';
import { type TestRoom, useRooms } from '../support/room';
import { waitUntil } from '../support/wait';

const room = useRooms();
const defer = useCleanup();

describe('ChatServer: the three protocol messages', () => {
  it('exact bytes to exact recipients: connected to others, lines to all, disconnected to others', async () => {
    const r = await room();
    const a = await r.join();
    const b = await r.join();
    await a.waitForLine(`[${b.label}] (connected)`);
    const c = await r.join();
    await a.waitForLine(`[${c.label}] (connected)`);
    await b.waitForLine(`[${c.label}] (connected)`);

    await a.write('hello\n');
    for (const x of [a, b, c]) await x.waitForLine(`[${a.label}] hello`);
    await b.write('hi a\n');
    for (const x of [a, b, c]) await x.waitForLine(`[${b.label}] hi a`);

    b.end();
    await a.waitForLine(`[${b.label}] (disconnected)`);
    await c.waitForLine(`[${b.label}] (disconnected)`);
    await b.waitForEnd();

    await c.write('bye\n');
    await a.waitForLine(`[${c.label}] bye`);
    await c.waitForLine(`[${c.label}] bye`);

    expect(a.text).toBe(
      frame(b, '(connected)') + frame(c, '(connected)') + frame(a, 'hello') + frame(b, 'hi a') +
      frame(b, '(disconnected)') + frame(c, 'bye'));
    // the joiner never hears its own (connected); the leaver never hears its own (disconnected)
    expect(b.text).toBe(frame(c, '(connected)') + frame(a, 'hello') + frame(b, 'hi a'));
    expect(c.text).toBe(frame(a, 'hello') + frame(b, 'hi a') + frame(b, '(disconnected)') + frame(c, 'bye'));
    expect(b.error).toBeNull();
  });

  it('with the default admit delay a silent client is announced after it, a talking one at once and before its line', async () => {
    const r = await room({ admitDelayMs: 100 });
    const a = await r.connect();
    const silent = await r.connect();
    const started = Date.now();
    await a.waitForLine(`[${silent.label}] (connected)`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);

    const talker = await r.connect();
    await talker.write('first words\n');
    await a.waitForLine(`[${talker.label}] first words`);
    await talker.waitForLine(`[${talker.label}] first words`);
    expect(a.text).toBe(frame(silent, '(connected)') + frame(talker, '(connected)') + frame(talker, 'first words'));
    expect(talker.text).toBe(frame(talker, 'first words'));
  });

  it('a client that leaves before it was announced still produces (connected) then (disconnected)', async () => {
    const r = await room({ admitDelayMs: 60_000 });
    const a = await r.join();
    const ghost = await RawClient.connect(r.port);
    ghost.end();
    await a.waitForLine(`[${ghost.label}] (disconnected)`);
    expect(a.text).toBe(frame(ghost, '(connected)') + frame(ghost, '(disconnected)'));
    expect(r.server.stats.totalJoined).toBe(1);
  });

  it('a clean FIN delivers the unfinished last line, to the others and to the leaver itself', async () => {
    const r = await room();
    const a = await r.join();
    const x = await r.connect('127.0.0.1', { allowHalfOpen: true });
    await waitUntil(() => r.server.stats.totalJoined === 2, 'x to join');
    await a.waitForLine(`[${x.label}] (connected)`);
    await x.write('one\nlast words');
    x.end();
    await a.waitForLine(`[${x.label}] (disconnected)`);
    expect(a.text).toBe(frame(x, '(connected)') + frame(x, 'one') + frame(x, 'last words') + frame(x, '(disconnected)'));
    await x.waitForEnd();
    expect(x.text).toBe(frame(x, 'one') + frame(x, 'last words'));
  });
});

describe('ChatServer: many clients', () => {
  it('250 clients at once all get a broadcast, and everyone hears everyone', async () => {
    const r = await room();
    const clients: RawClient[] = [];
    for (let i = 0; i < 250; i++) clients.push(await r.join());
    expect(r.server.stats.clientsNow).toBe(250);
    const speaker = clients[17]!;
    await speaker.write('attention everyone\n');
    const line = frame(speaker, 'attention everyone');
    await Promise.all(clients.map((c) => c.waitForText(line)));

    await Promise.all(clients.map((c, i) => c.write(`from ${i}\n`)));
    await Promise.all(clients.map((c) => c.waitFor((x) => x.text.split('] from ').length - 1 === 250, 'all 250 lines', 15_000)));
    for (const c of clients) {
      const heard = new Set(c.lines().filter((l) => l.includes('] from ')));
      expect(heard.size).toBe(250);
      for (let i = 0; i < 250; i++) expect(heard.has(frame(clients[i]!, `from ${i}`).slice(0, -1))).toBe(true);
    }
    expect(r.server.stats.linesRelayed).toBe(251);
  });
});

describe('ChatServer: what clients type', () => {
  async function pair(): Promise<[TestRoom, RawClient, RawClient]> {
    const r = await room();
    const a = await r.join();
    const b = await r.join();
    await a.waitForLine(`[${b.label}] (connected)`);
    a.clear();
    return [r, a, b];
  }

  it('byte at a time (telnet character mode), with UTF-8 split across writes', async () => {
    const [, a, b] = await pair();
    await a.writeBytewise('héllo 🌍 wörld\r\n');
    await b.writeBytewise('€uro\r\0next\r\n');
    await b.waitForText(`[${b.label}] next\r\n`);
    // b ends its lines like telnet, so from the byte that showed it, it reads CR LF
    // (server-telnet.test.ts); which of its lines came before that byte depends on timing.
    expect(b.text.replaceAll('\r\n', '\n')).toBe(frame(a, 'héllo 🌍 wörld') + frame(b, '€uro') + frame(b, 'next'));
  });

  it('a 4-byte character split across writes at every position', async () => {
    const [, a, b] = await pair();
    const emoji = Buffer.from('🎉', 'utf8');
    for (let at = 1; at < 4; at++) {
      await a.write(Buffer.concat([Buffer.from(`${at}:`), emoji.subarray(0, at)]));
      await new Promise((resolve) => setImmediate(resolve));
      await a.write(Buffer.concat([emoji.subarray(at), Buffer.from('\n')]));
    }
    await b.waitForLine(`[${a.label}] 3:🎉`);
    expect(b.text).toBe(frame(a, '1:🎉') + frame(a, '2:🎉') + frame(a, '3:🎉'));
  });

  it('CRLF, lone CR and CR NUL all end a line; blank lines are not broadcast', async () => {
    const [, a, b] = await pair();
    await a.write('one\r\ntwo\rthree\r\0four\n\n\r\n   \n\t\n\r');
    await a.write('five\n');
    await b.waitForLine(`[${a.label}] five`);
    expect(b.text).toBe(['one', 'two', 'three', 'four', 'five'].map((t) => frame(a, t)).join(''));
  });

  it('telnet IAC negotiation is removed', async () => {
    const [, a, b] = await pair();
    const IAC = 0xff;
    // what a telnet client sends on connect, then a line with a subnegotiation in the middle
    await a.write(Buffer.from([IAC, 0xfd, 0x03, IAC, 0xfb, 0x18, IAC, 0xfb, 0x1f, IAC, 0xfb, 0x20, IAC, 0xfb, 0x27]));
    await a.write(Buffer.concat([Buffer.from('hi '), Buffer.from([IAC, 0xfa, 0x18, 0x00]), Buffer.from('XTERM'), Buffer.from([IAC, 0xf0]), Buffer.from('there\r\n')]));
    await a.writeBytewise(Buffer.concat([Buffer.from([IAC, 0xfa, 0x1f, 0x00, 0x50, 0x00, 0x18, IAC, 0xf0]), Buffer.from('ok\r\n')]));
    await b.waitForLine(`[${a.label}] ok`);
    expect(b.text).toBe(frame(a, 'hi there') + frame(a, 'ok'));
  });

  it('escape sequences (clear screen, retitle, recolour, bell) never reach the others', async () => {
    const [, a, b] = await pair();
    await a.write('\x1b[2J\x1b[Hhello\x1b]0;pwned\x07 \x1b[31mred\x1b[0m\x07\x08!\x7f\n');
    await a.write('\x1b[2J\x1b[H\n'); // nothing left to show: not broadcast
    await a.write(Buffer.from([0xc2, 0x9b, 0x32, 0x4a, 0x6f, 0x6b, 0x0a])); // C1 CSI 2J ok
    await a.write('\x1b]8;;http://x/\x1b\\link\x1b]8;;\x1b\\\n');
    await a.write('end\n');
    await b.waitForLine(`[${a.label}] end`);
    expect(b.text).toBe(frame(a, 'hello red!') + frame(a, 'ok') + frame(a, 'link') + frame(a, 'end'));
    expect([...b.bytes].filter((x) => x < 0x20 && x !== 0x0a).length).toBe(0);
    expect(b.bytes.includes(0x7f)).toBe(false);
  });

  it('tabs become single spaces', async () => {
    const [, a, b] = await pair();
    await a.write('col1\tcol2\t\tcol3\n');
    await b.waitForLine(`[${a.label}] col1 col2  col3`);
  });

  it('invalid UTF-8 becomes U+FFFD', async () => {
    const [, a, b] = await pair();
    await a.write(Buffer.from([0x61, 0xfe, 0x62, 0xc3, 0x28, 0x80, 0x0a]));
    await b.waitForText('\n');
    expect(b.bytes.equals(Buffer.concat([Buffer.from(`[${a.label}] a`), Buffer.from('\ufffdb\ufffd(\ufffd\n', 'utf8')]))).toBe(true);
  });

  it('a 1 MiB line arrives as consecutive ≤ 8 KiB messages that concatenate to the original', async () => {
    const [r, a, b] = await pair();
    const units = ['abcdefghij', 'é', '€', '🌍', 'xyz '];
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 1024 * 1024; i++) {
      const part = units[i % units.length]!.repeat(1 + (i % 7));
      parts.push(part);
      size += Buffer.byteLength(part);
    }
    const text = parts.join('');
    const before = r.server.stats.linesRelayed;
    await a.write(`${text}\n`);
    await a.write('after\n');
    await b.waitForLine(`[${a.label}] after`, 15_000);
    const lines = b.lines();
    expect(lines.pop()).toBe(`[${a.label}] after`);
    const prefix = `[${a.label}] `;
    for (const line of lines) {
      expect(line.startsWith(prefix)).toBe(true);
      expect(Buffer.byteLength(line.slice(prefix.length))).toBeLessThanOrEqual(8192);
    }
    // cut only where needed: every piece but the last is full up to a character boundary
    for (const line of lines.slice(0, -1)) expect(Buffer.byteLength(line.slice(prefix.length))).toBeGreaterThan(8192 - 4);
    expect(lines.map((l) => l.slice(prefix.length)).join('')).toBe(text);
    expect(b.text.includes('\ufffd')).toBe(false);
    expect(r.server.stats.linesRelayed - before).toBe(lines.length + 1);
  });
});

describe('ChatServer: misbehaving peers', () => {
  it('a client reset mid-line: others get (disconnected), the half line is never broadcast, the room goes on', async () => {
    const r = await room({ admitDelayMs: 60_000 });
    const leaves: LeaveReason[] = [];
    r.server.on('leave', (_client, reason) => leaves.push(reason));
    const a = await r.connect();
    const x = await r.connect();
    await x.write('secret half li');
    // announced on its first byte: proof that the server has read the half line
    await a.waitForLine(`[${x.label}] (connected)`);
    x.socket.resetAndDestroy();
    await a.waitForLine(`[${x.label}] (disconnected)`);
    await a.write('marker\n');
    await a.waitForLine(`[${a.label}] marker`);
    expect(a.text).toBe(frame(x, '(connected)') + frame(x, '(disconnected)') + frame(a, 'marker'));
    expect(leaves).toEqual(['reset']);

    const y = await r.connect();
    await y.write('still here\n');
    await a.waitForLine(`[${y.label}] still here`);
    await y.waitForLine(`[${y.label}] still here`);
  });

  const rejectCases: [string, Buffer][] = [
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n')],
    ['an HTTP POST', Buffer.from('POST /login HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello')],
    ['a TLS ClientHello', Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03]), Buffer.alloc(32, 7), Buffer.from([0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0x00, 0x00, 0x0a])])],
  ];
  it.each(rejectCases)('%s is closed at once and never announced', async (_name, opening) => {
    const r = await room({ admitDelayMs: 100 });
    const events: string[] = [];
    r.server.on('join', (c) => events.push(`join ${c.peer}`));
    r.server.on('leave', (c, reason) => events.push(`leave ${c.peer} ${reason}`));
    r.server.on('message', (c, text) => events.push(`message ${c.peer} ${text}`));
    const a = await r.connect();
    await a.write('i am chat\n');
    await a.waitForLine(`[${a.label}] i am chat`);

    const intruder = await r.connect();
    const started = Date.now();
    intruder.socket.write(opening);
    await intruder.waitForClose(2000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(intruder.byteLength).toBe(0);
    await waitUntil(() => r.server.stats.connectionsRejected === 1, 'connectionsRejected 1');

    await a.write('marker\n');
    await a.waitForLine(`[${a.label}] marker`);
    expect(a.text).toBe(frame(a, 'i am chat') + frame(a, 'marker'));
    expect(events).toEqual([`join ${a.label}`, `message ${a.label} i am chat`, `message ${a.label} marker`]);
    expect(r.server.stats.totalJoined).toBe(1);
    expect(r.server.stats.clientsNow).toBe(1);
  });

  it('an HTTP request typed slowly, byte by byte, is still rejected if it arrives within the admit delay', async () => {
    const r = await room({ admitDelayMs: 1000 });
    const a = await r.connect();
    await a.write('here\n');
    const intruder = await r.connect();
    await intruder.writeBytewise('GET /');
    await intruder.waitForClose(2000);
    await a.write('marker\n');
    await a.waitForLine(`[${a.label}] marker`);
    expect(a.text).toBe(frame(a, 'here') + frame(a, 'marker'));
    expect(r.server.stats.connectionsRejected).toBe(1);
  });

  it('"GEThello" and "GET hello" are chat, not HTTP', async () => {
    const r = await room({ admitDelayMs: 100 });
    const a = await r.connect();
    await a.write('GEThello\n');
    await a.write('GET hello\n');
    await a.waitForLine(`[${a.label}] GET hello`);
    expect(a.text).toBe(frame(a, 'GEThello') + frame(a, 'GET hello'));
    expect(r.server.stats.connectionsRejected).toBe(0);
  });
});

describe('ChatServer: listening and closing', () => {
  it('a port in use: listen rejects with a message naming the port', async () => {
    const r = await room();
    const other = new ChatServer();
    defer(() => other.close());
    await expect(other.listen({ port: r.port, host: '127.0.0.1' })).rejects.toThrow(new RegExp(`Port ${r.port} is already in use`));
  });

  it('close() delivers what was said, ends every client (FIN) and frees the port', async () => {
    const r = await room();
    const a = await r.join();
    const b = await r.join();
    await a.waitForLine(`[${b.label}] (connected)`);
    const said = new Promise<void>((resolve) => r.server.once('message', () => resolve()));
    await a.write('last call\n');
    await said;
    const leaves: LeaveReason[] = [];
    r.server.on('leave', (_c, reason) => leaves.push(reason));
    await r.server.close();
    await a.waitForEnd();
    await b.waitForEnd();
    expect(a.ended && b.ended).toBe(true);
    expect(a.error).toBeNull();
    expect(b.error).toBeNull();
    expect(b.text).toBe(frame(a, 'last call'));
    expect(leaves).toEqual(['server-closed', 'server-closed']);
    expect(r.server.stats.clientsNow).toBe(0);

    const again = new ChatServer();
    defer(() => again.close());
    const address = await again.listen({ port: r.port, host: '127.0.0.1' });
    expect(address.port).toBe(r.port);
    await expect(r.server.listen({ port: 0 })).rejects.toThrow();
  });

  it('close() with no clients resolves and can be called twice', async () => {
    const server = new ChatServer();
    await server.listen({ port: 0, host: '127.0.0.1' });
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
  });

  it('IPv6 on ::1 is shown as [[::1]:PORT]', async () => {
    if (!(await ipv6OrClearError())) return; // no ::1 here: the server said so clearly
    const r = await room({}, '::1');
    const a = await r.join('::1');
    const b = await r.join('::1');
    expect(b.label).toMatch(/^\[::1\]:\d+$/);
    await a.waitForLine(`[${b.label}] (connected)`);
    await b.write('over six\n');
    await a.waitForLine(`[[::1]:${b.socket.localPort}] over six`);
    expect(a.text).toBe(`[[::1]:${b.socket.localPort}] (connected)\n[[::1]:${b.socket.localPort}] over six\n`);
  });

  it('listening on all interfaces (::), an IPv4 client is shown as plain 127.0.0.1:PORT', async () => {
    const r = await room({}, '::');
    // dual stack where IPv6 exists; plain IPv4 on a machine without it
    expect(r.server.address()?.host).toBe((await ipv6Loopback()) ? '::' : '0.0.0.0');
    const a = await r.join('127.0.0.1');
    const b = await r.join('127.0.0.1');
    await a.waitForLine(`[127.0.0.1:${b.socket.localPort}] (connected)`);
    await b.write('mapped\n');
    await a.waitForLine(`[127.0.0.1:${b.socket.localPort}] mapped`);
    expect(a.text).not.toContain('::ffff');
    expect(r.server.clients().map((c) => c.peer)).toEqual([`127.0.0.1:${a.socket.localPort}`, `127.0.0.1:${b.socket.localPort}`]);
  });

  it('maxClients refuses extra connections (told why, closed), counts them, and frees up when someone leaves', async () => {
    const r = await room({ maxClients: 2 });
    const a = await r.join();
    const b = await r.join();
    const extra = await r.connect();
    await extra.waitForEnd();
    expect(extra.text).toBe('Tincan: this room is full, try again later.\n');
    expect(r.server.stats.connectionsRefused).toBe(1);
    await a.write('marker\n');
    await a.waitForLine(`[${a.label}] marker`);
    expect(a.text).toBe(frame(b, '(connected)') + frame(a, 'marker'));
    expect(r.server.stats.clientsNow).toBe(2);

    b.end();
    await a.waitForLine(`[${b.label}] (disconnected)`);
    await waitUntil(() => r.server.stats.clientsNow === 1, 'b to be gone');
    const c = await r.join();
    await c.write('room for me\n');
    await a.waitForLine(`[${c.label}] room for me`);
    expect(r.server.stats.connectionsRefused).toBe(1);
  });

  it('rejects bad options', () => {
    expect(() => new ChatServer({ maxLineBytes: 3 })).toThrow(RangeError);
    expect(() => new ChatServer({ maxClients: -1 })).toThrow(RangeError);
    expect(() => new ChatServer({ admitDelayMs: 1.5 })).toThrow(RangeError);
  });

  it('listen rejects a bad port and a second listen', async () => {
    const server = new ChatServer();
    defer(() => server.close());
    await expect(server.listen({ port: 70000 })).rejects.toThrow(/0 to 65535/);
    await server.listen({ port: 0, host: '127.0.0.1' });
    await expect(server.listen({ port: 0, host: '127.0.0.1' })).rejects.toThrow(/already listening/);
  });
});

describe('ChatServer: stats and events', () => {
  it('counts clients, joins and relayed lines; lists clients; emits join/message/leave with ClientInfo', async () => {
    const r = await room();
    const joins: ClientInfo[] = [];
    const messages: [ClientInfo, string][] = [];
    const leaves: [ClientInfo, LeaveReason][] = [];
    r.server.on('join', (c) => joins.push(c));
    r.server.on('message', (c, t) => messages.push([c, t]));
    r.server.on('leave', (c, reason) => leaves.push([c, reason]));
    expect(r.server.stats).toEqual({ clientsNow: 0, totalJoined: 0, linesRelayed: 0, slowClientsCut: 0, connectionsRefused: 0, connectionsRejected: 0 });

    const t0 = Date.now();
    const a = await r.join();
    const b = await r.join();
    expect(joins.map((j) => j.peer)).toEqual([a.label, b.label]);
    expect(joins[0]!.id).toBeLessThan(joins[1]!.id);
    expect(joins[0]!.linesSent).toBe(0);
    expect(joins[0]!.connectedAt).toBeGreaterThanOrEqual(t0 - 5);
    expect(joins[0]!.connectedAt).toBeLessThanOrEqual(Date.now());

    await a.write('one\ntwo\x1b[31m!\n   \n');
    await b.write('three\n');
    await a.waitForLine(`[${b.label}] three`);
    await a.waitForLine(`[${a.label}] two!`);
    expect(messages.map(([c, t]) => `${c.peer} ${t}`).sort()).toEqual([`${a.label} one`, `${a.label} two!`, `${b.label} three`].sort());
    const aMessages = messages.filter(([c]) => c.peer === a.label);
    expect(aMessages.map(([c]) => c.linesSent)).toEqual([1, 2]);
    expect(r.server.stats).toMatchObject({ clientsNow: 2, totalJoined: 2, linesRelayed: 3 });
    expect(r.server.clients().map((c) => [c.peer, c.linesSent])).toEqual([[a.label, 2], [b.label, 1]]);

    a.end();
    await b.waitForLine(`[${a.label}] (disconnected)`);
    expect(leaves.map(([c, reason]) => [c.peer, c.id, reason])).toEqual([[a.label, joins[0]!.id, 'left']]);
    expect(r.server.stats).toMatchObject({ clientsNow: 1, totalJoined: 2, linesRelayed: 3 });
    expect(r.server.clients().map((c) => c.peer)).toEqual([b.label]);
  });

  it('a listener that throws does not break the room; it is reported as an error', async () => {
    const r = await room();
    const errors: Error[] = [];
    r.server.on('error', (e) => errors.push(e));
    r.server.on('message', () => {
      throw new Error('listener bug');
    });
    const a = await r.join();
    const b = await r.join();
    await a.write('still delivered\n');
    await b.waitForLine(`[${a.label}] still delivered`);
    expect(errors.map((e) => e.message)).toContain('listener bug');
  });

  it('uses a raw net client that does nothing: it is announced after the delay and removed when it closes', async () => {
    const r = await room({ admitDelayMs: 20 });
    const a = await r.connect();
    const idle = net.connect({ port: r.port, host: '127.0.0.1' });
    await new Promise((resolve) => idle.once('connect', resolve));
    const label = `127.0.0.1:${idle.localPort}`;
    await a.waitForLine(`[${label}] (connected)`);
    idle.destroy();
    await a.waitForLine(`[${label}] (disconnected)`);
  });
});

/**
 * TLS on the chat port: a connection whose first byte is a TLS handshake record speaks TLS,
 * any other speaks plain text, and a TLS client is a member like any other (same bytes, same
 * limits). Handshakes are bounded in time, in number and per address.
 */
import { describe, expect, it } from 'vitest';
import { ChatServer } from '../../main/chat/server';
import { REPLAY_FOOTER_LINE, topicLine } from '../../main/chat/server-lines';
import { tlsRequiredNotice } from '../../main/chat/tls-transport';
import type { LeaveReason } from '../../main/chat/types';
import { useCleanup } from '../support/cleanup';
import { type RawClient, frame } from '../support/raw-client';
import { type TestRoom, useRooms } from '../support/room';
import { spawnTerminal } from '../support/terminal';
import { clientHello, connectTls, testCertificate, tlsOption } from '../support/tls';
import { waitUntil } from '../support/wait';

const room = useRooms();
const defer = useCleanup();

/** A room with TLS; newcomers wait the usual 50 ms of silence (how a quiet plain client is told from a TLS one). */
async function tlsRoom(tls: Parameters<typeof tlsOption>[0] = {}, options: Parameters<typeof room>[0] = {}): Promise<TestRoom> {
  return room({ admitDelayMs: 50, tls: await tlsOption(tls), ...options });
}

function leaves(r: TestRoom): [string, LeaveReason][] {
  const seen: [string, LeaveReason][] = [];
  r.server.on('leave', (client, reason) => seen.push([client.peer, reason]));
  return seen;
}

/** A raw connection that sends `bytes` and then nothing (a stalled or flooding handshake). */
async function sendAndStall(r: TestRoom, bytes: Buffer, localAddress = '127.0.0.1'): Promise<RawClient> {
  const client = await r.connect('127.0.0.1', { localAddress });
  await client.write(bytes);
  return client;
}

describe('ChatServer with TLS: one port, both kinds of client', () => {
  it('a TLS client and a plain one see each other exactly as two plain clients would', async () => {
    const r = await tlsRoom();
    const plain = await r.connect();
    await plain.write('hello\n');
    await plain.waitForLine(frame(plain, 'hello').slice(0, -1));
    const { cert } = await testCertificate();
    const secure = await connectTls(r, { ca: cert }); // it checks the host's certificate
    await plain.waitForLine(`[${secure.label}] (connected)`);
    await secure.write('hi over TLS\n');
    await plain.waitForLine(`[${secure.label}] hi over TLS`);
    await plain.write('hi in clear\n');
    await secure.waitForLine(`[${plain.label}] hi in clear`);
    secure.end();
    await plain.waitForLine(`[${secure.label}] (disconnected)`);
    expect(plain.text).toBe(frame(plain, 'hello') + frame(secure, '(connected)') + frame(secure, 'hi over TLS') +
      frame(plain, 'hi in clear') + frame(secure, '(disconnected)'));
    expect(secure.text).toBe(frame(secure, 'hi over TLS') + frame(plain, 'hi in clear'));
    expect(r.server.stats.connectionsRejected).toBe(0);
  });

  it('a TLS client hears nothing before its handshake, then everything said since it connected', async () => {
    const r = await tlsRoom();
    const talker = await r.connect();
    await talker.write('first\n');
    await talker.waitForLine(`[${talker.label}] first`);
    // Bytes written to it before its first byte would break its handshake.
    const secure = await connectTls(r);
    await talker.write('second\n');
    await secure.waitForLine(`[${talker.label}] second`);
    expect(secure.text).toBe(frame(talker, 'second'));
  });

  it('a TLS newcomer gets the topic and the catch-up after its handshake, never before it', async () => {
    const r = await tlsRoom({}, { topic: 'Lab 3 sync', replayLines: 5 });
    const talker = await r.connect();
    await talker.write('said before\n');
    await talker.waitForLine(`[${talker.label}] said before`);
    // Plain bytes before the handshake would break it: connectTls fails if any arrive.
    const secure = await connectTls(r);
    await secure.waitForLine(REPLAY_FOOTER_LINE);
    const lines = secure.text.split('\n');
    expect(lines[0]).toBe(topicLine('Lab 3 sync'));
    expect(lines[1]).toMatch(/^Tincan: /);
    expect(lines[2]).toBe(`[${talker.label}] said before`);
    expect(lines[3]).toBe(REPLAY_FOOTER_LINE);
    await talker.write('live\n');
    await secure.waitForLine(`[${talker.label}] live`);
  });

  it('a quiet plain client and one that opens with a telnet IAC are plain, announced as before', async () => {
    const r = await tlsRoom();
    const watcher = await r.connect();
    await watcher.write('x\n');
    const quiet = await r.connect();
    await watcher.waitForLine(`[${quiet.label}] (connected)`);
    const telnet = await r.connect();
    await telnet.write(Buffer.from([0xff, 0xfb, 0x18]));
    await watcher.waitForLine(`[${telnet.label}] (connected)`);
    await telnet.write('hi\r\n');
    await watcher.waitForLine(`[${telnet.label}] hi`);
    expect(r.server.stats.clientsNow).toBe(3);
  });

  it('a HTTPS request (TLS, then a request line) is closed unannounced as plain HTTP is', async () => {
    const r = await tlsRoom();
    const watcher = await r.connect();
    await watcher.write('x\n');
    const browser = await connectTls(r);
    await browser.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await browser.waitForClose();
    await watcher.write('y\n');
    await watcher.waitForLine(`[${watcher.label}] y`);
    expect(watcher.text).toBe(frame(watcher, 'x') + frame(watcher, 'y'));
    expect(r.server.stats.connectionsRejected).toBe(1);
  });
});

describe('ChatServer with TLS: the same limits', () => {
  it('a TLS sender over its line rate is paused, loses nothing, and its notice lookalikes and bidi controls are cleaned', async () => {
    const r = await tlsRoom({}, { maxLinesPerSecond: 50, lineBurst: 5 });
    const flows: string[] = [];
    r.server.on('flow', (client, state, reason) => flows.push(`${client.peer} ${state} ${reason}`));
    const secure = await connectTls(r);
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    await secure.write(`${lines.join('\n')}\n(connected)\nab\u202ecd\n`);
    await secure.waitForLine(`[${secure.label}] abcd`);
    expect(secure.text).toBe(lines.map((line) => frame(secure, line)).join('') + frame(secure, '"(connected)"') + frame(secure, 'abcd'));
    expect(flows).toContain(`${secure.label} paused line-rate`);
  });
});

describe('ChatServer with TLS required', () => {
  it('a plain client is told how to connect with TLS in one line, closed and never announced', async () => {
    const r = await tlsRoom({ require: true });
    const secure = await connectTls(r);
    await waitUntil(() => r.server.stats.clientsNow === 1, 'the TLS client to join');
    const talker = await r.connect();
    await talker.write('hello in clear\n');
    await talker.waitForClose();
    const quiet = await r.connect();
    await quiet.waitForClose();
    await secure.write('alone\n');
    await secure.waitForLine(`[${secure.label}] alone`);
    expect(talker.text).toBe(tlsRequiredNotice().toString());
    expect(quiet.text).toBe(tlsRequiredNotice().toString());
    expect(talker.text).toMatch(/^Tincan: .*openssl s_client -quiet -connect HOST:PORT.*ncat --ssl HOST PORT\n$/);
    expect(secure.text).toBe(frame(secure, 'alone'));
    expect(r.server.stats).toMatchObject({ clientsNow: 1, totalJoined: 1, connectionsRejected: 2 });
  });
});

describe('ChatServer with TLS: hostile handshakes', () => {
  it('a handshake that stalls is cut after the timeout, never announced', async () => {
    const r = await tlsRoom({ handshakeTimeoutMs: 300 });
    const w = leaves(r);
    const hello = await clientHello();
    const stalled = await sendAndStall(r, hello);
    const oneByte = await sendAndStall(r, Buffer.from([0x16]));
    await stalled.waitForClose();
    await oneByte.waitForClose();
    expect(r.server.stats).toMatchObject({ clientsNow: 0, totalJoined: 0, connectionsRejected: 2 });
    expect(w).toEqual([]);
  });

  it('handshakes in progress are bounded per address and in total; members keep talking through a flood', async () => {
    // A long silence rule: a ClientHello late on a loaded machine must not count as a quiet plain client.
    const r = await tlsRoom({ handshakeTimeoutMs: 60_000, maxHandshakesPerAddress: 2, maxHandshakes: 5 }, { admitDelayMs: 5000 });
    const alice = await r.connect();
    await alice.write('before\n');
    await alice.waitForLine(`[${alice.label}] before`);
    const bob = await r.connect();
    await bob.write('me too\n'); // its first byte: plain, so it hears the room at once
    await alice.waitForLine(`[${bob.label}] me too`);
    const hello = await clientHello();

    // One address: two handshakes wait, the third is closed at once (long before the timeout).
    const first = [await sendAndStall(r, hello, '127.0.0.20'), await sendAndStall(r, hello, '127.0.0.20')];
    const third = await sendAndStall(r, hello, '127.0.0.20');
    await third.waitForClose();
    // In total: five wait, the sixth (from a fresh address) is closed at once.
    const more = [await sendAndStall(r, hello, '127.0.0.21'), await sendAndStall(r, hello, '127.0.0.22'),
      await sendAndStall(r, hello, '127.0.0.23')];
    const sixth = await sendAndStall(r, hello, '127.0.0.24');
    await sixth.waitForClose();
    expect([...first, ...more].some((client) => client.closed)).toBe(false);

    // A flood of ClientHellos from many addresses: each is closed at once; the members talk on.
    const flood = await Promise.all(Array.from({ length: 200 }, (_, i) => sendAndStall(r, hello, `127.0.1.${1 + (i % 50)}`)));
    await alice.write('during\n');
    await bob.waitForLine(`[${alice.label}] during`);
    await Promise.all(flood.map((client) => client.waitForClose()));
    expect(bob.text).toBe(frame(bob, 'me too') + frame(alice, 'during'));
    expect(r.server.stats).toMatchObject({ clientsNow: 2, totalJoined: 2 });
  });
});

describe('ChatServer with TLS: refusals', () => {
  const FULL = 'Tincan: this room is full, try again later.\n';

  it('a refused TLS client is told why inside TLS; a refused plain one in clear, as without TLS', async () => {
    const r = await tlsRoom({}, { maxClients: 1 });
    const member = await r.connect();
    await member.write('here\n');
    await waitUntil(() => r.server.stats.clientsNow === 1, 'the member to join');
    const secure = await connectTls(r); // its handshake completes: no plaintext before it
    await secure.waitForClose();
    const talker = await r.connect();
    await talker.write('hello\n');
    await talker.waitForClose();
    const quiet = await r.connect();
    await quiet.waitForClose();
    const openssl = spawnTerminal('openssl', ['s_client', '-quiet', '-connect', `127.0.0.1:${r.port}`]);
    defer(() => openssl.kill());
    await openssl.waitFor(FULL);
    expect(secure.text).toBe(FULL);
    expect(talker.text).toBe(FULL);
    expect(quiet.text).toBe(FULL);
    expect(openssl.output()).toBe(FULL);
    expect(member.text).toBe(frame(member, 'here'));
    expect(r.server.stats).toMatchObject({ clientsNow: 1, totalJoined: 1, connectionsRefused: 4 });
  });

  it('over the per-address limit, a TLS client is told inside TLS too', async () => {
    const r = await tlsRoom({}, { maxConnectionsPerAddress: 1 });
    await connectTls(r, { localAddress: '127.0.0.30' });
    await waitUntil(() => r.server.stats.clientsNow === 1, 'the first TLS client to join');
    const second = await connectTls(r, { localAddress: '127.0.0.30' });
    await second.waitForClose();
    expect(second.text).toMatch(/^Tincan: too many connections from your address.*\n$/);
  });

  it('a refused TLS opening with no handshake to spare is closed without a byte in clear', async () => {
    const r = await tlsRoom({ maxHandshakes: 1, handshakeTimeoutMs: 60_000 }, { maxClients: 1 });
    const hello = await clientHello();
    const stalled = await sendAndStall(r, hello, '127.0.0.31'); // holds the one handshake (and the one place)
    await waitUntil(() => r.server.stats.connectionsRejected === 0 && !stalled.closed, 'the handshake to start');
    const refused = await sendAndStall(r, hello, '127.0.0.32');
    await refused.waitForClose();
    expect(refused.byteLength).toBe(0);
    expect(stalled.closed).toBe(false);
    expect(r.server.stats.connectionsRefused).toBe(1);
  });
});

describe('ChatServer with TLS: slow readers', () => {
  it('a TLS reader on a slow link is not cut while a TLS client that never reads is', async () => {
    const r = await tlsRoom({}, { maxClientOutputBytes: 64 * 1024 });
    const w = leaves(r);
    const slow = await connectTls(r, { localAddress: '127.0.0.1' });
    const stuck = await connectTls(r, { localAddress: '127.0.0.2' });
    stuck.socket.pause();
    const flooder = await r.connect('127.0.0.1', { localAddress: '127.0.0.66' });
    await flooder.write('here\n');
    await waitUntil(() => r.server.stats.clientsNow === 3, 'everyone to join');
    // The slow reader takes one read (a TLS record, ≤ 16 KiB) every 5 ms: a few MB a second.
    slow.socket.pause();
    let reading = false;
    const trickle = setInterval(() => {
      if (reading) return;
      reading = true;
      slow.socket.once('data', () => {
        reading = false;
        slow.socket.pause();
      });
      slow.socket.resume();
    }, 5);
    defer(() => clearInterval(trickle));

    // More than the kernel holds for the one that never reads, so it passes its limit.
    const LINES = 16 * 1024;
    const line = (i: number) => `f${i}:${'z'.repeat(990)}`;
    let sent = 0;
    while (sent < LINES) {
      const batch: string[] = [];
      for (let j = sent; j < Math.min(LINES, sent + 64); j++) batch.push(`${line(j)}\n`);
      sent += batch.length;
      if (!flooder.socket.write(batch.join(''))) await new Promise((resolve) => flooder.socket.once('drain', resolve));
    }
    await waitUntil(() => w.some(([peer]) => peer === stuck.label), 'the TLS client that never reads to be cut', 15_000);
    clearInterval(trickle);
    slow.socket.resume();
    await slow.waitForText(frame(flooder, line(LINES - 1)), 20_000);

    expect(w).toEqual([[stuck.label, 'slow']]);
    const heard = slow.lines().filter((text) => text.startsWith(`[${flooder.label}] f`));
    expect(heard).toHaveLength(LINES);
    expect(r.server.stats.slowClientsCut).toBe(1);
  }, 60_000);
});

describe('ChatServer without TLS', () => {
  it('closes a TLS opening as not a chat client, as before', async () => {
    const r = await room({ admitDelayMs: 50 });
    const watcher = await r.connect();
    await watcher.write('x\n');
    const hello = await clientHello();
    const tlsClient = await sendAndStall(r, hello);
    await tlsClient.waitForClose();
    expect(r.server.stats.connectionsRejected).toBe(1);
  });

  it('refuses a tls option with no silence to tell a quiet plain client from a TLS one', async () => {
    const tls = await tlsOption();
    expect(() => new ChatServer({ admitDelayMs: 0, tls })).toThrow(/admitDelayMs/);
  });
});

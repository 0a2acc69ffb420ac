/**
 * Limits a hostile room member meets, over real sockets: connections and joins per source
 * address, a line rate that pauses the sender and loses nothing, no forged notices, no
 * invisible or bidi controls. Loopback addresses 127.0.0.x stand for different machines.
 */
import { describe, expect, it } from 'vitest';
import { parseServerLine } from '../../main/chat/protocol';
import type { FlowReason, RefusalReason } from '../../main/chat/types';
import { type RawClient, frame } from '../support/raw-client';
import { type TestRoom, useRooms } from '../support/room';
import { waitUntil } from '../support/wait';

const room = useRooms();

function refusals(r: TestRoom): [string, RefusalReason][] {
  const seen: [string, RefusalReason][] = [];
  r.server.on('refused', (peer, reason) => seen.push([peer, reason]));
  return seen;
}

describe('ChatServer: connections per address', () => {
  it('refuses the connection past maxConnectionsPerAddress (told why, never announced); other addresses still get in; a place frees up when one leaves', async () => {
    const r = await room({ maxConnectionsPerAddress: 3 });
    const refused = refusals(r);
    const observer = await r.connect('127.0.0.1', { localAddress: '127.0.0.9' });
    const mine = [await r.connect('127.0.0.1', { localAddress: '127.0.0.1' }), await r.connect('127.0.0.1', { localAddress: '127.0.0.1' }), await r.connect('127.0.0.1', { localAddress: '127.0.0.1' })];
    await waitUntil(() => r.server.stats.clientsNow === 4, 'four in the room');
    const extra = await r.connect('127.0.0.1', { localAddress: '127.0.0.1' });
    await extra.waitForEnd();
    expect(extra.text).toBe('Tincan: too many connections from your address; close one and try again.\n');
    expect(refused).toEqual([[extra.label, 'address-limit']]);
    expect(r.server.stats.connectionsRefused).toBe(1);
    const other = await r.connect('127.0.0.1', { localAddress: '127.0.0.2' });
    await other.write('other machine\n');
    await observer.waitForText(frame(other, 'other machine'));
    // the refused one was never in the room
    expect(observer.text).not.toContain(extra.label);

    mine[0]!.end();
    await observer.waitForText(frame(mine[0]!, '(disconnected)'));
    await waitUntil(() => r.server.stats.clientsNow === 4, 'the leaver gone');
    const again = await r.connect('127.0.0.1', { localAddress: '127.0.0.1' });
    await again.write('back in\n');
    await observer.waitForText(frame(again, 'back in'));
  });

  it('with limitLoopback false, peers on loopback are not counted against either limit', async () => {
    const r = await room({ maxConnectionsPerAddress: 2, joinsPerAddressPerMinute: 3, limitLoopback: false });
    const clients = [];
    for (let i = 0; i < 8; i++) clients.push(await r.connect('127.0.0.1', { localAddress: '127.0.0.1' }));
    await waitUntil(() => r.server.stats.clientsNow === 8, 'eight in the room from one address');
    await clients[7]!.write('eighth\n');
    await clients[0]!.waitForText(frame(clients[7]!, 'eighth'));
    expect(r.server.stats.connectionsRefused).toBe(0);
  });

  it('0 means no limit per address', async () => {
    const r = await room({ maxConnectionsPerAddress: 0 });
    for (let i = 0; i < 40; i++) await r.join();
    expect(r.server.stats.clientsNow).toBe(40);
    expect(r.server.stats.connectionsRefused).toBe(0);
  });

  it('bounds notice churn: joins past joinsPerAddressPerMinute are refused, and the room only ever hears of real joins and leaves, in pairs', async () => {
    const r = await room({ joinsPerAddressPerMinute: 5, maxConnectionsPerAddress: 0 });
    const refused = refusals(r);
    const observer = await r.connect('127.0.0.1', { localAddress: '127.0.0.9' });
    const churners: RawClient[] = [];
    for (let i = 0; i < 5; i++) {
      const churner = await r.connect('127.0.0.1', { localAddress: '127.0.0.1' });
      await churner.write(`hi ${i}\n`);
      await observer.waitForText(frame(churner, `hi ${i}`));
      churner.end();
      await observer.waitForText(frame(churner, '(disconnected)'));
      churners.push(churner);
    }
    const sixth = await r.connect('127.0.0.1', { localAddress: '127.0.0.1' });
    await sixth.waitForEnd();
    expect(sixth.text).toBe('Tincan: your address joined too often just now; try again in a minute.\n');
    expect(refused).toEqual([[sixth.label, 'join-rate']]);
    // another address is not affected
    const neighbour = await r.connect('127.0.0.1', { localAddress: '127.0.0.2' });
    await neighbour.write('unaffected\n');
    await observer.waitForText(frame(neighbour, 'unaffected'));
    const expected = churners.map((c, i) => frame(c, '(connected)') + frame(c, `hi ${i}`) + frame(c, '(disconnected)')).join('') +
      frame(neighbour, '(connected)') + frame(neighbour, 'unaffected');
    expect(observer.text).toBe(expected);
  });
});

describe('ChatServer: line rate', () => {
  it('a sender past its burst is paused, not dropped: every line arrives, in order, at the rate', async () => {
    const r = await room({ maxLinesPerSecond: 50, lineBurst: 10 });
    const flows: [string, string, FlowReason][] = [];
    r.server.on('flow', (client, state, reason) => flows.push([client.peer, state, reason]));
    const observer = await r.connect('127.0.0.1', { localAddress: '127.0.0.9' });
    const sender = await r.connect('127.0.0.1', { localAddress: '127.0.0.1' });
    await observer.waitForText(frame(sender, '(connected)'));
    const started = performance.now();
    await sender.write(Array.from({ length: 60 }, (_, i) => `line ${i}\n`).join(''));
    await observer.waitForText(frame(sender, 'line 59'), 10_000);
    const took = performance.now() - started;
    const heard = observer.lines().filter((line) => line.startsWith(`[${sender.label}] line `));
    expect(heard).toEqual(Array.from({ length: 60 }, (_, i) => `[${sender.label}] line ${i}`));
    // 10 at once, then 50 at 50 a second: at least about a second
    expect(took).toBeGreaterThanOrEqual(900);
    expect(flows.some(([peer, state, reason]) => peer === sender.label && state === 'paused' && reason === 'line-rate')).toBe(true);
    expect(flows.every(([peer]) => peer === sender.label)).toBe(true);
    expect(r.server.stats.linesRelayed).toBe(60);
  });

  it('while paused the server does not read the sender: TCP pushes back on it', async () => {
    const r = await room({ maxLinesPerSecond: 20, lineBurst: 10 });
    const observer = await r.connect('127.0.0.1', { localAddress: '127.0.0.9' });
    const sender = await r.connect('127.0.0.1', { localAddress: '127.0.0.1' });
    await observer.waitForText(frame(sender, '(connected)'));
    // 32 MiB of short lines: more than the kernel buffers between them can hold.
    const chunk = 'x\n'.repeat(64 * 1024);
    for (let i = 0; i < 256; i++) sender.socket.write(chunk);
    await observer.waitForText(frame(sender, 'x'));
    const relayed = r.server.stats.linesRelayed;
    await waitUntil(() => r.server.stats.linesRelayed >= relayed + 10, 'ten more lines at the rate', 5000);
    // Most of it is still on the sender's side: the server only read what it relayed (and a read more).
    expect(sender.socket.writableLength).toBeGreaterThan(16 * 1024 * 1024);
    expect(r.server.stats.linesRelayed).toBeLessThan(200);
  });

  it('a sender that leaves while paused still has all its lines relayed before its (disconnected)', async () => {
    const r = await room({ maxLinesPerSecond: 100, lineBurst: 5 });
    const observer = await r.connect('127.0.0.1', { localAddress: '127.0.0.9' });
    const sender = await r.connect('127.0.0.1', { localAddress: '127.0.0.1' });
    await observer.waitForText(frame(sender, '(connected)'));
    await sender.write(Array.from({ length: 30 }, (_, i) => `bye ${i}\n`).join(''));
    sender.end();
    await observer.waitForText(frame(sender, '(disconnected)'), 10_000);
    const lines = observer.lines().filter((line) => line.startsWith(`[${sender.label}] `));
    expect(lines).toEqual([
      `[${sender.label}] (connected)`,
      ...Array.from({ length: 30 }, (_, i) => `[${sender.label}] bye ${i}`),
      `[${sender.label}] (disconnected)`,
    ]);
  });

  it('the trusted peer (the host\'s own client) is not rate limited', async () => {
    const r = await room({ maxLinesPerSecond: 1, lineBurst: 1, maxConnectionsPerAddress: 1 });
    const observer = await r.connect('127.0.0.1', { localAddress: '127.0.0.9' });
    const host = await r.connect('127.0.0.1', { localAddress: '127.0.0.1' });
    r.server.trustPeer(host.label);
    await host.write(Array.from({ length: 50 }, (_, i) => `host ${i}\n`).join(''));
    await observer.waitForText(frame(host, 'host 49'), 2000);
    // and it does not count against its address
    const neighbour = await r.connect('127.0.0.1', { localAddress: '127.0.0.1' });
    await neighbour.write('me too\n');
    await observer.waitForText(frame(neighbour, 'me too'));
  });
});

describe('ChatServer: what a member cannot fake', () => {
  it('a message that reads as a notice is relayed in quotes: no one can produce the bytes of (connected) or (disconnected)', async () => {
    const r = await room();
    const observer = await r.join();
    const liar = await r.join();
    await observer.waitForLine(`[${liar.label}] (connected)`);
    await liar.write('(disconnected)\n(connected)\n  (disconnected)  \n\u00a0(connected)\n(disconnected) really\n\u200b(disconnected)\n');
    await liar.write('end\n');
    await observer.waitForLine(`[${liar.label}] end`);
    const lines = observer.lines().filter((line) => line.startsWith(`[${liar.label}] `));
    expect(lines).toEqual([
      `[${liar.label}] (connected)`, // the real one
      `[${liar.label}] "(disconnected)"`,
      `[${liar.label}] "(connected)"`,
      `[${liar.label}] "(disconnected)"`,
      `[${liar.label}] "(connected)"`,
      `[${liar.label}] (disconnected) really`,
      `[${liar.label}] "(disconnected)"`,
      `[${liar.label}] end`,
    ]);
    // what a GUI makes of them: messages, never notices
    expect(lines.slice(1).map((line) => parseServerLine(line)?.kind)).toEqual(Array<string>(7).fill('message'));
    expect(r.server.clients().map((c) => c.peer)).toContain(liar.label);
  });

  it('invisible and bidi controls never reach anyone; line separators become spaces', async () => {
    const r = await room();
    const observer = await r.join();
    const a = await r.join();
    await observer.waitForLine(`[${a.label}] (connected)`);
    await a.write('invoice\u202Efdp.exe\nx\u200by\u200c\u200d\u200e\u200fz\na\u2028b\u2029c\n\ufeffbom\n\u2066iso\u2069\u2067late\u2068\n\u202a\u202b\u202c\u202d\n👩‍👩‍👧 family\n');
    await a.write('end\n');
    await observer.waitForLine(`[${a.label}] end`);
    const lines = observer.lines().filter((line) => line.startsWith(`[${a.label}] `)).slice(1);
    expect(lines).toEqual([
      `[${a.label}] invoicefdp.exe`,
      `[${a.label}] xyz`,
      `[${a.label}] a b c`,
      `[${a.label}] bom`,
      `[${a.label}] isolate`,
      // a line of nothing but controls is not sent at all
      `[${a.label}] 👩‍👩‍👧 family`,
      `[${a.label}] end`,
    ]);
    expect(observer.text).not.toMatch(/[\u061c\u200b-\u200c\u200e\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]/u);
  });
});

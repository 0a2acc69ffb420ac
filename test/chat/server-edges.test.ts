/** ChatServer edge cases: undecided openings at end of stream, counts, boundaries, stalls. */
import { describe, expect, it } from 'vitest';
import type { LeaveReason } from '../../main/chat/types';
import { ipv6OrClearError } from '../support/ipv6';
import { RawClient, frame } from '../support/raw-client';
import { useRooms } from '../support/room';

const room = useRooms();

describe('ChatServer: edges', () => {
  it('a client that types "GE" (could be HTTP) and then leaves cleanly is chat: its words are broadcast', async () => {
    const r = await room({ admitDelayMs: 60_000 });
    const a = await r.connect();
    const x = await r.connect();
    await x.write('GE');
    x.end();
    await a.waitForText(frame(x, '(disconnected)'));
    expect(a.text).toBe(frame(x, '(connected)') + frame(x, 'GE') + frame(x, '(disconnected)'));
    expect(r.server.stats.connectionsRejected).toBe(0);
  });

  it('a line of exactly maxLineBytes is one message; one byte more makes two', async () => {
    const r = await room();
    const a = await r.join();
    const exact = 'e'.repeat(8192);
    await a.write(`${exact}\n${exact}f\n`);
    await a.waitForText(frame(a, 'f'));
    expect(a.text).toBe(frame(a, exact) + frame(a, exact) + frame(a, 'f'));
  });

  it('maxLineBytes is honoured when configured', async () => {
    const r = await room({ maxLineBytes: 16 });
    const a = await r.join();
    await a.write('0123456789abcdefXYZ\n');
    await a.waitForText(frame(a, 'XYZ'));
    expect(a.text).toBe(frame(a, '0123456789abcdef') + frame(a, 'XYZ'));
  });

  it('listening on ::, an IPv6 client is shown as [::1]:PORT and an IPv4 one as plain IPv4', async () => {
    if (!(await ipv6OrClearError())) return; // no ::1 here: the server said so clearly
    const r = await room({}, '::');
    const v4 = await r.join('127.0.0.1');
    const v6 = await r.join('::1');
    await v4.waitForText(`[[::1]:${v6.socket.localPort}] (connected)\n`);
    await v4.write('mixed\n');
    await v6.waitForText(`[127.0.0.1:${v4.socket.localPort}] mixed\n`);
    expect(v6.text).toBe(`[127.0.0.1:${v4.socket.localPort}] mixed\n`);
  });

  it('stats.clientsNow counts the people in the room, like clients() (not connections still being sniffed)', async () => {
    const r = await room({ admitDelayMs: 60_000 });
    const a = await r.connect();
    await a.write('in\n');
    await a.waitForText(frame(a, 'in'));
    await r.connect(); // a silent one
    // accepted in order: once the third (talking) client is announced, the silent one has been accepted too
    const b = await r.connect();
    await b.write('me too\n');
    await a.waitForText(frame(b, 'me too'));
    expect(r.server.clients().map((c) => c.peer)).toEqual([a.label, b.label]);
    expect(r.server.stats.clientsNow).toBe(r.server.clients().length);
  });

  it('while reading is paused for the output budget, a client that takes nothing at all is cut and the room goes on', async () => {
    const r = await room({ outputBudgetBytes: 64 * 1024, maxClientOutputBytes: 256 * 1024 * 1024 });
    const leaves: [string, LeaveReason][] = [];
    r.server.on('leave', (c, reason) => leaves.push([c.peer, reason]));
    const reader = await r.join();
    const flooder = await r.join();
    const stuck = await r.join();
    stuck.socket.pause();
    const count = 16 * 1024;
    const body = (i: number) => `${i}:${'w'.repeat(1000)}`;
    const writing = (async () => {
      for (let i = 0; i < count; i += 256) {
        const lines: string[] = [];
        for (let j = i; j < i + 256; j++) lines.push(`${body(j)}\n`);
        await flooder.write(lines.join(''));
      }
    })();
    await writing;
    await reader.waitForText(frame(flooder, body(count - 1)), 20_000);
    expect(leaves).toEqual([[stuck.label, 'slow']]);
    expect(r.server.stats.slowClientsCut).toBe(1);
    const heard = reader.lines().filter((l) => l.includes(':www'));
    expect(heard.length).toBe(count);
    expect(reader.text).toContain(frame(stuck, '(disconnected)'));
  });

  it('a late (connected) notice goes only to those who were there when the newcomer arrived', async () => {
    const r = await room({ admitDelayMs: 60_000 });
    const o = await r.connect();
    await o.write('o\n');
    await o.waitForText(frame(o, 'o'));
    const a = await RawClient.connect(r.port); // silent: not announced yet
    r.clients.push(a);
    const b = await r.connect();
    await b.write('b\n');
    await o.waitForText(frame(b, 'b'));
    await a.waitForText(frame(b, 'b'));
    await a.write('a\n');
    await o.waitForText(frame(a, 'a'));
    await b.waitForText(frame(a, 'a'));
    await a.waitForText(frame(a, 'a'));
    expect(o.text).toBe(frame(o, 'o') + frame(b, '(connected)') + frame(b, 'b') + frame(a, '(connected)') + frame(a, 'a'));
    // a was already there when b arrived: it hears b's notice, b never hears a's
    expect(a.text).toBe(frame(b, '(connected)') + frame(b, 'b') + frame(a, 'a'));
    expect(b.text).toBe(frame(b, 'b') + frame(a, 'a'));
  });
});

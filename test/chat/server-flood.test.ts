/** ChatServer under a flood: a reader that never reads is cut; everyone else hears everything. */
import { describe, expect, it } from 'vitest';
import type { LeaveReason } from '../../main/chat/types';
import { RawClient } from '../support/raw-client';
import { useRooms } from '../support/room';
import { waitUntil } from '../support/wait';

const room = useRooms();

describe('ChatServer: slow clients', () => {
  it('a client that never reads is cut while another floods; the others get every message and its (disconnected)', async () => {
    const r = await room({ maxClientOutputBytes: 64 * 1024 });
    const leaves: [string, LeaveReason][] = [];
    r.server.on('leave', (c, reason) => leaves.push([c.peer, reason]));

    const reader = await r.join();
    const flooder = await r.join();
    const stuck = await RawClient.connect(r.port);
    stuck.socket.pause(); // never reads again
    r.clients.push(stuck);
    await reader.waitForLine(`[${stuck.label}] (connected)`);

    // 16 MiB in 1000-byte lines: far more than the kernel buffers of the stuck socket can hold
    const count = 16 * 1024;
    const body = (i: number) => `${String(i).padStart(6, '0')}:${'x'.repeat(992)}`;
    for (let i = 0; i < count; i += 256) {
      const lines: string[] = [];
      for (let j = i; j < i + 256; j++) lines.push(`${body(j)}\n`);
      await flooder.write(lines.join(''));
    }
    const last = `[${flooder.label}] ${body(count - 1)}`;
    await reader.waitForLine(last, 20_000);
    await flooder.waitForLine(last, 20_000);

    expect(r.server.stats.slowClientsCut).toBe(1);
    expect(leaves).toEqual([[stuck.label, 'slow']]);
    for (const c of [reader, flooder]) {
      const lines = c.lines();
      const isFlood = (l: string) => /^\[[^\]]+\] \d{6}:x+$/.test(l);
      const mine = lines.filter(isFlood);
      expect(mine.length).toBe(count);
      for (let i = 0; i < count; i++) {
        if (mine[i] !== `[${flooder.label}] ${body(i)}`) throw new Error(`message ${i} missing or out of order at ${c.label}: ${mine[i]?.slice(0, 40)}`);
      }
      const notices = lines.filter((l) => !isFlood(l));
      expect(notices).toEqual([
        ...(c === reader ? [`[${flooder.label}] (connected)`] : []),
        `[${stuck.label}] (connected)`,
        `[${stuck.label}] (disconnected)`,
      ]);
    }
    // the stuck client's connection is gone
    stuck.socket.resume();
    await stuck.waitForClose(5000);
    expect(r.server.stats.clientsNow).toBe(2);
  });

  it('with a small output budget the server pushes back on the flooder instead of buffering, and loses nothing', async () => {
    const r = await room({ outputBudgetBytes: 64 * 1024, maxClientOutputBytes: 32 * 1024 * 1024 });
    const reader = await r.join();
    const flooder = await r.join();
    reader.socket.pause();
    const count = 8 * 1024;
    const body = (i: number) => `${i}:${'y'.repeat(500)}`;
    const writing = (async () => {
      for (let i = 0; i < count; i += 128) {
        const lines: string[] = [];
        for (let j = i; j < i + 128; j++) lines.push(`${body(j)}\n`);
        await flooder.write(lines.join(''));
      }
    })();
    // the reader is slow but not stuck: it reads a little at a time
    const slowRead = setInterval(() => {
      reader.socket.resume();
      setImmediate(() => reader.socket.pause());
    }, 5);
    try {
      await writing;
      reader.socket.resume();
      const last = `[${flooder.label}] ${body(count - 1)}`;
      await reader.waitForLine(last, 20_000);
    } finally {
      clearInterval(slowRead);
    }
    const mine = reader.lines().filter((l) => l.startsWith(`[${flooder.label}] `) && l.includes(':y'));
    expect(mine).toEqual(Array.from({ length: count }, (_, i) => `[${flooder.label}] ${body(i)}`));
    expect(r.server.stats.slowClientsCut).toBe(0);
    await waitUntil(() => r.server.stats.clientsNow === 2, 'both still connected');
  });
});

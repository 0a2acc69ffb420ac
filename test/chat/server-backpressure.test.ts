/**
 * Fair backpressure over real sockets: clients that do not read never slow anyone else, an
 * honest slow reader is not cut, and shared output is counted once. Source addresses are
 * distinct loopback addresses (127.0.0.66 is "the attacker's machine").
 */
import { describe, expect, it } from 'vitest';
import type { FlowReason, LeaveReason } from '../../main/chat/types';
import { useCleanup } from '../support/cleanup';
import { type RawClient, frame } from '../support/raw-client';
import { type TestRoom, useRooms } from '../support/room';
import { waitUntil } from '../support/wait';

const room = useRooms();
const defer = useCleanup();

const ATTACKER = '127.0.0.66';

interface Watch {
  flows: { peer: string; state: 'paused' | 'resumed'; reason: FlowReason }[];
  leaves: [string, LeaveReason][];
}

function watch(r: TestRoom): Watch {
  const w: Watch = { flows: [], leaves: [] };
  r.server.on('flow', (client, state, reason) => w.flows.push({ peer: client.peer, state, reason }));
  r.server.on('leave', (client, reason) => w.leaves.push([client.peer, reason]));
  return w;
}

/** `count` clients from `address` that never read a byte. */
async function nonReaders(r: TestRoom, count: number, address = ATTACKER): Promise<RawClient[]> {
  const clients: RawClient[] = [];
  for (let i = 0; i < count; i++) {
    const client = await r.connect('127.0.0.1', { localAddress: address });
    client.socket.pause();
    clients.push(client);
  }
  return clients;
}

/**
 * Writes up to `lines` lines of ~1000 bytes, 64 to a write, until `until()` says stop;
 * returns how many. With `perSecond`, at most that many lines a second, otherwise as fast as
 * the socket takes them.
 */
async function flood(client: RawClient, lines: number, options: { until?: () => boolean; perSecond?: number } = {}, tag = 'f'): Promise<number> {
  const socket = client.socket;
  const started = performance.now();
  let sent = 0;
  while (sent < lines && !(options.until?.() ?? false)) {
    const batch: string[] = [];
    for (let j = sent; j < Math.min(lines, sent + 64); j++) batch.push(`${tag}${j}:${'z'.repeat(990)}\n`);
    sent += batch.length;
    if (!socket.write(batch.join(''))) await new Promise((resolve) => socket.once('drain', resolve));
    if (options.perSecond !== undefined) {
      const due = started + (sent * 1000) / options.perSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  await client.write('');
  return sent;
}

const floodLines = (client: RawClient, tag = 'f') => client.lines().filter((line) => line.includes(`] ${tag}`) && line.endsWith('zzz'));

describe('ChatServer: the pause attack', () => {
  it('80 clients that never read (reconnecting when cut) and one that floods leave an honest pair alone', async () => {
    const r = await room();
    const w = watch(r);
    const alice = await r.connect('127.0.0.1', { localAddress: '127.0.0.1' });
    const bob = await r.connect('127.0.0.1', { localAddress: '127.0.0.2' });
    const attackers = await nonReaders(r, 80);
    const stuck = new Set(attackers.map((c) => c.label));
    const flooder = await r.connect('127.0.0.1', { localAddress: ATTACKER });
    await waitUntil(() => r.server.stats.clientsNow === 83, 'everyone to join');
    // For 3 s the attacker floods, and opens a new client that never reads for each one cut.
    const started = performance.now();
    const attacking = () => performance.now() - started < 3000;
    let reconnects = 0;
    r.server.on('leave', (client, reason) => {
      if (!attacking() || reason !== 'slow' || !stuck.has(client.peer)) return;
      reconnects++;
      void nonReaders(r, 1).then(([again]) => {
        attackers.push(again!);
        stuck.add(again!.label);
      }, () => undefined);
    });

    // 48 MiB to everyone, 64 KiB at a time: far past what the kernel holds for each of the
    // 80, and faster than a reader in this process takes it.
    // 32 MB/s: faster than kernel buffers fill the 80, slow enough for one process to read.
    const flooded = flood(flooder, 96 * 1024, { until: () => !attacking(), perSecond: 32 * 1024 });
    // Meanwhile Alice pings Bob, one line at a time, and times each.
    let worstMs = 0;
    let pings = 0;
    while (attacking() || pings < 50) {
      const pinged = performance.now();
      await alice.write(`ping ${pings}\n`);
      await bob.waitForText(frame(alice, `ping ${pings}`), 10_000);
      worstMs = Math.max(worstMs, performance.now() - pinged);
      pings++;
    }
    // The attack is over: the attacker's clients that are left go away, its last lines drain.
    for (const attacker of attackers) attacker.destroy();
    const FLOOD_LINES = await flooded;
    const last = frame(flooder, `f${FLOOD_LINES - 1}:${'z'.repeat(990)}`);
    await alice.waitForText(last, 20_000);
    await bob.waitForText(last, 20_000);

    // Nothing lost, nothing reordered, for either honest client.
    for (const honest of [alice, bob]) {
      const heardFlood = floodLines(honest).map((line) => line.slice(line.indexOf('] ') + 2).split(':')[0]);
      expect(heardFlood.length).toBe(FLOOD_LINES);
      expect(heardFlood.every((tag, i) => tag === `f${i}`)).toBe(true);
      const heard = honest.lines().filter((line) => line.startsWith(`[${alice.label}] ping `));
      expect(heard).toEqual(Array.from({ length: pings }, (_, i) => `[${alice.label}] ping ${i}`));
    }
    // The honest pair was never paused, never cut; only the attacker's clients were cut.
    expect(w.flows.filter((f) => f.peer !== flooder.label)).toEqual([]);
    const cut = w.leaves.filter(([, reason]) => reason === 'slow').map(([peer]) => peer);
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.every((peer) => stuck.has(peer))).toBe(true);
    expect(w.leaves.some(([peer]) => peer === alice.label || peer === bob.label || peer === flooder.label)).toBe(false);
    expect(alice.closed || bob.closed).toBe(false);
    // A generous bound: a room-wide pause (the old behaviour) stalled everyone for ~2 s.
    expect(worstMs, `worst of ${pings} pings during a flood of ${FLOOD_LINES} lines (${reconnects} reconnects)`).toBeLessThan(1000);
  });

  it('a reader on a slow link is not cut while one that never reads is; the flood waits for the slow one', async () => {
    const r = await room({ maxClientOutputBytes: 64 * 1024 });
    const w = watch(r);
    const slow = await r.connect('127.0.0.1', { localAddress: '127.0.0.1' });
    const stuck = (await nonReaders(r, 1, '127.0.0.2'))[0]!;
    const flooder = await r.connect('127.0.0.1', { localAddress: ATTACKER });
    await waitUntil(() => r.server.stats.clientsNow === 3, 'everyone to join');
    // The slow reader takes one read (≤ 64 KiB) every 10 ms: a few MB a second, well below the flood.
    slow.socket.pause();
    const trickle = setInterval(() => {
      slow.socket.once('data', () => slow.socket.pause());
      slow.socket.resume();
    }, 10);
    defer(() => clearInterval(trickle));

    // More than the kernel holds for the one that never reads, so it passes its limit.
    const FLOOD_LINES = 16 * 1024;
    await flood(flooder, FLOOD_LINES);
    await waitUntil(() => w.leaves.some(([peer]) => peer === stuck.label), 'the client that never reads to be cut', 15_000);
    clearInterval(trickle);
    slow.socket.resume();
    await slow.waitForText(frame(flooder, `f${FLOOD_LINES - 1}:${'z'.repeat(990)}`), 20_000);

    expect(w.leaves).toEqual([[stuck.label, 'slow']]);
    expect(floodLines(slow)).toHaveLength(FLOOD_LINES);
    // While the slow reader lagged, the flooder (and only it) was paused: TCP pushed back on it.
    const pausedPeers = new Set(w.flows.filter((f) => f.state === 'paused').map((f) => f.peer));
    expect([...pausedPeers]).toEqual([flooder.label]);
    expect(w.flows.filter((f) => f.state === 'paused').every((f) => f.reason === 'backpressure')).toBe(true);
  });

  it('a turn sent to many clients that do not read is counted once against the output budget', async () => {
    // 8 clients that never read and a 12 MiB flood: counted per socket that is up to
    // 8 × 12 MiB queued, far past a 16 MiB budget; counted as memory (each turn once) it is
    // at most 12 MiB, within it. So nobody is paused or cut (each may queue 32 MiB).
    const r = await room({ outputBudgetBytes: 16 * 1024 * 1024, maxClientOutputBytes: 32 * 1024 * 1024 });
    const w = watch(r);
    const reader = await r.connect('127.0.0.1', { localAddress: '127.0.0.1' });
    await nonReaders(r, 8);
    const flooder = await r.connect('127.0.0.1', { localAddress: '127.0.0.3' });
    await waitUntil(() => r.server.stats.clientsNow === 10, 'everyone to join');
    const FLOOD_LINES = 12 * 1024;
    await flood(flooder, FLOOD_LINES);
    await reader.waitForText(frame(flooder, `f${FLOOD_LINES - 1}:${'z'.repeat(990)}`), 20_000);
    expect(w.flows).toEqual([]);
    expect(w.leaves).toEqual([]);
    expect(floodLines(reader)).toHaveLength(FLOOD_LINES);
  });
});

/**
 * ChatServer with a sequencer (main/chat/sequencer.ts): the order is the sequencer's. The
 * sequencer here is the smallest real one — a single-node "cluster" that hands every event
 * back in order, with holds and injected events from imaginary other nodes — so the tests can
 * choose an order different from arrival and see that the server follows it.
 */
import { describe, expect, it } from 'vitest';
import { prefixFor } from '../../main/chat/protocol';
import type { RoomSequencer, SequencedRoom } from '../../main/chat/sequencer';
import { RawClient, frame } from '../support/raw-client';
import { useRooms } from '../support/room';
import { nextTurn, waitUntil } from '../support/wait';

class LoopbackSequencer implements RoomSequencer {
  room!: SequencedRoom;
  /** What the server handed over, in order. */
  readonly received: string[] = [];
  private readonly peers = new Map<number, string>();
  private readonly queue: Array<() => void> = [];
  private held = false;
  private scheduled = false;

  attach(room: SequencedRoom): void {
    this.room = room;
  }

  join(client: number, peer: string): void {
    this.received.push(`join ${peer}`);
    this.peers.set(client, peer);
    this.push(() => this.room.deliverJoin(prefixFor(peer), client));
  }

  line(client: number, text: Buffer): void {
    const peer = this.peers.get(client)!;
    this.received.push(`line ${peer} ${text.toString()}`);
    const copy = Buffer.from(text);
    this.push(() => this.room.deliverLine(prefixFor(peer), copy));
  }

  leave(client: number): void {
    const peer = this.peers.get(client)!;
    this.received.push(`leave ${peer}`);
    this.push(() => this.room.deliverLeave(prefixFor(peer), client));
  }

  /** An event from another node. */
  remote(event: () => void): void {
    this.push(event);
  }

  /** Keep everything until release(), which may reorder what was held. */
  hold(): void {
    this.held = true;
  }

  release(reorder?: (queue: Array<() => void>) => void): void {
    this.held = false;
    reorder?.(this.queue);
    this.schedule();
  }

  private push(event: () => void): void {
    this.queue.push(event);
    this.schedule();
  }

  private schedule(): void {
    if (this.held || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const event of this.queue.splice(0)) event();
    });
  }
}

const room = useRooms();

async function said(client: RawClient, text: string): Promise<void> {
  await client.write(`${text}\n`);
  await client.waitForText(frame(client, text));
}

describe('ChatServer with a sequencer', () => {
  it('a client hears nothing until its join comes back, then everything after it; its own line only in order', async () => {
    const sequencer = new LoopbackSequencer();
    const { join } = await room({ sequencer });
    sequencer.hold();
    const a = await join();
    await a.write('typed before my join came back\n');
    await waitUntil(() => sequencer.received.length === 2, 'the join and the line to reach the sequencer');
    sequencer.remote(() => sequencer.room.deliverLine(prefixFor('10.9.9.9:1'), Buffer.from('said elsewhere, before a joined')));
    await nextTurn();
    expect(a.byteLength).toBe(0);
    sequencer.release((queue) => queue.unshift(queue.pop()!)); // the remote line comes first
    await a.waitForText(frame(a, 'typed before my join came back'));
    expect(a.text).toBe(frame(a, 'typed before my join came back'));
    expect(sequencer.received).toEqual([`join ${a.label}`, `line ${a.label} typed before my join came back`]);

    sequencer.hold();
    await a.write('mine\n');
    await waitUntil(() => sequencer.received.length === 3, 'the line to reach the sequencer');
    sequencer.remote(() => sequencer.room.deliverLine(prefixFor('10.9.9.9:1'), Buffer.from('theirs')));
    sequencer.release((queue) => queue.reverse());
    await a.waitForText(frame(a, 'mine'));
    expect(a.text).toBe(frame(a, 'typed before my join came back') + frame('10.9.9.9:1', 'theirs') + frame(a, 'mine'));
  });

  it('(connected) goes to those whose join came first in the sequencer\'s order, not in order of arrival', async () => {
    const sequencer = new LoopbackSequencer();
    const { join } = await room({ sequencer });
    sequencer.hold();
    const first = await join();
    const second = await join();
    await waitUntil(() => sequencer.received.length === 2, 'both joins to reach the sequencer');
    sequencer.release((queue) => queue.reverse()); // the second to arrive joins first
    await said(first, 'one');
    await said(second, 'two');
    await first.waitForText(frame(second, 'two'));
    expect(second.text).toBe(frame(first, '(connected)') + frame(first, 'one') + frame(second, 'two'));
    expect(first.text).toBe(frame(first, 'one') + frame(second, 'two'));
  });

  it('cleans lines from the sequencer like a client\'s: no escapes, no forged lines, bounded', async () => {
    const sequencer = new LoopbackSequencer();
    const { join } = await room({ sequencer, maxLineBytes: 32 });
    const a = await join();
    await said(a, 'here');
    const other = prefixFor('10.9.9.9:1');
    sequencer.remote(() => {
      sequencer.room.deliverLine(other, Buffer.from('\x1b]0;pwned\x07\x1b[2Jclean'));
      sequencer.room.deliverLine(other, Buffer.from('a\r\n[6.6.6.6:6] (connected)'));
      sequencer.room.deliverLine(other, Buffer.from(' \t '));
      sequencer.room.deliverLine(other, Buffer.from(`${'x'.repeat(32)}XYZ`));
      sequencer.room.deliverNotice('Tincan: a notice');
    });
    await a.waitForText('Tincan: a notice\n');
    expect(a.text).toBe(
      frame(a, 'here') +
        frame('10.9.9.9:1', 'clean') +
        frame('10.9.9.9:1', 'a') +
        frame('10.9.9.9:1', '[6.6.6.6:6] (connected)') +
        frame('10.9.9.9:1', 'x'.repeat(32)) +
        frame('10.9.9.9:1', 'XYZ') +
        'Tincan: a notice\n',
    );
  });

  it('a client that half-closes gets what was said before its departure, not its own notice', async () => {
    const sequencer = new LoopbackSequencer();
    const { join, port } = await room({ sequencer });
    const stays = await join();
    await said(stays, 'hello');
    const goes = await RawClient.connect(port);
    await goes.write('last words\n');
    goes.end();
    await goes.waitForEnd();
    await stays.waitForText(frame(goes, '(disconnected)'));
    expect(goes.text).toBe(frame(goes, 'last words'));
    expect(stays.text).toBe(frame(stays, 'hello') + frame(goes, '(connected)') + frame(goes, 'last words') + frame(goes, '(disconnected)'));
    expect(sequencer.received.slice(-3)).toEqual([`join ${goes.label}`, `line ${goes.label} last words`, `leave ${goes.label}`]);
    goes.destroy();
  });

  it('a client that resets is gone at once; its departure is shown when it comes back', async () => {
    const sequencer = new LoopbackSequencer();
    const { join } = await room({ sequencer });
    const stays = await join();
    const goes = await join();
    await said(goes, 'bye');
    sequencer.hold();
    goes.destroy();
    await waitUntil(() => sequencer.received.at(-1) === `leave ${goes.label}`, 'the departure to reach the sequencer');
    await nextTurn();
    expect(stays.text).not.toContain('(disconnected)');
    sequencer.release();
    await stays.waitForText(frame(goes, '(disconnected)'));
  });

  it('pauseIntake stops reading clients until resumed, and newcomers start paused', async () => {
    const sequencer = new LoopbackSequencer();
    const { join, server } = await room({ sequencer });
    const a = await join();
    await said(a, 'before');
    sequencer.room.pauseIntake(true);
    await a.write('during\n');
    const late = await join();
    await late.write('late\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sequencer.received.filter((event) => event.startsWith('line'))).toEqual([`line ${a.label} before`]);
    expect(server.stats.linesRelayed).toBe(1);
    sequencer.room.pauseIntake(false);
    await a.waitForText(frame(a, 'during'));
    await a.waitForText(frame(late, 'late'));
  });

  it('evictAll tells every client and closes them; close() hands every departure to the sequencer', async () => {
    const sequencer = new LoopbackSequencer();
    const { join, server } = await room({ sequencer });
    const a = await join();
    const b = await join();
    await said(a, 'x');
    await b.waitForText(frame(a, 'x'));
    sequencer.room.evictAll('Tincan: gone');
    await a.waitForEnd();
    await b.waitForEnd();
    expect(a.text.endsWith('Tincan: gone\n')).toBe(true);
    expect(b.text.endsWith('Tincan: gone\n')).toBe(true);
    expect(server.stats.clientsNow).toBe(0);

    const c = await join();
    await said(c, 'y');
    await server.close();
    expect(sequencer.received.at(-1)).toBe(`leave ${c.label}`);
  });
});


const IAC = 0xff;
const WILL = 0xfb;
const DO = 0xfd;
/** What PuTTY and Windows telnet send on connect. */
const TELNET_HELLO = Buffer.from([IAC, DO, 0x03, IAC, WILL, 0x18]);
const crlf = (text: string) => text.replaceAll('\n', '\r\n');

describe('ChatServer with a sequencer: the hostile-room rules hold', () => {
  it('lines from the sequencer that read as a notice are quoted, and lose invisible and bidi controls; so do a local client\'s', async () => {
    const sequencer = new LoopbackSequencer();
    const { join } = await room({ sequencer });
    const a = await join();
    await a.write('(connected)\n');
    await a.waitForText(frame(a, '"(connected)"'));
    expect(sequencer.received.at(-1)).toBe(`line ${a.label} "(connected)"`);
    const other = prefixFor('10.9.9.9:1');
    sequencer.remote(() => {
      sequencer.room.deliverLine(other, Buffer.from('(disconnected)'));
      sequencer.room.deliverLine(other, Buffer.from('  (connected) '));
      sequencer.room.deliverLine(other, Buffer.from('invoice\u202Efdp.exe, zero\u200Bwidth'));
      sequencer.room.deliverLine(other, Buffer.from('one\u2028two'));
      sequencer.room.deliverLine(other, Buffer.from('end'));
    });
    await a.waitForText(frame('10.9.9.9:1', 'end'));
    expect(a.text).toBe(
      frame(a, '"(connected)"') +
        frame('10.9.9.9:1', '"(disconnected)"') +
        frame('10.9.9.9:1', '"(connected)"') +
        frame('10.9.9.9:1', 'invoicefdp.exe, zerowidth') +
        frame('10.9.9.9:1', 'one two') +
        frame('10.9.9.9:1', 'end'),
    );
  });

  it('a telnet client reads the sequencer\'s turns with CR LF; a plain client on the same server keeps LF byte for byte', async () => {
    const sequencer = new LoopbackSequencer();
    const { join } = await room({ sequencer });
    const plain = await join();
    const telnet = await join();
    await telnet.write(TELNET_HELLO);
    await telnet.write('hi from putty\r\n');
    await telnet.waitForText(crlf(frame(telnet, 'hi from putty')));
    sequencer.remote(() => {
      sequencer.room.deliverLine(prefixFor('10.9.9.9:1'), Buffer.from('from elsewhere'));
      sequencer.room.deliverLeave(prefixFor('10.9.9.9:1'), -1);
    });
    await telnet.waitForText(crlf(frame('10.9.9.9:1', '(disconnected)')));
    await plain.waitForText(frame('10.9.9.9:1', '(disconnected)'));
    expect(telnet.text).toBe(crlf(frame(telnet, 'hi from putty') + frame('10.9.9.9:1', 'from elsewhere') + frame('10.9.9.9:1', '(disconnected)')));
    expect(plain.text).toBe(
      frame(telnet, '(connected)') + frame(telnet, 'hi from putty') + frame('10.9.9.9:1', 'from elsewhere') + frame('10.9.9.9:1', '(disconnected)'),
    );
    expect(plain.bytes.includes(0x0d)).toBe(false);
  });

  it('the per-address limit and the line rate apply here: a refused connection never reaches the sequencer; a fast sender is paused, and every line gets there in order', async () => {
    const sequencer = new LoopbackSequencer();
    const r = await room({ sequencer, maxConnectionsPerAddress: 2, maxLinesPerSecond: 20, lineBurst: 5 });
    const refused: string[] = [];
    const flows: string[] = [];
    r.server.on('refused', (peer, reason) => refused.push(`${peer} ${reason}`));
    r.server.on('flow', (client, state, reason) => flows.push(`${client.peer} ${state} ${reason}`));
    const a = await r.join();
    const b = await r.join();
    const third = await r.connect();
    await third.waitForEnd();
    expect(third.text).toBe('Tincan: too many connections from your address; close one and try again.\n');
    expect(refused).toEqual([`${third.label} address-limit`]);
    expect(sequencer.received.filter((event) => event.startsWith('join'))).toEqual([`join ${a.label}`, `join ${b.label}`]);

    const texts = Array.from({ length: 25 }, (_, i) => `n${i}`);
    await a.write(texts.map((text) => `${text}\n`).join(''));
    await b.waitForText(frame(a, 'n24'));
    expect(flows).toContain(`${a.label} paused line-rate`);
    expect(sequencer.received.filter((event) => event.startsWith(`line ${a.label}`))).toEqual(texts.map((text) => `line ${a.label} ${text}`));
    expect(b.lines().filter((line) => line.startsWith(`[${a.label}] n`))).toEqual(texts.map((text) => `[${a.label}] ${text}`));
  });

  it('a flood into the sequencer is bounded per turn: one sender hands it at most its turn share per event-loop turn', async () => {
    const sequencer = new LoopbackSequencer();
    const { join } = await room({ sequencer });
    const flooder = await join();
    const watcher = await join();
    let bytesThisTurn = 0;
    let most = 0;
    let total = 0;
    const handOver = sequencer.line.bind(sequencer);
    sequencer.line = (client, text) => {
      bytesThisTurn += text.length + 1;
      total += text.length + 1;
      handOver(client, text);
    };
    let measuring = true;
    const turn = () => {
      most = Math.max(most, bytesThisTurn);
      bytesThisTurn = 0;
      if (measuring) setImmediate(turn);
    };
    setImmediate(turn);
    const LINES = 4096;
    const flood = Array.from({ length: LINES }, (_, i) => `f${i}:${'z'.repeat(1000)}\n`).join('');
    await flooder.write(flood);
    await watcher.waitForText(frame(flooder, `f${LINES - 1}:${'z'.repeat(1000)}`), 20_000);
    measuring = false;
    expect(total).toBe(Buffer.byteLength(flood)); // every line (counted with its newline) got there
    // The share is 64 KiB; the read that crosses it (≤ 64 KiB) is still decoded.
    expect(most).toBeLessThanOrEqual(2 * 64 * 1024 + 1024);
  });

  it('outputBlocked while the server\'s output is over its budget; onOutputFlowing once it drained', async () => {
    const sequencer = new LoopbackSequencer();
    const { join } = await room({ sequencer, outputBudgetBytes: 64 * 1024, maxClientOutputBytes: 32 * 1024 * 1024 });
    const reader = await join();
    await said(reader, 'in the room');
    let flowing = 0;
    sequencer.room.onOutputFlowing(() => flowing++);
    reader.socket.pause();
    // What a cluster does: deliver the stream while the output is not blocked.
    const other = prefixFor('10.9.9.9:1');
    let delivered = 0;
    while (!sequencer.room.outputBlocked() && delivered < 64 * 1024) {
      for (let i = 0; i < 64; i++) sequencer.room.deliverLine(other, Buffer.from(`r${delivered++}:${'y'.repeat(1000)}`));
      sequencer.room.flush();
      await nextTurn();
    }
    expect(sequencer.room.outputBlocked()).toBe(true);
    expect(flowing).toBe(0);
    reader.socket.resume();
    await waitUntil(() => flowing === 1, 'the output to flow again');
    expect(sequencer.room.outputBlocked()).toBe(false);
    await reader.waitForText(frame('10.9.9.9:1', `r${delivered - 1}:${'y'.repeat(1000)}`));
    expect(reader.lines().filter((line) => line.startsWith('[10.9.9.9:1] r'))).toHaveLength(delivered);
  });

  it('a client that never reads is cut as too slow, an honest reader is not; the local flood waits while it lags', async () => {
    const sequencer = new LoopbackSequencer();
    const r = await room({ sequencer, maxClientOutputBytes: 64 * 1024 });
    const leaves: string[] = [];
    const paused = new Set<string>();
    r.server.on('leave', (client, reason) => leaves.push(`${client.peer} ${reason}`));
    r.server.on('flow', (client, state, reason) => {
      if (state === 'paused') paused.add(`${client.peer} ${reason}`);
    });
    const reader = await RawClient.connect(r.port, '127.0.0.1', { localAddress: '127.0.0.1' });
    const stuck = await RawClient.connect(r.port, '127.0.0.1', { localAddress: '127.0.0.2' });
    const flooder = await RawClient.connect(r.port, '127.0.0.1', { localAddress: '127.0.0.66' });
    r.clients.push(reader, stuck, flooder);
    stuck.socket.pause();
    await waitUntil(() => r.server.stats.clientsNow === 3, 'everyone to join');
    await said(reader, 'in the room');
    await waitUntil(() => sequencer.received.length === 4, 'the joins and the line to reach the sequencer');
    const LINES = 16 * 1024;
    await flooder.write(Array.from({ length: LINES }, (_, i) => `f${i}:${'z'.repeat(990)}\n`).join(''));
    await reader.waitForText(frame(flooder, `f${LINES - 1}:${'z'.repeat(990)}`), 30_000);
    await waitUntil(() => leaves.length > 0, 'the client that never reads to be cut', 15_000);
    expect(leaves).toEqual([`${stuck.label} slow`]);
    expect(reader.lines().filter((line) => line.startsWith(`[${flooder.label}] f`))).toHaveLength(LINES);
    expect([...paused].every((entry) => entry.startsWith(`${flooder.label} `))).toBe(true);
  });
});

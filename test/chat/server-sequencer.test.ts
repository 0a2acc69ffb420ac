/**
 * ChatServer with a sequencer (main/chat/sequencer.ts): the order is the sequencer's. The
 * sequencer here is the smallest real one — a single-node "cluster" that hands every event
 * back in order, with holds and injected events from imaginary other nodes — so the tests can
 * choose an order different from arrival and see that the server follows it.
 */
import { describe, expect, it } from 'vitest';
import { prefixFor, type RoomSequencer, type SequencedRoom } from '../../main/chat/sequencer';
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


/**
 * ClusterRoom on its own (no ChatServer), against a real redis-server: its bounds. The room it
 * drives records what it is told; it is a complete SequencedRoom, only without sockets.
 */
import { describe, expect, it } from 'vitest';
import type { SequencedRoom } from '../../main/chat/sequencer';
import { ClusterRoom, MAX_TRACKED_NODES, OUTBOUND_BUDGET_BYTES, READ_BYTES, TURN_BYTES } from '../../main/headless/cluster/cluster-room';
import { parseClusterUrl } from '../../main/headless/cluster/options';
import { NAMES_FULL_LINE } from '../../main/chat/server-lines';
import { useCleanup } from '../support/cleanup';
import { useCluster } from '../support/cluster';
import { Signal, waitUntil } from '../support/wait';

class RecordingRoom implements SequencedRoom {
  readonly lines: string[] = [];
  /** The first 8 bytes of each line's text. */
  readonly heads: string[] = [];
  readonly joins: string[] = [];
  readonly intake: boolean[] = [];
  /** Lines delivered in each turn (between two flushes). */
  readonly turns: number[] = [];
  private linesBefore = 0;
  readonly changed = new Signal();
  /** The server's output is over its budget: always, or once this many lines were delivered. */
  blocked = false;
  blockAtLines: number | null = null;
  private flowing: (() => void) | null = null;

  deliverJoin(prefix: Buffer): void {
    this.joins.push(prefix.toString());
    this.changed.notify();
  }
  deliverLine(prefix: Buffer, text: Buffer): void {
    this.lines.push(`${prefix.toString()}${text.length}`);
    this.heads.push(text.subarray(0, 8).toString());
    this.changed.notify();
  }
  deliverLeave(): void {}
  deliverNotice(): void {
    this.changed.notify();
  }
  flush(): void {
    this.turns.push(this.lines.length - this.linesBefore);
    this.linesBefore = this.lines.length;
    this.changed.notify();
  }
  pauseIntake(paused: boolean): void {
    this.intake.push(paused);
    this.changed.notify();
  }
  outputBlocked(): boolean {
    return this.blocked || (this.blockAtLines !== null && this.lines.length >= this.blockAtLines);
  }
  onOutputFlowing(listener: () => void): void {
    this.flowing = listener;
  }
  /** The output drained: unblock and tell the sequencer. */
  flow(blockAtLines: number | null = null): void {
    this.blocked = false;
    this.blockAtLines = blockAtLines;
    this.flowing?.();
  }
  evictAll(): void {}
  /** Lines for one client alone (say, a refused name), as `client: line`. */
  readonly told: string[] = [];
  tell(client: number, lines: string[]): void {
    for (const line of lines) this.told.push(`${client}: ${line}`);
    this.changed.notify();
  }
  renamed(): void {}
  readonly replayLimits = null;
  deliverHistory(): void {}
}

const cluster = useCluster();
const defer = useCleanup();

async function join(url: string, maxLineBytes?: number, maxNamesPerNode?: number): Promise<{ room: RecordingRoom; node: ClusterRoom }> {
  const room = new RecordingRoom();
  const node = new ClusterRoom({ target: parseClusterUrl(url), room: 'tincan', maxLineBytes, maxNamesPerNode, log: () => {} });
  node.attach(room);
  defer(() => node.close());
  await node.start();
  return { room, node };
}

describe('ClusterRoom bounds', () => {
  it(`stops the server reading once ${OUTBOUND_BUDGET_BYTES / 2 ** 20} MiB wait for Redis, and resumes when they are through`, async () => {
    const redis = await cluster.redis();
    // Every reply to the node's writer comes 300 ms late: its appends back up.
    const slow = await cluster.proxy(redis.port, { delayReplies: (first) => (first.includes(':writer') ? 300 : 0) });
    const line = Buffer.alloc(64 * 1024, 0x61);
    const { room, node } = await join(`redis://127.0.0.1:${slow.port}`, line.length);
    await room.changed.until(() => room.intake.at(-1) === false, 'the node to start reading once joined');
    node.join(1, '10.0.0.1:1');
    let sent = 0;
    while (!node.stats.intakePaused && sent < 1000) {
      node.line(1, line);
      sent++;
    }
    expect(node.stats.intakePaused).toBe(true);
    // It stopped within one line of the budget: a server stops reading at once.
    expect(node.stats.pendingBytes).toBeLessThan(OUTBOUND_BUDGET_BYTES + 2 * line.length);
    expect(sent * line.length).toBeGreaterThan(OUTBOUND_BUDGET_BYTES - line.length); // and not before it
    await room.changed.until(() => room.intake.at(-1) === false, 'the node to read again', 20_000);
    await room.changed.until(() => room.lines.length === sent, `all ${sent} lines back from the stream`, 20_000);
    expect(room.lines.every((text) => text === `[10.0.0.1:1] ${line.length}`)).toBe(true);
  }, 60_000);

  it('lets one node\'s people hold at most maxNamesPerNode names at once: the next claim is refused, a rename is not', async () => {
    const redis = await cluster.redis();
    const { room, node } = await join(redis.url, undefined, 2);
    await room.changed.until(() => room.intake.at(-1) === false, 'the node to start reading once joined');
    for (let client = 1; client <= 3; client++) node.join(client, `10.0.0.${client}:1`);
    for (let client = 1; client <= 3; client++) node.names.claim(client, `n${client}`, `n${client}`);
    await room.changed.until(() => room.told.length === 1, 'the third claim refused');
    expect(room.told).toEqual([`3: ${NAMES_FULL_LINE}`]);
    node.names.claim(2, 'other', 'other');
    node.names.claim(3, 'n1', 'n1');
    await room.changed.until(() => room.told.length === 2, 'a claim of a held name refused');
    expect(room.told[1]).toBe('3: Tincan: name refused: n1 is taken by [10.0.0.1:1]; choose another.');
    await room.changed.until(() => node.names.nameOf(2) === 'other', 'the rename granted');
    expect(await redis.client().hlen('tincan:{tincan}:names')).toBe(2);
  }, 60_000);

  it(`remembers at most ${MAX_TRACKED_NODES} other nodes, however many ids the stream shows, and still delivers every event`, async () => {
    const redis = await cluster.redis();
    const { room, node } = await join(redis.url);
    const db = redis.client();
    const info = (await db.xinfo('STREAM', 'tincan:{tincan}:stream').catch(() => null)) as unknown[] | null;
    let ordinal = info ? Number(info[info.indexOf('entries-added') + 1]) : 0;
    const fakes = MAX_TRACKED_NODES + 200;
    const pipeline = db.pipeline();
    for (let i = 0; i < fakes; i++) {
      const id = (0x100000000000 + i).toString(16);
      pipeline.hset('tincan:{tincan}:seq', id, '1'); // each as a registered node would have, with its entry's id recorded
      pipeline.eval(
        "local entry = redis.call('XADD', KEYS[1], '*', unpack(ARGV)) redis.call('HSET', KEYS[2], '1', entry)",
        2,
        'tincan:{tincan}:stream',
        `tincan:{tincan}:ids:${id}`,
        ...['k', 'j', 'o', String(++ordinal), 'n', id, 's', '1', 'c', '1', 'p', `10.1.${i >> 8}.${i & 255}:1`],
      );
    }
    await pipeline.exec();
    await room.changed.until(() => room.joins.length === fakes, `all ${fakes} joins`, 20_000);
    expect(node.stats.trackedNodes).toBeLessThanOrEqual(MAX_TRACKED_NODES);
    expect(node.stats.invalid).toBe(0);
  }, 60_000);

  it(`reads at most ${READ_BYTES / 2 ** 20} MiB at a time, ends a turn every ${TURN_BYTES / 1024} KiB and stops delivering mid-read when the output is over budget; the rest follows in order, once each`, async () => {
    const redis = await cluster.redis();
    const { room, node } = await join(redis.url, 8192);
    node.join(1, '10.0.0.1:1');
    await room.changed.until(() => room.joins.length === 1, 'its client\'s join');
    room.blocked = true; // the server's clients are not reading: the node must not deliver
    const count = 400;
    const lineBytes = 8000;
    for (let i = 0; i < count; i++) node.line(1, Buffer.from(String(i).padStart(8, '0').padEnd(lineBytes, 'x')));
    await waitUntil(() => node.stats.pendingEvents === 0, `all ${count} lines in the stream`, 20_000);
    const turnsBefore = room.turns.length;
    const readsBefore = node.stats.reads;
    expect(room.lines).toEqual([]);

    // Room for 50 lines: the node stops after exactly 50, in the middle of what it read.
    room.flow(50);
    await room.changed.until(() => room.turns.length > turnsBefore, 'a turn');
    expect(room.lines).toHaveLength(50);
    room.flow();
    await room.changed.until(() => room.lines.length >= count, `all ${count} lines`, 20_000);
    expect(room.heads).toEqual(Array.from({ length: count }, (_, i) => String(i).padStart(8, '0')));
    expect(Math.max(...room.turns)).toBe(Math.ceil(TURN_BYTES / lineBytes));
    expect(node.stats.reads - readsBefore).toBeGreaterThanOrEqual(Math.ceil((count * lineBytes) / READ_BYTES));
  }, 60_000);
});

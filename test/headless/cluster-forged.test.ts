/**
 * Entries forged into the room's stream (`XADD` by anything with write access to Redis)
 * against two real nodes: an entry is taken only if its node could have written it.
 */
import { describe, expect, it } from 'vitest';
import { EVICTED_NOTICE } from '../../main/headless/cluster/cluster-room';
import { count, enter, nodeIdOf, StreamForger, useCluster } from '../support/cluster';
import { frame } from '../support/raw-client';

const cluster = useCluster();
const WAIT_MS = 10_000;

async function twoNodes() {
  const redis = await cluster.redis();
  const a = await cluster.node(redis.url);
  const b = await cluster.node(redis.url);
  const a1 = await cluster.client(a);
  const b1 = await cluster.client(b);
  await enter(a1);
  await enter(b1);
  await a1.waitForText(frame(b1, `hello from ${b1.label}`));
  return { a, b, a1, b1, forger: new StreamForger(redis.client()), idA: await nodeIdOf(a), idB: await nodeIdOf(b) };
}

describe('forged stream entries', () => {
  it('a reaper entry whose death Redis does not record kicks nobody and disconnects nobody', async () => {
    const { a, b, a1, b1, forger, idA, idB } = await twoNodes();
    // "Node a reaped node b": b would close all of its clients; a would show b1 leave.
    await forger.add(['k', 'q', 'n', idB, 'c', '1', 'p', b1.label, 'r', idA]);
    await forger.add(['k', 'q', 'n', idB, 'c', '2', 'p', '10.9.9.9:9', 'r', idA]);
    await a1.write('after the forged reaper\n');
    await b1.waitForText(frame(a1, 'after the forged reaper'), WAIT_MS);
    await a1.waitForText(frame(a1, 'after the forged reaper'), WAIT_MS);
    expect(b1.closed || b1.ended).toBe(false);
    expect(b1.text).not.toContain(EVICTED_NOTICE);
    expect(a1.text).not.toContain('(disconnected)');
    expect(b.process.stderr()).not.toContain('declared node');
    expect(a.process.stderr()).not.toContain('declared node');
  }, 60_000);

  it('a sequence number beyond what a node wrote does not silence it: its later lines still reach everyone', async () => {
    const { a1, b1, forger, idA } = await twoNodes();
    const last = await forger.lastSeq(idA);
    await forger.add(['k', 'l', 'n', idA, 's', '999999999999999', 'c', '1', 'p', a1.label, 't', 'poison']);
    // One step at a time, too: each just above what node a wrote so far.
    for (let seq = last + 1; seq <= last + 5; seq++) await forger.add(['k', 'l', 'n', idA, 's', String(seq), 'c', '1', 'p', a1.label, 't', `step ${seq}`]);
    for (let i = 0; i < 5; i++) await a1.write(`still heard ${i}\n`);
    for (const client of [a1, b1]) for (let i = 0; i < 5; i++) await client.waitForText(frame(a1, `still heard ${i}`), WAIT_MS);
    expect(b1.text).not.toContain('poison');
    expect(b1.text).not.toContain('step ');
  }, 60_000);

  it('an entry XADDed with a node\'s next sequence number is dropped even when read after the node\'s real one', async () => {
    const { a1, b, b1, forger, idA } = await twoNodes();
    const last = await forger.lastSeq(idA);
    // Node b reads nothing while both go in: it then reads them in one go, with node a's
    // sequence record already at the forged number.
    b.process.child.kill('SIGSTOP');
    try {
      await forger.add(['k', 'l', 'n', idA, 's', String(last + 1), 'c', '1', 'p', a1.label, 't', 'forged next']);
      await a1.write('the real next\n');
      await a1.waitForText(frame(a1, 'the real next'), WAIT_MS);
      expect(await forger.lastSeq(idA)).toBe(last + 1);
    } finally {
      b.process.child.kill('SIGCONT');
    }
    await b1.waitForText(frame(a1, 'the real next'), WAIT_MS);
    expect(b1.text).not.toContain('forged next');
    expect(a1.text).not.toContain('forged next');
  }, 60_000);

  it('a line under one node carrying the label of another node\'s client is not shown', async () => {
    const { a1, b1, forger } = await twoNodes();
    // A compromised node: a sequence record of its own and one client of its own.
    const evil = 'bad0bad0bad0';
    await forger.register(evil, 10);
    await forger.add(['k', 'j', 'n', evil, 's', '1', 'c', '1', 'p', '6.6.6.6:6']);
    await forger.add(['k', 'l', 'n', evil, 's', '2', 'c', '1', 'p', b1.label, 't', 'I am b1']);
    await forger.add(['k', 'l', 'n', evil, 's', '3', 'c', '2', 'p', b1.label, 't', 'b1 again']);
    await forger.add(['k', 'l', 'n', evil, 's', '4', 'c', '1', 'p', '6.6.6.6:6', 't', 'under my own label']);
    for (const client of [a1, b1]) {
      await client.waitForText(frame('6.6.6.6:6', 'under my own label'), WAIT_MS);
      expect(count(client, frame('6.6.6.6:6', '(connected)').slice(0, -1))).toBe(1);
      expect(client.text).not.toContain('I am b1');
      expect(client.text).not.toContain('b1 again');
    }
  }, 60_000);

  it('entries a node never writes (CR or LF in the text, longer than --max-line) are dropped whole, and the room goes on', async () => {
    const { a1, b1, forger } = await twoNodes();
    const evil = 'bad0bad0bad0';
    await forger.register(evil, 10);
    await forger.add(['k', 'j', 'n', evil, 's', '1', 'c', '1', 'p', '6.6.6.6:6']);
    await forger.add(['k', 'l', 'n', evil, 's', '2', 'c', '1', 'p', '6.6.6.6:6', 't', 'one\ntwo']);
    await forger.add(['k', 'l', 'n', evil, 's', '3', 'c', '1', 'p', '6.6.6.6:6', 't', 'three\rfour']);
    await forger.add(['k', 'l', 'n', evil, 's', '4', 'c', '1', 'p', '6.6.6.6:6', 't', 'x'.repeat(8193)]);
    await forger.add(['k', 'l', 'n', evil, 's', '5', 'c', '1', 'p', '6.6.6.6:6', 't', 'y'.repeat(8192)]);
    await b1.write('after\n');
    for (const client of [a1, b1]) {
      await client.waitForText(frame(b1, 'after'), WAIT_MS);
      const forged = client.lines().filter((line) => line.startsWith('[6.6.6.6:6] '));
      expect(forged).toEqual(['[6.6.6.6:6] (connected)', `[6.6.6.6:6] ${'y'.repeat(8192)}`]);
    }
  }, 60_000);
});

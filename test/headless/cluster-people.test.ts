/**
 * People on a room across two headless servers: catch-up comes from the room's stream (a
 * newcomer on one node is shown what was said on the other), and what a node cannot do for
 * the whole room it says (names are refused; `/who` lists that server's clients).
 */
import { describe, expect, it } from 'vitest';
import { enter, useCluster } from '../support/cluster';
import { frame } from '../support/raw-client';

const cluster = useCluster();

describe('people across cluster nodes', () => {
  it('a newcomer on one node gets the last lines said on the other, in the room\'s order', async () => {
    const redis = await cluster.redis();
    const [one, two] = await Promise.all([cluster.node(redis.url, ['--replay', '3']), cluster.node(redis.url, ['--replay', '3'])]);
    const a = await cluster.client(one);
    await enter(a, 'first');
    const b = await cluster.client(two);
    await enter(b, 'second');
    await a.write('third\nfourth\n');
    await b.waitForLine(frame(a, 'fourth').slice(0, -1));
    const newcomer = await cluster.client(two);
    await newcomer.waitForLine('Tincan: end of the replay; live from here.');
    const lines = newcomer.lines();
    expect(lines[0]).toMatch(/^Tincan: the last 3 lines, \d\d:\d\d(–\d\d:\d\d)?:$/);
    expect(lines.slice(1)).toEqual([
      frame(b, 'second').slice(0, -1),
      frame(a, 'third').slice(0, -1),
      frame(a, 'fourth').slice(0, -1),
      'Tincan: end of the replay; live from here.',
    ]);
  });

  it('a node refuses /name (it cannot keep names unique across the room) and /who lists its own clients', async () => {
    const redis = await cluster.redis();
    const one = await cluster.node(redis.url);
    const a = await cluster.client(one);
    await enter(a);
    a.clear();
    await a.write('/name alice\n/who\n');
    await a.waitForLine('Tincan: 1 person on this server:');
    expect(a.lines().slice(0, 2)).toEqual([
      'Tincan: name refused: names are not available on this server.',
      'Tincan: 1 person on this server:',
    ]);
  });
});

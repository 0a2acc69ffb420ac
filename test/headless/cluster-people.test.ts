/**
 * People on a room across two headless servers, real ones on a real redis-server, with raw
 * clients: names are room-wide (unique across nodes, look-alikes and case included, told to
 * everyone on every node, released when their person or their node goes), `/who` lists the
 * whole room, and catch-up comes from the room's stream (a node that joins later still shows
 * a newcomer what was said before it, within its bounds).
 */
import { describe, expect, it } from 'vitest';
import { personNameKey } from '../../main/common/person-name';
import { count, enter, nodeIdOf, StreamForger, useCluster, type ClusterNode } from '../support/cluster';
import { frame, type RawClient } from '../support/raw-client';
import { waitUntil } from '../support/wait';

const cluster = useCluster();
const WAIT_MS = 10_000;
const FOOTER = 'Tincan: end of the replay; live from here.';

/** Two nodes of one room, one client on each, both in the room's order. */
async function twoNodes(extra: string[] = []) {
  const redis = await cluster.redis();
  const [one, two] = await Promise.all([cluster.node(redis.url, extra), cluster.node(redis.url, extra)]);
  const a1 = await cluster.client(one);
  const b1 = await cluster.client(two);
  await enter(a1);
  await enter(b1);
  await a1.waitForText(frame(b1, `hello from ${b1.label}`));
  return { redis, one, two, a1, b1 };
}

/** Sends `/name NAME` and waits until every client in `everyone` was told it. */
async function named(client: RawClient, name: string, everyone: RawClient[]): Promise<void> {
  await client.write(`/name ${name}\n`);
  for (const other of everyone) await other.waitForLine(`Tincan: [${client.label}] is now ${name}`, WAIT_MS);
}

/** The `/who` answer `client` gets (waits for its last person line). */
async function who(client: RawClient, people: number): Promise<string[]> {
  client.clear();
  await client.write('/who\n');
  const header = `Tincan: ${people === 1 ? '1 person' : `${people} people`} here:`;
  const answer = () => {
    const lines = client.lines();
    const at = lines.indexOf(header);
    return at < 0 ? [] : lines.slice(at, at + people + 1);
  };
  await waitUntil(() => answer().length === people + 1, 'the whole /who answer', WAIT_MS);
  return answer();
}

async function replayOf(client: RawClient): Promise<string[]> {
  await client.waitForLine(FOOTER, WAIT_MS);
  const lines = client.lines();
  return lines.slice(0, lines.indexOf(FOOTER) + 1);
}

describe('names across cluster nodes', () => {
  it('a name is unique across nodes, case and look-alikes included, and everyone on both nodes is told', async () => {
    const { a1, b1 } = await twoNodes();
    await named(a1, 'alice', [a1, b1]);
    for (const attempt of ['alice', 'ALICE', '\u0430lice']) {
      b1.clear();
      await b1.write(`/name ${attempt}\n`);
      const reason = attempt === 'alice' ? 'alice is taken' : `${attempt} looks like alice, taken`;
      await b1.waitForLine(`Tincan: name refused: ${reason} by [${a1.label}]; choose another.`, WAIT_MS);
    }
    await named(b1, 'bob', [a1, b1]);
    expect(a1.text).not.toContain(`[${b1.label}] is now alice`);
    expect(a1.text).not.toContain(`[${b1.label}] is now ALICE`);
  }, 60_000);

  it('two nodes granting the same name at once: exactly one gets it, the other is refused', async () => {
    const { a1, b1 } = await twoNodes();
    // Neither node knows of the other's claim when it sends its own: Redis decides.
    await Promise.all([a1.write('/name zed\n'), b1.write('/name ZED\n')]);
    const refusal = (client: RawClient) => client.lines().some((line) => line.startsWith('Tincan: name refused: '));
    await waitUntil(() => refusal(a1) || refusal(b1), 'one claim refused', WAIT_MS);
    const winner = refusal(a1) ? b1 : a1;
    const taken = `Tincan: [${winner.label}] is now ${winner === a1 ? 'zed' : 'ZED'}`;
    for (const client of [a1, b1]) await client.waitForLine(taken, WAIT_MS);
    await b1.write('settled\n');
    for (const client of [a1, b1]) await client.waitForText(frame(b1, 'settled'), WAIT_MS);
    for (const client of [a1, b1]) expect(client.lines().filter((line) => / is now (zed|ZED)$/.test(line))).toEqual([taken]);
    expect([refusal(a1), refusal(b1)].filter(Boolean)).toHaveLength(1);
  }, 60_000);

  it('a change and a drop are told on both nodes; a dropped or departed name is free again', async () => {
    const { two, a1, b1 } = await twoNodes();
    await named(a1, 'alice', [a1, b1]);
    await a1.write('/name Alicia\n');
    for (const client of [a1, b1]) await client.waitForLine(`Tincan: [${a1.label}] alice is now Alicia`, WAIT_MS);
    await a1.write('/name\n');
    for (const client of [a1, b1]) await client.waitForLine(`Tincan: [${a1.label}] is no longer Alicia`, WAIT_MS);
    await named(b1, 'alicia', [a1, b1]);
    b1.destroy();
    await a1.waitForLine(frame(b1, '(disconnected)').slice(0, -1), WAIT_MS);
    const b2 = await cluster.client(two);
    await enter(b2);
    await named(b2, 'Alicia', [a1, b2]);
  }, 60_000);

  it('/who on either node lists the whole room with names, oldest first', async () => {
    const { one, a1, b1 } = await twoNodes();
    await named(b1, 'bob', [a1, b1]);
    const a2 = await cluster.client(one);
    await enter(a2);
    await b1.waitForText(frame(a2, `hello from ${a2.label}`), WAIT_MS);
    const since = String.raw`since \d\d:\d\d`;
    const fromA = await who(a1, 3);
    const fromB = await who(b1, 3);
    for (const [lines, me] of [[fromA, a1], [fromB, b1]] as const) {
      expect(lines[0]).toBe('Tincan: 3 people here:');
      const mark = (client: RawClient) => (client === me ? ' \\(you\\)' : '');
      expect(lines[1]).toMatch(new RegExp(`^Tincan: \\[${a1.label}\\] \\(no name\\), ${since}${mark(a1)}$`));
      expect(lines[2]).toMatch(new RegExp(`^Tincan: \\[${b1.label}\\] bob, ${since}${mark(b1)}$`));
      expect(lines[3]).toMatch(new RegExp(`^Tincan: \\[${a2.label}\\] \\(no name\\), ${since}$`));
    }
  }, 60_000);

  it('a node that dies releases its people\'s names once the survivors reap it', async () => {
    const { redis, two, a1, b1 } = await twoNodes(['--cluster-lease', '2']);
    await named(b1, 'bob', [a1, b1]);
    two.process.kill();
    await a1.waitForLine(frame(b1, '(disconnected)').slice(0, -1), 15_000);
    await named(a1, 'Bob', [a1]);
    // Nothing of the dead node's names is left in Redis.
    const db = redis.client();
    expect(Object.values(await db.hgetall('tincan:{tincan}:names')).map((holder) => holder.split(' ').slice(2).join(' '))).toEqual([`${a1.label} Bob`]);
    expect(await db.keys('tincan:{tincan}:named:*')).toHaveLength(1);
  }, 60_000);

  it('forged name entries (XADD) take nobody\'s name, drop nobody\'s name and name nobody', async () => {
    const { redis, one, a1, b1 } = await twoNodes();
    await named(a1, 'alice', [a1, b1]);
    const forger = new StreamForger(redis.client());
    const idA = await nodeIdOf(one);
    const members = await redis.client().hgetall(`tincan:{tincan}:members:${idA}`);
    const clientA = Object.entries(members).find(([, peer]) => peer === a1.label)![0];
    const last = await forger.lastSeq(idA);
    const name = (text: string) => ['a', text, 'h', personNameKey(text)];
    // Under node a, as a1: a sequence number already used, and one beyond what a wrote.
    await forger.add(['k', 'n', 'n', idA, 's', String(last), 'c', clientA, 'p', a1.label, ...name('mallory')]);
    await forger.add(['k', 'n', 'n', idA, 's', String(last + 1), 'c', clientA, 'p', a1.label]);
    await forger.add(['k', 'n', 'n', idA, 's', String(last + 2), 'c', clientA, 'p', a1.label, ...name('mallory')]);
    // A compromised node: its own client takes a name a1 holds; a1's label under it drops a1's name.
    const evil = 'bad0bad0bad0';
    await forger.register(evil, 10);
    await forger.add(['k', 'j', 'n', evil, 's', '1', 'c', '1', 'p', '6.6.6.6:6']);
    await forger.add(['k', 'n', 'n', evil, 's', '2', 'c', '1', 'p', '6.6.6.6:6', ...name('ALICE')]);
    await forger.add(['k', 'n', 'n', evil, 's', '3', 'c', clientA, 'p', a1.label]);
    await forger.add(['k', 'n', 'n', evil, 's', '4', 'c', '2', 'p', b1.label, ...name('mallory')]);
    // A name that is not what a node grants (not clean, key not its look-alike key).
    await forger.add(['k', 'n', 'n', evil, 's', '5', 'c', '1', 'p', '6.6.6.6:6', 'a', 'x\u202ey', 'h', 'x\u202ey']);
    await forger.add(['k', 'n', 'n', evil, 's', '6', 'c', '1', 'p', '6.6.6.6:6', 'a', 'trudy', 'h', 'alice']);
    await b1.write('after the forgeries\n');
    for (const client of [a1, b1]) {
      await client.waitForText(frame(b1, 'after the forgeries'), WAIT_MS);
      expect(client.text).not.toContain('mallory');
      expect(client.text).not.toContain('is no longer');
      expect(client.text).not.toContain('[6.6.6.6:6] is now');
      expect(count(client, `Tincan: [${a1.label}] is now alice`)).toBe(1);
    }
    // a1 still holds alice everywhere; mallory is free.
    b1.clear();
    await b1.write('/name Alice\n');
    await b1.waitForLine(`Tincan: name refused: Alice looks like alice, taken by [${a1.label}]; choose another.`, WAIT_MS);
    await named(b1, 'mallory', [a1, b1]);
  }, 60_000);
});

describe('catch-up across cluster nodes', () => {
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
    const lines = await replayOf(newcomer);
    expect(lines[0]).toMatch(/^Tincan: the last 3 lines, \d\d:\d\d(–\d\d:\d\d)?:$/);
    expect(lines.slice(1)).toEqual([
      frame(b, 'second').slice(0, -1),
      frame(a, 'third').slice(0, -1),
      frame(a, 'fourth').slice(0, -1),
      FOOTER,
    ]);
  }, 60_000);

  it('a node started after the lines were said shows them from the stream, bounded in lines and bytes, never notices or commands', async () => {
    const redis = await cluster.redis();
    const one = await cluster.node(redis.url);
    const a = await cluster.client(one);
    await enter(a, 'zero');
    await a.write('/name ann\n');
    await a.waitForLine(`Tincan: [${a.label}] is now ann`);
    await a.write(`${'x'.repeat(3000)}\none\ntwo\nthree\n`);
    await a.waitForLine(frame(a, 'three').slice(0, -1));
    // Started only now: its own log of the room is empty, so catch-up comes from the stream.
    const [byLines, byBytes] = await Promise.all([
      cluster.node(redis.url, ['--replay', '3']),
      cluster.node(redis.url, ['--replay', '10', '--replay-bytes', '2048']),
    ]);
    const first = await replayOf(await cluster.client(byLines));
    expect(first[0]).toMatch(/^Tincan: the last 3 lines, /);
    expect(first.slice(1)).toEqual([frame(a, 'one'), frame(a, 'two'), frame(a, 'three'), `${FOOTER}\n`].map((line) => line.replace(/\n$/, '')));
    // The 3,000-byte line does not fit in 2 KiB: the lines after it do.
    const second = await replayOf(await cluster.client(byBytes));
    expect(second.slice(1)).toEqual([frame(a, 'one'), frame(a, 'two'), frame(a, 'three'), `${FOOTER}\n`].map((line) => line.replace(/\n$/, '')));
    expect(second.join('\n')).not.toContain('is now ann');
  }, 60_000);

  it('lines forged into the stream are not caught up on', async () => {
    const redis = await cluster.redis();
    const one = await cluster.node(redis.url);
    const a = await cluster.client(one);
    await enter(a, 'real');
    const forger = new StreamForger(redis.client());
    const idA = await nodeIdOf(one);
    const last = await forger.lastSeq(idA);
    const members = await redis.client().hgetall(`tincan:{tincan}:members:${idA}`);
    const clientA = Object.entries(members).find(([, peer]) => peer === a.label)![0];
    await forger.add(['k', 'l', 'n', idA, 's', String(last), 'c', clientA, 'p', a.label, 't', 'forged copy']);
    await forger.add(['k', 'l', 'n', idA, 's', String(last + 1), 'c', clientA, 'p', a.label, 't', 'forged next']);
    await a.write('also real\n');
    await a.waitForLine(frame(a, 'also real').slice(0, -1));
    const two = await cluster.node(redis.url, ['--replay', '10']);
    const lines = await replayOf(await cluster.client(two));
    expect(lines.slice(1)).toEqual([frame(a, 'real').slice(0, -1), frame(a, 'also real').slice(0, -1), FOOTER]);
  }, 60_000);

  it('a newcomer that does not read its catch-up is cut like any slow reader; the others on its node go on', async () => {
    const redis = await cluster.redis();
    const one = await cluster.node(redis.url);
    const a = await cluster.client(one);
    await enter(a);
    const line = 'y'.repeat(8000);
    for (let i = 0; i < 1000; i += 50) await a.write(`${i}${line}\n`.repeat(50));
    await a.waitForText(frame(a, `950${line}`), 30_000);
    const two: ClusterNode = await cluster.node(redis.url, ['--replay', '1000', '--replay-bytes', String(16 * 1024 * 1024)]);
    const b = await cluster.client(two);
    await enter(b, 'hello', 30_000);
    const stuck = await cluster.client(two);
    stuck.socket.pause();
    await two.process.waitForStderr(new RegExp(`left +${stuck.label.replace(/[[\].]/g, '\\$&')} \\(slow\\)`), 20_000);
    await a.write('still here\n');
    await b.waitForText(frame(a, 'still here'), WAIT_MS);
    expect(b.closed || b.ended).toBe(false);
  }, 90_000);
});

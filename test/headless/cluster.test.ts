/**
 * One room across several headless servers through a real redis-server: the order every
 * client sees, membership, and each fault (a node killed, Redis restarted, a node away for
 * longer than the stream keeps or than its lease, a compromised writer).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { missedNotice, PAUSED_NOTICE, RESUMED_NOTICE, EVICTED_NOTICE } from '../../main/headless/cluster/cluster-room';
import { count, enter, linesFrom, StreamForger, useCluster, type ClusterNode } from '../support/cluster';
import { ROOT, spawnServer } from '../support/headless-server';
import { frame, type RawClient } from '../support/raw-client';

const cluster = useCluster();
const STREAM = 'tincan:{tincan}:stream';

async function nodes(url: string, n: number, extra: string[] = []): Promise<ClusterNode[]> {
  return Promise.all(Array.from({ length: n }, () => cluster.node(url, extra)));
}

/** `lines` lines from each client at once, `burst` per write; each text is unique (`tag`). */
async function chatter(clients: RawClient[], lines: number, burst: number, tag = ''): Promise<string[]> {
  const sent: string[] = [];
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = 0; i < lines; i += burst) {
        const texts = Array.from({ length: Math.min(burst, lines - i) }, (_, k) => `${tag}c${c} n${i + k}`);
        for (const text of texts) sent.push(frame(client, text).slice(0, -1));
        await client.write(texts.map((text) => `${text}\n`).join(''));
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  return sent;
}

function waitForAll(clients: RawClient[], lines: string[], timeoutMs = 20_000): Promise<void[]> {
  const wanted = new Set(lines);
  return Promise.all(
    clients.map((client) =>
      client.waitFor((c) => c.lines().filter((line) => wanted.has(line)).length >= wanted.size, `all ${wanted.size} lines`, timeoutMs),
    ),
  );
}

describe('a room across several headless servers', () => {
  it('three nodes, concurrent senders on each: every client sees the same lines in the same order', async () => {
    const redis = await cluster.redis();
    // Heartbeats every 200 ms race the readers: none may mistake that for lost history.
    const three = await nodes(redis.url, 3, ['--cluster-lease', '1']);
    const clients = await Promise.all(three.flatMap((node) => [cluster.client(node), cluster.client(node)]));
    for (const client of clients) await enter(client);
    await clients[0]!.write('go\n');
    const marker = frame(clients[0]!, 'go').slice(0, -1);
    await Promise.all(clients.map((client) => client.waitForLine(marker)));

    const sent = await chatter(clients, 300, 6);
    await waitForAll(clients, sent);
    for (const client of clients) expect(client.lines().filter((line) => line.startsWith('Tincan: '))).toEqual([]);
    const reference = linesFrom(clients[0]!, marker);
    expect(reference).toHaveLength(1 + sent.length);
    expect(new Set(reference.slice(1))).toEqual(new Set(sent));
    for (const client of clients.slice(1)) expect(linesFrom(client, marker)).toEqual(reference);
    // Each sender's lines in the order it wrote them…
    for (const client of clients) {
      const own = reference.slice(1).filter((line) => line.startsWith(`[${client.label}] `));
      expect(own).toEqual(sent.filter((line) => line.startsWith(`[${client.label}] `)));
    }
    // …and the senders really were concurrent: the room's order interleaves the nodes.
    let switches = 0;
    for (let i = 2; i < reference.length; i++) if (reference[i]!.split(' ')[0] !== reference[i - 1]!.split(' ')[0]) switches++;
    expect(switches).toBeGreaterThan(clients.length);
    // Redis carried each line once, not once per node or per client.
    const entries = (await redis.client().xlen(STREAM));
    expect(entries).toBe(clients.length /* joins */ + clients.length /* hellos */ + 1 + sent.length);
  }, 60_000);

  it('heartbeat replies that arrive after newer reads are not taken for lost history', async () => {
    const redis = await cluster.redis();
    // Node b's writer (appends, heartbeats) hears back 150 ms late; its reader does not.
    const slow = await cluster.proxy(redis.port, { delayReplies: (first) => (first.includes(':writer') ? 150 : 0) });
    const a = await cluster.node(redis.url, ['--cluster-lease', '1']);
    const b = await cluster.node(`redis://127.0.0.1:${slow.port}`, ['--cluster-lease', '1']);
    const a1 = await cluster.client(a);
    const b1 = await cluster.client(b);
    await enter(a1);
    await enter(b1, undefined, 15_000);
    const sent: string[] = [];
    // Lines all the time for ~2 s (ten heartbeats): some always arrive while a reply is late.
    for (let round = 0; round < 100; round++) {
      sent.push(...(await chatter([a1], 2, 1, `r${round} `)));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitForAll([a1, b1], sent);
    expect(b1.lines().filter((line) => line.startsWith('Tincan: '))).toEqual([]);
    expect(linesFrom(b1, sent[0]!)).toEqual(linesFrom(a1, sent[0]!));
  }, 60_000);

  it('a node that starts late: its clients are announced to those already there, not the other way round', async () => {
    const redis = await cluster.redis();
    const [a, b] = await nodes(redis.url, 2);
    const a1 = await cluster.client(a!);
    const b1 = await cluster.client(b!);
    await enter(a1);
    await enter(b1);
    await a1.waitForText(frame(b1, '(connected)'));

    const late = await cluster.node(redis.url);
    await late.process.waitForStderr(/joined the cluster at redis:\/\/127\.0\.0\.1:\d+\/0 room "tincan" as node [0-9a-f]{12} \(2 other nodes, 2 clients in the room\)/);
    const c1 = await cluster.client(late);
    await enter(c1);
    await a1.waitForText(frame(c1, '(connected)'));
    await b1.waitForText(frame(c1, '(connected)'));
    await a1.write('welcome\n');
    await c1.waitForText(frame(a1, 'welcome'));
    expect(c1.text).toBe(frame(c1, `hello from ${c1.label}`) + frame(a1, 'welcome'));
    b1.end();
    await c1.waitForText(frame(b1, '(disconnected)'));
    await a1.waitForText(frame(b1, '(disconnected)'));
    const members = redis.client();
    const hashes = await members.keys('tincan:{tincan}:members:*');
    const all = (await Promise.all(hashes.map((key) => members.hvals(key)))).flat().sort();
    expect(all).toEqual([a1.label, c1.label].sort());
  }, 60_000);

  it('a node killed with SIGKILL: the survivors announce each of its clients\' departure exactly once, within its lease', async () => {
    const redis = await cluster.redis();
    const leaseS = 2;
    const [doomed, b, c] = await nodes(redis.url, 3, ['--cluster-lease', String(leaseS)]);
    const gone = [await cluster.client(doomed!), await cluster.client(doomed!)];
    const b1 = await cluster.client(b!);
    const c1 = await cluster.client(c!);
    for (const client of [b1, c1, ...gone]) await enter(client);
    await b1.waitForText(frame(gone[1]!, `hello from ${gone[1]!.label}`));
    await c1.waitForText(frame(gone[1]!, `hello from ${gone[1]!.label}`));

    const killedAt = Date.now();
    doomed!.process.kill();
    for (const survivor of [b1, c1]) for (const client of gone) await survivor.waitForLine(frame(client, '(disconnected)').slice(0, -1), 15_000);
    const took = Date.now() - killedAt;
    // The lease lapses at most `lease` after the last heartbeat; a survivor's heartbeat (lease/5) then notices.
    expect(took).toBeLessThan(leaseS * 1000 * 1.2 + 2000);

    await b1.write('after\n');
    for (const survivor of [b1, c1]) {
      await survivor.waitForText(frame(b1, 'after'));
      for (const client of gone) expect(count(survivor, frame(client, '(disconnected)').slice(0, -1))).toBe(1);
    }
    // Nothing is left that a later heartbeat could announce again.
    const db = redis.client();
    const nodeIds = await db.smembers('tincan:{tincan}:nodes');
    expect(nodeIds).toHaveLength(2);
    expect(await db.keys('tincan:{tincan}:dead:*')).toHaveLength(1);
    const announcers = [b!, c!].filter((node) => /announced its clients' departures/.test(node.process.stderr()));
    expect(announcers).toHaveLength(1);
  }, 60_000);

  it('a node stopped with SIGTERM says goodbye: its clients\' departures go out at once, and nobody has to reap it', async () => {
    const redis = await cluster.redis();
    const [a, leaving] = await nodes(redis.url, 2);
    const a1 = await cluster.client(a!);
    const b1 = await cluster.client(leaving!);
    const b2 = await cluster.client(leaving!);
    for (const client of [a1, b1, b2]) await enter(client);
    await a1.waitForText(frame(b2, `hello from ${b2.label}`));
    const stoppedAt = Date.now();
    expect(await leaving!.process.stop()).toBe(0);
    await a1.waitForLine(frame(b1, '(disconnected)').slice(0, -1));
    await a1.waitForLine(frame(b2, '(disconnected)').slice(0, -1));
    expect(Date.now() - stoppedAt).toBeLessThan(5000); // not the 10 s lease
    expect(leaving!.process.stderr()).toContain('left the cluster');
    await b1.waitForEnd();
    const db = redis.client();
    expect(await db.smembers('tincan:{tincan}:nodes')).toHaveLength(1);
    expect(await db.keys('tincan:{tincan}:dead:*')).toEqual([]);
    expect(await db.keys('tincan:{tincan}:members:*')).toHaveLength(1);
  }, 60_000);

  it('Redis killed and restarted mid-stream: the room pauses, then carries on with nothing lost and nothing twice', async () => {
    const redis = await cluster.redis({ appendOnly: true });
    const [a, b] = await nodes(redis.url, 2);
    const a1 = await cluster.client(a!);
    const b1 = await cluster.client(b!);
    await enter(a1);
    await enter(b1);
    await a1.write('go\n');
    const marker = frame(a1, 'go').slice(0, -1);
    await b1.waitForLine(marker);

    const before = await chatter([a1, b1], 40, 4, 'before ');
    await redis.killAndWait();
    const during = await chatter([a1, b1], 40, 4, 'during '); // read by nobody until Redis is back
    await a1.waitForLine(PAUSED_NOTICE, 15_000);
    await b1.waitForLine(PAUSED_NOTICE, 15_000);
    await a!.process.waitForStderr('lost contact with Redis');
    await redis.restart();
    await a1.waitForLine(RESUMED_NOTICE, 15_000);
    const after = await chatter([a1, b1], 40, 4, 'after ');
    const sent = [...before, ...during, ...after];
    await waitForAll([a1, b1], sent);

    const seenByA = linesFrom(a1, marker).filter((line) => !line.startsWith('Tincan: '));
    const seenByB = linesFrom(b1, marker).filter((line) => !line.startsWith('Tincan: '));
    expect(seenByA).toEqual(seenByB);
    expect(seenByA).toHaveLength(1 + sent.length);
    expect(new Set(seenByA.slice(1))).toEqual(new Set(sent));
    for (const client of [a1, b1]) {
      expect(count(client, PAUSED_NOTICE)).toBe(1);
      expect(count(client, RESUMED_NOTICE)).toBe(1);
      expect(client.lines().filter((line) => line.startsWith('Tincan: ') && line !== PAUSED_NOTICE && line !== RESUMED_NOTICE)).toEqual([]);
    }
    await a!.process.waitForStderr(/back in contact with Redis after \d+\.\d s/);
  }, 90_000);

  it('network blips on one node (its Redis connections cut mid-traffic, five times): nothing lost, nothing twice, one order', async () => {
    const redis = await cluster.redis();
    const flaky = await cluster.proxy(redis.port);
    const a = await cluster.node(redis.url);
    const b = await cluster.node(`redis://127.0.0.1:${flaky.port}`);
    const a1 = await cluster.client(a);
    const b1 = await cluster.client(b);
    await enter(a1);
    await enter(b1);
    await a1.write('go\n');
    const marker = frame(a1, 'go').slice(0, -1);
    await b1.waitForLine(marker);
    const sent: string[] = [];
    for (let blip = 0; blip < 5; blip++) {
      const burst = chatter([a1, b1], 30, 3, `blip${blip} `);
      flaky.cut(); // while lines are on their way, appends in flight included
      sent.push(...(await burst));
      await b.process.waitForStderr(new RegExp(`(back in contact with Redis[^\n]*\n[^]*){${blip + 1}}`), 15_000);
    }
    await waitForAll([a1, b1], sent);
    const seenByA = linesFrom(a1, marker).filter((line) => !line.startsWith('Tincan: '));
    expect(linesFrom(b1, marker).filter((line) => !line.startsWith('Tincan: '))).toEqual(seenByA);
    expect(seenByA).toHaveLength(1 + sent.length);
    expect(new Set(seenByA)).toHaveProperty('size', 1 + sent.length);
    expect(a1.lines().filter((line) => line.startsWith('Tincan: '))).toEqual([]);
  }, 90_000);

  it('a node away for longer than the stream keeps: its clients get one line saying how much they missed', async () => {
    const redis = await cluster.redis();
    const [a, away] = await nodes(redis.url, 2, ['--cluster-backlog', '100']);
    const a1 = await cluster.client(a!);
    const b1 = await cluster.client(away!);
    await enter(a1);
    await enter(b1);
    await a1.write('go\n');
    const marker = frame(a1, 'go').slice(0, -1);
    await b1.waitForLine(marker);

    away!.process.child.kill('SIGSTOP');
    try {
      const sent = await chatter([a1], 1000, 50);
      await a1.waitForLine(sent.at(-1)!, 20_000);
      expect(await redis.client().xlen(STREAM)).toBeLessThan(400);
    } finally {
      away!.process.child.kill('SIGCONT');
    }
    const last = frame(a1, 'c0 n999').slice(0, -1);
    await b1.waitForLine(last, 20_000);
    const seen = linesFrom(b1, marker);
    const notices = seen.filter((line) => line.startsWith('Tincan: '));
    expect(notices).toHaveLength(1);
    const missed = Number(/^Tincan: (\d+) lines of the room went by/.exec(notices[0]!)?.[1]);
    expect(notices[0]).toBe(missedNotice(missed));
    const shown = seen.filter((line) => line.startsWith(`[${a1.label}] c0 `));
    // Exactly what it missed is counted: shown + missed = sent, and what it shows is in order.
    expect(shown.length + missed).toBe(1000);
    expect(shown).toEqual(linesFrom(a1, marker).filter((line) => shown.includes(line)));
    expect(shown.at(-1)).toBe(last);
  }, 60_000);

  it('a node away for longer than its lease is declared dead: its clients are told and closed, and it joins again as a new node', async () => {
    const redis = await cluster.redis();
    const [a, away] = await nodes(redis.url, 2, ['--cluster-lease', '2']);
    const a1 = await cluster.client(a!);
    const b1 = await cluster.client(away!);
    await enter(a1);
    await enter(b1);
    await a1.waitForText(frame(b1, `hello from ${b1.label}`));
    away!.process.child.kill('SIGSTOP');
    try {
      await a1.waitForLine(frame(b1, '(disconnected)').slice(0, -1), 15_000);
    } finally {
      away!.process.child.kill('SIGCONT');
    }
    await b1.waitForEnd(15_000);
    expect(b1.lines().at(-1)).toBe(EVICTED_NOTICE);
    await away!.process.waitForStderr(/declared node [0-9a-f]{12} dead/);
    await away!.process.waitForStderr(/joined the cluster .* as node [0-9a-f]{12} \(1 other node, 1 client in the room\)/, 15_000);
    const b2 = await cluster.client(away!);
    await enter(b2, 'back again', 15_000);
    await a1.waitForText(frame(b2, 'back again'));
    expect(count(a1, frame(b1, '(disconnected)').slice(0, -1))).toBe(1);
  }, 60_000);

  it('a password-protected Redis: the right password joins; a wrong or missing one exits 1 saying why', async () => {
    const password = 'p@ss w:rd/1';
    const redis = await cluster.redis({ password });
    const [a, b] = await nodes(redis.url, 2);
    const a1 = await cluster.client(a!);
    const b1 = await cluster.client(b!);
    await enter(a1);
    await b1.write('through the password\n');
    await a1.waitForText(frame(b1, 'through the password'));

    const wrong = cluster.spawn(['--port', '0', '--host', '127.0.0.1', '--cluster', `redis://:nope@127.0.0.1:${redis.port}`]);
    const missing = cluster.spawn(['--port', '0', '--host', '127.0.0.1', '--cluster', `redis://127.0.0.1:${redis.port}`]);
    expect(await wrong.exited).toBe(1);
    expect(await missing.exited).toBe(1);
    expect(wrong.stderr()).toMatch(/tincan-server: Cannot join the cluster at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0: it refused this node: WRONGPASS/);
    expect(wrong.stderr()).not.toContain('nope');
    expect(missing.stderr()).toMatch(/tincan-server: Cannot join the cluster at redis:\/\/127\.0\.0\.1:\d+\/0: it refused this node: NOAUTH/);
    expect(wrong.stdout() + missing.stdout()).toBe('');
  }, 60_000);

  it('rediss:// (TLS): a node that trusts the CA joins; one that does not exits 1 saying why', async () => {
    const redis = await cluster.redis({ tls: true, password: 'tls pw' });
    expect(redis.url).toMatch(/^rediss:\/\//);
    const trusting = { env: { NODE_EXTRA_CA_CERTS: redis.caFile } };
    const [a, b] = await Promise.all([cluster.node(redis.url, [], trusting), cluster.node(redis.url, [], trusting)]);
    const a1 = await cluster.client(a);
    const b1 = await cluster.client(b);
    await enter(a1);
    await b1.write('over TLS\n');
    await a1.waitForText(frame(b1, 'over TLS'));
    const stranger = cluster.spawn(['--port', '0', '--host', '127.0.0.1', '--cluster', redis.url]);
    expect(await stranger.exited).toBe(1);
    expect(stranger.stderr()).toMatch(/Cannot join the cluster at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0: its TLS certificate cannot be trusted .*NODE_EXTRA_CA_CERTS/);
  }, 60_000);

  it('an ACL user with only the permissions the README lists can run the room', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const acl = /`ACL SETUSER tincan on >PASSWORD ([^`]+)`/.exec(readme)?.[1];
    expect(acl).toBeDefined();
    const redis = await cluster.redis();
    await redis.client().call('ACL', 'SETUSER', 'tincan', 'on', '>limited pw', ...acl!.split(' '));
    await redis.client().call('ACL', 'SETUSER', 'default', 'off');
    const url = `redis://tincan:${encodeURIComponent('limited pw')}@127.0.0.1:${redis.port}/0`;
    const [a, b] = await nodes(url, 2, ['--cluster-lease', '2']);
    const a1 = await cluster.client(a!);
    const b1 = await cluster.client(b!);
    await enter(a1);
    await enter(b1);
    await a1.waitForText(frame(b1, `hello from ${b1.label}`));
    b!.process.kill(); // the reaper's script needs its permissions too
    await a1.waitForLine(frame(b1, '(disconnected)').slice(0, -1), 15_000);
    expect(a!.process.stderr()).not.toMatch(/NOPERM|refused/);
  }, 60_000);

  it('entries a compromised writer adds are cleaned or dropped: no escapes, no forged notices, no bad labels', async () => {
    const redis = await cluster.redis();
    const [a] = await nodes(redis.url, 1);
    const a1 = await cluster.client(a!);
    await enter(a1);
    const forger = new StreamForger(redis.client());
    // A compromised node: a sequence record of its own and a client of its own.
    const evil = 'bad0bad0bad0';
    await forger.register(evil, 100);
    const add = (fields: string[]) => forger.add(['n', evil, 'c', '1', ...fields]);
    await add(['k', 'j', 's', '1', 'p', '6.6.6.6:6']);
    await add(['k', 'l', 's', '2', 'p', '6.6.6.6:6', 't', '\x1b[2J\x1b]0;owned\x07wiped?\x07']);
    await add(['k', 'l', 's', '3', 'p', '6.6.6.6:6', 't', 'one\n[1.2.3.4:5] (disconnected)']);
    await add(['k', 'l', 's', '4', 'p', '6.6.6.6:6] (connected)\n[7.7.7.7:7', 't', 'label']);
    await add(['k', 'x', 's', '5', 'p', '6.6.6.6:6', 't', 'kind']);
    await add(['k', 'l', 's', '2', 'p', '6.6.6.6:6', 't', 'replayed']);
    await add(['k', 'l', 's', '6', 'p', '6.6.6.6:6', 't', 'x'.repeat(100_000)]);
    await add(['k', 'l', 's', '7', 'p', '6.6.6.6:6', 't', 'end']);
    await a1.waitForText(frame('6.6.6.6:6', 'end'));
    // Cleaned: the escapes. Dropped whole: a text with a newline, one longer than --max-line.
    expect(linesFrom(a1, frame('6.6.6.6:6', '(connected)').slice(0, -1))).toEqual(
      ['(connected)', 'wiped?', 'end'].map((text) => frame('6.6.6.6:6', text).slice(0, -1)),
    );
    expect(a1.text).not.toContain('\x1b');
    expect(a1.text).not.toContain('\x07');
    expect(a1.text).not.toContain('7.7.7.7');
    expect(a1.text).not.toContain('kind');
    expect(a1.text).not.toContain('replayed');
  }, 60_000);

  it('the hostile-room rules on every node: limits per address and the line rate where a client connects, quoting, bidi and CR LF on every node', async () => {
    const redis = await cluster.redis();
    const [a, b] = await nodes(redis.url, 2, ['--max-per-address', '2', '--max-rate', '5']);
    const a1 = await cluster.client(a!);
    const a2 = await cluster.client(a!);
    await enter(a1);
    await enter(a2);
    // Node a has 127.0.0.1 twice: a third is turned away there, never announced anywhere…
    const a3 = await cluster.client(a!);
    await a3.waitForEnd();
    expect(a3.text).toBe('Tincan: too many connections from your address; close one and try again.\n');
    await a!.process.waitForStderr(`refused ${a3.label} (too many connections from its address)`);
    // …while node b counts its own connections.
    const b1 = await cluster.client(b!);
    const b2 = await cluster.client(b!);
    await enter(b1);
    await enter(b2);
    await b2.write('crlf from now on\r\n');
    await b2.waitForText(frame(b2, 'crlf from now on').replace('\n', '\r\n'));

    // Forged notices and bidi controls from a client of node a, as node b shows them.
    await a1.write('(disconnected)\ninvoice\u202Efdp.exe\n');
    await b1.waitForLine(`[${a1.label}] "(disconnected)"`);
    await b1.waitForLine(`[${a1.label}] invoicefdp.exe`);
    // The same from a compromised writer of the stream: node b quotes and cleans it too.
    const forger = new StreamForger(redis.client());
    await forger.register('bad0bad0bad0', 10);
    await forger.add(['k', 'j', 'n', 'bad0bad0bad0', 's', '1', 'c', '1', 'p', '6.6.6.6:6']);
    await forger.add(['k', 'l', 'n', 'bad0bad0bad0', 's', '2', 'c', '1', 'p', '6.6.6.6:6', 't', '(connected)']);
    await forger.add(['k', 'l', 'n', 'bad0bad0bad0', 's', '3', 'c', '1', 'p', '6.6.6.6:6', 't', 'a\u2066b\u200Bc']);
    await b1.waitForLine('[6.6.6.6:6] abc');
    expect(b1.lines()).toContain('[6.6.6.6:6] "(connected)"');
    expect(count(b1, '[6.6.6.6:6] (connected)')).toBe(1); // its join; its line reads "(connected)"

    // The line rate (5 a second after a burst of 50) paces a2 on node a; nothing is lost.
    const texts = Array.from({ length: 60 }, (_, i) => `paced ${i}`);
    await a2.write(texts.map((text) => `${text}\n`).join(''));
    await a!.process.waitForStderr(`paused ${a2.label} (over its line rate)`);
    await b2.waitForText(frame(a2, 'paced 59').replace('\n', '\r\n'), 15_000);
    const paced = texts.map((text) => `[${a2.label}] ${text}`);
    expect(b1.lines().filter((line) => line.startsWith(`[${a2.label}] paced `))).toEqual(paced);
    expect(b2.lines().filter((line) => line.startsWith(`[${a2.label}] paced `))).toEqual(paced.map((line) => `${line}\r`));
    // From its first CR LF line on, the telnet client of node b read every line with CR LF; b1 none.
    const afterSwitch = b2.text.slice(b2.text.indexOf(frame(b2, 'crlf from now on').replace('\n', '\r\n')));
    expect(afterSwitch.replaceAll('\r\n', '').includes('\n')).toBe(false);
    expect(b1.bytes.includes(0x0d)).toBe(false);
  }, 60_000);

  it('Redis loses the room (restarted without saving it): the nodes carry on and their clients are told lines may be missing', async () => {
    const redis = await cluster.redis();
    const [a, b] = await nodes(redis.url, 2, ['--cluster-lease', '2']);
    const a1 = await cluster.client(a!);
    const b1 = await cluster.client(b!);
    await enter(a1);
    await enter(b1);
    await redis.restart();
    await a!.process.waitForStderr('Redis lost the room\'s data', 15_000);
    await b!.process.waitForStderr('Redis lost the room\'s data', 15_000);
    await a1.write('still here\n');
    await b1.waitForText(frame(a1, 'still here'), 15_000);
    await a1.waitForText(frame(a1, 'still here'));
    for (const client of [a1, b1]) expect(count(client, missedNotice(null))).toBe(1);
    // Both nodes registered their clients again.
    const db = redis.client();
    const hashes = await db.keys('tincan:{tincan}:members:*');
    const all = (await Promise.all(hashes.map((key) => db.hvals(key)))).flat().sort();
    expect(all).toEqual([a1.label, b1.label].sort());
  }, 60_000);

  it.concurrent.each([
    [['--cluster', 'http://127.0.0.1:6379'], /--cluster must start with redis:\/\/ or rediss:\/\/, not http:\/\//],
    [['--cluster', 'redis://127.0.0.1:99999'], /--cluster has port "99999"/],
    [['--cluster', 'redis://:secret@[::1'], /--cluster .*\*\*\*@/],
    [['--cluster', 'redis://h/x'], /where only a database number/],
    [['--cluster', 'redis://h', '--room', 'a b'], /--room must be 1 to 64 letters/],
    [['--room', 'lobby'], /--room only means something with --cluster/],
    [['--cluster', 'redis://h', '--cluster-lease', '0'], /--cluster-lease must be from 1 to 600/],
  ])('%j exits 2 with a clear message', async (args, message) => {
    // (not through the fixture: the cleanup after a concurrent neighbour must not kill it)
    const server = spawnServer(args);
    try {
      expect(await server.exited).toBe(2);
      expect(server.stderr()).toMatch(message);
      expect(server.stderr()).not.toContain('secret');
      expect(server.stderr()).toContain('--help');
      expect(server.stdout()).toBe('');
    } finally {
      server.kill();
    }
  });
});

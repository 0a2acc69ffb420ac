/**
 * Discovery between real hosts: network namespaces on a bridge (netns.ts), the headless
 * server or a discovery agent in one, a finder in another, every packet real multicast or
 * broadcast on the virtual LAN. Prints the measured time to appear and to disappear.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MAX_ROOMS_PER_SENDER } from '../../../main/app/discovery/room-table';
import type { DiscoveredRoom } from '../../../main/common/rooms';
import { AGENT, Agent, FLOOD, Lan, ONE_SHOT, SERVE, SYSTEM_PYTHON, ZEROCONF_AGENT, type AgentEvent } from './netns';

const lans: Lan[] = [];
const agents: Agent[] = [];
const figures: string[] = [];
const stateDirs: string[] = [];
afterAll(() => {
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lan(count = 2): Lan {
  const made = new Lan(count);
  lans.push(made);
  return made;
}

function agent(made: Agent): Agent {
  agents.push(made);
  return made;
}

function finder(ns: string, args: string[] = []): Agent {
  return agent(Agent.node(ns, AGENT, ['find', ...args], `finder in ${ns}`));
}

/** Each namespace stands for another computer: with a key of its own (a room's id comes from its key). */
function server(ns: string, args: string[]): Agent {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), `tincan-${ns}-`));
  stateDirs.push(stateDir);
  return agent(Agent.node(ns, SERVE, ['--port', '60003', '--state-dir', stateDir, ...args], `tincan-server in ${ns}`));
}

function latestRooms(finderAgent: Agent): DiscoveredRoom[] {
  const last = finderAgent.events.findLast((event) => event.event === 'rooms');
  return (last?.rooms as DiscoveredRoom[] | undefined) ?? [];
}

/** The first 'rooms' event at or after `since` whose list satisfies `match`. */
function roomsEvent(finderAgent: Agent, since: number, match: (rooms: DiscoveredRoom[]) => boolean, what: string, timeoutMs = 15_000): Promise<AgentEvent> {
  return finderAgent.waitFor((event) => event.event === 'rooms' && event.at >= since && match(event.rooms as DiscoveredRoom[]), what, timeoutMs);
}

const named = (name: string) => (rooms: DiscoveredRoom[]) => rooms.find((room) => room.name === name);

afterEach(async () => {
  await Promise.all(agents.splice(0).map((each) => each.stop(3000)));
});

afterAll(() => {
  for (const each of agents.splice(0)) each.kill();
  for (const made of lans.splice(0)) made.destroy();
  if (figures.length > 0) console.log(`LAN discovery timings:\n  ${figures.join('\n  ')}`);
});

describe('LAN discovery between two hosts', () => {
  it('a headless room appears on the other host with its address first, follows its people count, and leaves on goodbye', async () => {
    const net = lan();
    const [a, b] = net.hosts as [typeof net.hosts[0], typeof net.hosts[0]];
    const find = finder(b.ns);
    await find.waitFor((e) => e.event === 'started', 'finder started');

    const room = server(a.ns, ['--name', 'Lab 3 – ünïcode ☕']);
    await room.waitForStderr(/announced as "Lab 3 – ünïcode ☕"/);
    // Both mechanisms, merged into one entry; IPv4 on our subnet first, then the IPv6 one.
    const appeared = await roomsEvent(find, 0, (rooms) => named('Lab 3 – ünïcode ☕')(rooms)?.sources.length === 2, 'the room, by both mechanisms');
    const shown = named('Lab 3 – ünïcode ☕')(appeared.rooms as DiscoveredRoom[])!;
    expect(shown.addresses[0]).toBe(`${a.address}:60003`);
    expect(shown.addresses[1]).toBe(`[${a.ipv6}]:60003`);
    expect(shown.people).toBe(0);
    expect(shown.appVersion).toBe('0.1.0');
    expect(latestRooms(find)).toHaveLength(1);

    // Two people join from host b over TCP; the count follows, at most a few seconds late.
    const joinedAt = Date.now();
    const people = [0, 1].map((i) => agent(new Agent(b.ns, ['nc', a.address, '60003'], `nc ${i}`)));
    await room.waitForStderr(/\(2 connected\)/);
    const two = await roomsEvent(find, joinedAt, (rooms) => named('Lab 3 – ünïcode ☕')(rooms)?.people === 2, 'people = 2', 10_000);
    figures.push(`people count 0 -> 2 seen after ${two.at - joinedAt} ms (updates at most every 2 s)`);
    const leftAt = Date.now();
    for (const each of people) each.kill('SIGTERM');
    await roomsEvent(find, leftAt, (rooms) => named('Lab 3 – ünïcode ☕')(rooms)?.people === 0, 'people = 0', 10_000);

    const stopAt = Date.now();
    room.kill('SIGTERM');
    const gone = await roomsEvent(find, stopAt, (rooms) => named('Lab 3 – ünïcode ☕')(rooms) === undefined, 'the room to disappear', 5000);
    figures.push(`headless room gone from the list ${gone.at - stopAt} ms after SIGTERM (goodbye)`);
    expect(await room.waitForExit()).toBe(0);
    expect(gone.at - stopAt).toBeLessThan(5000);
  });

  it('time to appear: room started while the list is open, and list opened while the room runs', async () => {
    const net = lan();
    const [a, b] = net.hosts as [typeof net.hosts[0], typeof net.hosts[0]];
    const find = finder(b.ns);
    await find.waitFor((e) => e.event === 'started', 'finder started');
    const announcer = agent(Agent.node(a.ns, AGENT, ['announce', '--name', 'Timing room'], 'announcer'));
    const starting = await announcer.waitFor((e) => e.event === 'starting', 'announcer starting');
    const seen = await roomsEvent(find, 0, (rooms) => named('Timing room')(rooms) !== undefined, 'room to appear');
    const both = await roomsEvent(find, 0, (rooms) => named('Timing room')(rooms)?.sources.length === 2, 'both sources');
    figures.push(`room started, list open: appears after ${seen.at - starting.at} ms (both mechanisms after ${both.at - starting.at} ms)`);
    expect(seen.at - starting.at).toBeLessThan(2000);

    // A second finder that starts after the room: it must not wait for the next announcement.
    const late = finder(b.ns);
    const lateStarting = await late.waitFor((e) => e.event === 'starting', 'late finder starting');
    const lateSeen = await roomsEvent(late, 0, (rooms) => named('Timing room')(rooms)?.sources.includes('mdns') === true, 'room in the late finder');
    const lateAny = await roomsEvent(late, 0, (rooms) => named('Timing room')(rooms) !== undefined, 'room in the late finder');
    figures.push(`list opened while the room runs: appears after ${lateAny.at - lateStarting.at} ms (by multicast DNS after ${lateSeen.at - lateStarting.at} ms)`);
    expect(lateSeen.at - lateStarting.at).toBeLessThan(2000);

    // A room that dies without a goodbye leaves when its announcements expire.
    const killedAt = Date.now();
    announcer.kill('SIGKILL');
    const expired = await roomsEvent(find, killedAt, (rooms) => named('Timing room')(rooms) === undefined, 'the dead room to expire', 40_000);
    figures.push(`room killed (no goodbye): gone after ${expired.at - killedAt} ms (records TTL 20 s, beacon TTL 10 s)`);
  }, 60_000);

  it('the beacon alone finds the room when multicast DNS is dropped, at once thanks to its query', async () => {
    const net = lan();
    const [a, b] = net.hosts as [typeof net.hosts[0], typeof net.hosts[0]];
    net.dropMulticastDns(b);
    const room = server(a.ns, ['--name', 'Filtered Wi-Fi room']);
    await room.waitForStderr(/announced as/);
    const find = finder(b.ns);
    const starting = await find.waitFor((e) => e.event === 'starting', 'finder starting');
    const seen = await roomsEvent(find, 0, (rooms) => named('Filtered Wi-Fi room')(rooms) !== undefined, 'room via beacon');
    figures.push(`multicast DNS dropped, beacon only: list opened while the room runs, appears after ${seen.at - starting.at} ms`);
    const shown = named('Filtered Wi-Fi room')(seen.rooms as DiscoveredRoom[])!;
    expect(shown.sources).toEqual(['beacon']);
    expect(shown.addresses).toEqual([`${a.address}:60003`]);
    // A query answered by unicast, not the next 3-second broadcast.
    expect(seen.at - starting.at).toBeLessThan(2000);
    const stopAt = Date.now();
    room.kill('SIGTERM');
    const gone = await roomsEvent(find, stopAt, (rooms) => named('Filtered Wi-Fi room')(rooms) === undefined, 'beacon goodbye', 5000);
    figures.push(`beacon only: gone ${gone.at - stopAt} ms after SIGTERM`);
    expect(latestRooms(find).every((r) => r.sources.every((s) => s === 'beacon'))).toBe(true);
  });

  it('a room for this computer only, or with --no-announce, is never seen; an ordinary room next to them is', async () => {
    const net = lan();
    const [a, b] = net.hosts as [typeof net.hosts[0], typeof net.hosts[0]];
    const find = finder(b.ns);
    await find.waitFor((e) => e.event === 'started', 'finder started');
    const local = agent(Agent.node(a.ns, SERVE, ['--port', '60004', '--host', '127.0.0.1', '--name', 'Loopback room'], 'loopback room'));
    const quiet = agent(Agent.node(a.ns, SERVE, ['--port', '60005', '--no-announce', '--name', 'Quiet room'], 'quiet room'));
    await local.waitForStderr(/not announced on the network: the room is for this computer only/);
    await quiet.waitFor((e) => e.event === 'text' && /Listening on/.test(String(e.text)), 'quiet room listening');
    // The control room starts last. An announced room sends its first announcements while
    // it starts, so had either of the others been announced, those packets would have
    // arrived before the control room's: once the control room is seen by both mechanisms,
    // the others have had their chance.
    const control = server(a.ns, ['--name', 'Control room']);
    await control.waitForStderr(/announced as/);
    await roomsEvent(find, 0, (rooms) => named('Control room')(rooms)?.sources.length === 2, 'control room');
    const everSeen = find.events.flatMap((e) => (e.event === 'rooms' ? (e.rooms as DiscoveredRoom[]).map((r) => r.name) : []));
    expect(everSeen).toContain('Control room');
    expect(everSeen).not.toContain('Loopback room');
    expect(everSeen).not.toContain('Quiet room');
  });

  it('answers a simple resolver’s one-shot query directly, with short TTLs (RFC 6762 §6.7)', async () => {
    const net = lan();
    const [a, b] = net.hosts as [typeof net.hosts[0], typeof net.hosts[0]];
    const room = server(a.ns, ['--name', 'Dig me']);
    await room.waitForStderr(/announced as/);
    const query = agent(Agent.node(b.ns, ONE_SHOT, ['--from', b.address], 'one-shot query'));
    const answer = await query.waitFor((e) => e.event === 'answer', 'a unicast answer', 5000);
    expect(answer.from).toBe(a.address);
    expect(answer.questions).toEqual([{ name: '_tincan._tcp.local', type: 'PTR', class: 'IN' }]);
    const records = answer.answers as { name: string; type: string; ttl: number }[];
    expect(records).toContainEqual({ name: '_tincan._tcp.local', type: 'PTR', ttl: 10 });
    expect(records.map((r) => r.type)).toEqual(expect.arrayContaining(['SRV', 'TXT', 'A']));
    expect(records.every((r) => r.ttl <= 10)).toBe(true);
  });

  it('follows an interface that appears after the room started', async () => {
    const net = lan();
    const [a, b] = net.hosts as [typeof net.hosts[0], typeof net.hosts[0]];
    const room = server(a.ns, ['--name', 'Two networks']);
    await room.waitForStderr(/announced as/);
    const find = finder(b.ns);
    await roomsEvent(find, 0, (rooms) => named('Two networks')(rooms) !== undefined, 'room on lan0');
    const addedAt = Date.now();
    net.addInterface('lan1', 55, [0, 1]);
    await room.waitForStderr(/announced on lan0, lan1/, 10_000);
    const seen = await roomsEvent(find, addedAt, (rooms) => named('Two networks')(rooms)?.addresses.includes('10.55.0.1:60003') === true, 'address on lan1', 15_000);
    figures.push(`new interface: the room's address on it is listed ${seen.at - addedAt} ms after the interface came up (interfaces polled every 3 s)`);
    expect(latestRooms(find).filter((r) => r.name === 'Two networks')).toHaveLength(1);
    // And when it goes away again, the room is announced on lan0 alone.
    net.removeInterface('lan1', [0]);
    await room.waitForStderr(/announced on lan0, lan1[^]*announced on lan0\n/, 10_000);
  });

  it('two rooms with the same name: one takes "Name (2)" and both are listed', async () => {
    const net = lan(3);
    const [a, b, c] = net.hosts as [typeof net.hosts[0], typeof net.hosts[0], typeof net.hosts[0]];
    const find = finder(c.ns);
    await find.waitFor((e) => e.event === 'started', 'finder started');
    const first = server(a.ns, ['--name', 'Same name']);
    await first.waitForStderr(/announced as/);
    const second = server(b.ns, ['--name', 'Same name']);
    await second.waitForStderr(/announced as/);
    // Whichever has the greater room id gives way; the other's wait is left to time out quietly.
    const waits = [first, second].map((room) => room.waitForStderr(/announced as "Same name \(2\)"/));
    for (const wait of waits) wait.catch(() => undefined);
    expect(await Promise.any(waits)).toBe('announced as "Same name (2)"');
    await roomsEvent(find, 0, (rooms) => rooms.map((r) => r.name).sort().join('|') === 'Same name|Same name (2)', 'both rooms, distinct names');
  });

  it('a flood of fake rooms from several hosts is rate-limited, capped at a few per host, and does not stall the finder', async () => {
    const net = lan(5);
    const [a, ...attackers] = net.hosts as [typeof net.hosts[0], ...typeof net.hosts];
    const find = finder(a.ns, ['--lag']);
    await find.waitFor((e) => e.event === 'started', 'finder started');
    const broadcast = `${a.address.replace(/\.\d+$/, '')}.255`;
    const floods = attackers.map((host) => agent(Agent.node(host.ns, FLOOD, ['--count', '10000', '--broadcast', broadcast], `flooder in ${host.ns}`)));
    await Promise.all(floods.map((flood) => flood.waitFor((e) => e.event === 'done', 'flood sent', 30_000)));
    const floodedAt = Date.now();
    const cap = attackers.length * MAX_ROOMS_PER_SENDER;
    await roomsEvent(find, 0, (rooms) => rooms.length === cap, `${cap} rooms`);
    // A lag report that covers the end of the floods (one is printed every 500 ms).
    await find.waitFor((e) => e.event === 'lag' && e.at > floodedAt + 600, 'a lag report after the floods', 5000);
    const reports = find.events.filter((e) => e.event === 'lag');
    const lags = reports.map((e) => Number(e.maxMs));
    const cpu = reports.map((e) => Number(e.cpuMs));
    const maxRooms = Math.max(...find.events.filter((e) => e.event === 'rooms').map((e) => (e.rooms as unknown[]).length));
    const dropped = Number(reports.at(-1)?.dropped ?? 0);
    figures.push(
      `flood from 4 hosts, 40,000 fake mDNS answers + 40,000 fake beacons: list capped at ${maxRooms}, ${dropped} packets dropped by the rate limit, ` +
        `worst event-loop delay ${Math.max(...lags).toFixed(1)} ms, finder CPU at most ${Math.max(...cpu).toFixed(0)} ms per 500 ms`,
    );
    expect(maxRooms).toBe(cap);
    // Most of the flood never reaches the finder (the kernel's socket buffer overflows first);
    // of what does, all but the per-sender budget is dropped before it is read.
    expect(dropped).toBeGreaterThan(1000);
    // Generous: the four flooders share the machine's two cores with the finder.
    expect(Math.max(...lags)).toBeLessThan(1500);
  }, 60_000);
});

describe('interoperability with python-zeroconf (an independent implementation)', () => {
  it('python-zeroconf sees a Tincan room, its people count, and its goodbye', async () => {
    const net = lan();
    const [a, b] = net.hosts as [typeof net.hosts[0], typeof net.hosts[0]];
    const browse = agent(new Agent(b.ns, [SYSTEM_PYTHON, ZEROCONF_AGENT, 'browse'], 'zeroconf browse'));
    await browse.waitFor((e) => e.event === 'started', 'zeroconf started');
    const room = server(a.ns, ['--name', 'Seen by Python']);
    const added = await browse.waitFor((e) => e.event === 'added' && String(e.name).startsWith('Seen by Python.'), 'zeroconf to add the room');
    expect(added).toMatchObject({ name: 'Seen by Python._tincan._tcp.local.', port: 60003 });
    expect(added.addresses).toEqual(expect.arrayContaining([a.address, a.ipv6]));
    expect(added.txt).toMatchObject({ proto: '1', people: '0', app: '0.1.0' });
    const person = agent(new Agent(b.ns, ['nc', a.address, '60003'], 'nc'));
    await browse.waitFor((e) => e.event === 'updated' && (e.txt as Record<string, string>).people === '1', 'zeroconf to see 1 person');
    person.kill('SIGTERM');
    room.kill('SIGTERM');
    await browse.waitFor((e) => e.event === 'removed' && String(e.name).startsWith('Seen by Python.'), 'zeroconf to remove the room', 5000);
  });

  it('a _tincan._tcp service announced by python-zeroconf shows in Tincan’s list, and leaves when it is unregistered', async () => {
    const net = lan();
    const [a, b] = net.hosts as [typeof net.hosts[0], typeof net.hosts[0]];
    const find = finder(b.ns, ['--no-beacon']);
    await find.waitFor((e) => e.event === 'started', 'finder started');
    const python = agent(new Agent(a.ns, [SYSTEM_PYTHON, ZEROCONF_AGENT, 'register', 'Python room', '60003', a.address], 'zeroconf register'));
    const seen = await roomsEvent(find, 0, (rooms) => named('Python room')(rooms) !== undefined, 'python room', 15_000);
    expect(named('Python room')(seen.rooms as DiscoveredRoom[])).toMatchObject({
      key: 'dns:python room._tincan._tcp.local',
      addresses: [`${a.address}:60003`],
      people: 2,
      sources: ['mdns'],
      appVersion: null,
    });
    const stopAt = Date.now();
    python.child.stdin.end();
    await roomsEvent(find, stopAt, (rooms) => named('Python room')(rooms) === undefined, 'python room to leave', 8000);
  });
});


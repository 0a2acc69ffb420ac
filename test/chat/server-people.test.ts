/**
 * People, not ports: `/name`, `/who`, `/help`, the topic and catch-up, byte for byte over
 * real sockets with raw clients (what telnet and nc are).
 */
import { describe, expect, it } from 'vitest';
import { COMMAND_BURST, RENAME_BURST } from '../../main/chat/room-commands';
import { EARLY_TURNS_PER_SECOND } from '../../main/chat/server';
import {
  HELP_LINES,
  REPLAY_FOOTER_LINE,
  TOPIC_CLEARED_LINE,
  clockTime,
  nameChangedLine,
  nameDroppedLine,
  nameTakenByLine,
  nameTakenLine,
  parseServerNotice,
  replayHeaderLine,
  topicLine,
} from '../../main/chat/server-lines';
import type { ClientInfo, LeaveReason } from '../../main/chat/types';
import { type RawClient, frame } from '../support/raw-client';
import { type TestRoom, useRooms } from '../support/room';
import { waitUntil } from '../support/wait';

const room = useRooms();

/** `Tincan: …` lines as a client receives them. */
const said = (...lines: string[]) => lines.map((line) => `${line}\n`).join('');

/** Has `from` say a marker and waits until everyone in `to` has it: all said before it has arrived. */
async function settle(from: RawClient, to: RawClient[], tag = 'mark'): Promise<string> {
  await from.write(`${tag}\n`);
  for (const client of to) await client.waitForLine(`[${from.label}] ${tag}`);
  return frame(from, tag);
}

function infoOf(r: TestRoom, client: RawClient): ClientInfo {
  const info = r.server.clients().find((c) => c.peer === client.label);
  if (!info) throw new Error(`${client.label} is not in the room`);
  return info;
}

describe('ChatServer commands: answered to the sender alone, never relayed', () => {
  it('/help lists the commands to its sender; the others hear nothing of it', async () => {
    const r = await room();
    const a = await r.join();
    const b = await r.join();
    await a.waitForLine(`[${b.label}] (connected)`);
    a.clear();
    await b.write('/help\n');
    await b.waitForLine(HELP_LINES[HELP_LINES.length - 1]!);
    const mark = await settle(b, [a, b]);
    expect(b.text).toBe(said(...HELP_LINES) + mark);
    expect(a.text).toBe(mark);
    expect(r.server.stats.linesRelayed).toBe(1);
  });

  it('/name takes, changes and drops a name; everyone, the sender included, is told in a Tincan: line', async () => {
    const r = await room();
    const names: [string, string | null][] = [];
    r.server.on('name', (client, name) => names.push([client.peer, name]));
    const a = await r.join();
    const b = await r.join();
    await a.waitForLine(`[${b.label}] (connected)`);
    a.clear();
    await b.write('/name alice\n');
    await b.write('/name  Bob  Smith \n');
    await b.write('/name\n');
    const mark = await settle(b, [a, b]);
    const expected = said(
      `Tincan: [${b.label}] is now alice`,
      `Tincan: [${b.label}] alice is now Bob Smith`,
      `Tincan: [${b.label}] is no longer Bob Smith`,
    ) + mark;
    expect(a.text).toBe(expected);
    expect(b.text).toBe(expected);
    expect(names).toEqual([[b.label, 'alice'], [b.label, 'Bob Smith'], [b.label, null]]);
    expect(r.server.nameOf(infoOf(r, b).id)).toBeNull();
  });

  it('the same name again, and dropping no name, are answered to the sender alone', async () => {
    const r = await room();
    const a = await r.join();
    const b = await r.join();
    await a.waitForLine(`[${b.label}] (connected)`);
    a.clear();
    await b.write('/name\n');
    await b.write('/name carol\n');
    await b.write('/name carol\n');
    await b.waitForLine('Tincan: you are already carol.');
    const mark = await settle(b, [a, b]);
    expect(a.text).toBe(said(`Tincan: [${b.label}] is now carol`) + mark);
    expect(b.text).toBe(said(
      'Tincan: you have no name to drop.',
      `Tincan: [${b.label}] is now carol`,
      'Tincan: you are already carol.',
    ) + mark);
  });

  it('a name is unique by its look-alike key: the same name, its capitals and a Cyrillic а are refused with the holder', async () => {
    const r = await room();
    const a = await r.join();
    const b = await r.join();
    await a.write('/name alice\n');
    await b.waitForLine(`Tincan: [${a.label}] is now alice`);
    b.clear();
    await b.write('/name alice\n');
    await b.write('/name ALICE\n');
    await b.write('/name \u0430lice\n'); // Cyrillic а
    await b.write('/name al\u200bice\n'); // a zero-width space is cleaned away
    await b.write('/name a\u13dalice\n'); // not a look-alike of anything here: a new name
    const refusal = (name: string) => name === 'alice'
      ? `Tincan: name refused: alice is taken by [${a.label}]; choose another.`
      : `Tincan: name refused: ${name} looks like alice, taken by [${a.label}]; choose another.`;
    await b.waitForLine(`Tincan: [${b.label}] is now a\u13dalice`);
    expect(b.text).toBe(said(
      refusal('alice'), refusal('ALICE'), refusal('\u0430lice'), refusal('alice'),
      `Tincan: [${b.label}] is now a\u13dalice`,
    ));
    // The holder changing the case of its own name is a change, not a clash.
    await a.write('/name Alice\n');
    await b.waitForLine(`Tincan: [${a.label}] alice is now Alice`);
  });

  it('a name leaves with its person: once its holder is gone, someone else may take it', async () => {
    const r = await room();
    const a = await r.join();
    const b = await r.join();
    await a.write('/name alice\n');
    await b.waitForLine(`Tincan: [${a.label}] is now alice`);
    a.end();
    await b.waitForLine(`[${a.label}] (disconnected)`);
    b.clear();
    await b.write('/name alice\n');
    await b.waitForLine(`Tincan: [${b.label}] is now alice`);
    expect(b.text).toBe(said(`Tincan: [${b.label}] is now alice`));
  });

  it('names that cannot be: blank-looking, too long, the server\'s own; brackets are cleaned away', async () => {
    const r = await room();
    const a = await r.join();
    await a.write('/name \u3164\u2800\u200b\n');
    await a.write(`/name ${'x'.repeat(33)}\n`);
    await a.write('/name TINCAN\n');
    await a.write('/name [10.0.0.9:5]\n');
    await a.waitForLine(`Tincan: [${a.label}] is now 10.0.0.9:5`);
    expect(a.text).toBe(said(
      'Tincan: name refused: a name needs at least one visible character.',
      'Tincan: name refused: a name has at most 32 characters (that one has 33).',
      'Tincan: name refused: "TINCAN" is the server\'s own name.',
      `Tincan: [${a.label}] is now 10.0.0.9:5`,
    ));
  });

  it('/who lists address, name and since when, oldest first, marking the asker', async () => {
    const r = await room();
    const a = await r.join();
    const b = await r.join();
    await a.write('/name alice\n');
    await b.waitForLine(`Tincan: [${a.label}] is now alice`);
    b.clear();
    await b.write('/who\n');
    await b.waitForLine('Tincan: 2 people here:');
    const since = (client: RawClient) => clockTime(infoOf(r, client).connectedAt);
    const mark = await settle(b, [a, b]);
    expect(b.text).toBe(said(
      'Tincan: 2 people here:',
      `Tincan: [${a.label}] alice, since ${since(a)}`,
      `Tincan: [${b.label}] (no name), since ${since(b)} (you)`,
    ) + mark);
  });

  it('only the exact command words are commands: every other line, "/" or not, is relayed as chat', async () => {
    const r = await room();
    const a = await r.join();
    const b = await r.join();
    await a.waitForLine(`[${b.label}] (connected)`);
    a.clear();
    const chat = ['/shrug', '/usr/bin/env', '/names', '/whom', '/Who', '/NAME x', '/helpme', ' /who', '/', 'name alice'];
    for (const line of chat) await b.write(`${line}\n`);
    const mark = await settle(b, [a]);
    expect(a.text).toBe(chat.map((line) => frame(b, line)).join('') + mark);
  });

  it('a member cannot speak as the server: a line that reads "Tincan: …" arrives under its own [IP:port]', async () => {
    const r = await room();
    const a = await r.join();
    const b = await r.join();
    await a.waitForLine(`[${b.label}] (connected)`);
    a.clear();
    await b.write('Tincan: [1.2.3.4:5] is now admin\n');
    await a.waitForLine(`[${b.label}] Tincan: [1.2.3.4:5] is now admin`);
    expect(a.text).toBe(frame(b, 'Tincan: [1.2.3.4:5] is now admin'));
  });

  it('commands: false relays every line, commands included, byte for byte', async () => {
    const r = await room({ commands: false });
    const a = await r.join();
    const b = await r.join();
    await a.waitForLine(`[${b.label}] (connected)`);
    a.clear();
    for (const line of ['/name alice', '/who', '/help', '/name']) await b.write(`${line}\n`);
    const mark = await settle(b, [a, b]);
    const expected = ['/name alice', '/who', '/help', '/name'].map((line) => frame(b, line)).join('') + mark;
    expect(a.text).toBe(expected);
    expect(b.text).toBe(expected);
  });

  it('answers come in the order asked: a command and chat in one write reach the sender in that order', async () => {
    const r = await room();
    const a = await r.join();
    await a.write('/help\nhello\n/name x\n/who\nbye\n');
    await a.waitForLine(`[${a.label}] bye`);
    const since = clockTime(infoOf(r, a).connectedAt);
    expect(a.text).toBe(said(...HELP_LINES) + frame(a, 'hello') + said(
      `Tincan: [${a.label}] is now x`,
      'Tincan: 1 person here:',
      `Tincan: [${a.label}] x, since ${since} (you)`,
    ) + frame(a, 'bye'));
  });

  it('answers a telnet client (CR LF) in CR LF', async () => {
    const r = await room();
    const a = await r.join();
    await a.write('hi\r\n');
    await a.waitForText(`[${a.label}] hi\r\n`);
    a.clear();
    await a.write('/name tel\r\n/help\r\n');
    await a.waitForText(`${HELP_LINES[HELP_LINES.length - 1]!}\r\n`);
    expect(a.text).toBe([`Tincan: [${a.label}] is now tel`, ...HELP_LINES].map((line) => `${line}\r\n`).join(''));
  });
});

describe('ChatServer commands: bounds', () => {
  it('renames are rate-bound: past a burst, a change is refused and nobody else hears of it', async () => {
    const r = await room();
    const a = await r.join();
    const b = await r.join();
    for (let i = 0; i <= RENAME_BURST; i++) await b.write(`/name n${i}\n`);
    await b.waitForLine('Tincan: name refused: too many name changes; wait a minute.');
    const mark = await settle(b, [a]);
    const told = a.lines().filter((line) => line.startsWith('Tincan: '));
    expect(told).toHaveLength(RENAME_BURST);
    expect(a.text.endsWith(mark)).toBe(true);
    expect(r.server.nameOf(infoOf(r, b).id)).toBe(`n${RENAME_BURST - 1}`);
  });

  it('commands are rate-bound: past a burst, one warning and then silence until it may again', async () => {
    const r = await room();
    const a = await r.join();
    await a.write('/who\n'.repeat(COMMAND_BURST + 5));
    await a.waitForLine('Tincan: too many commands; wait a moment.');
    await settle(a, [a]);
    expect(a.lines().filter((line) => line === 'Tincan: 1 person here:')).toHaveLength(COMMAND_BURST);
    expect(a.lines().filter((line) => line.startsWith('Tincan: too many'))).toHaveLength(1);
  });

  it(`turns ended early to keep answers in order are bound room-wide (${EARLY_TURNS_PER_SECOND} a second); past it answers come after the turn`, async () => {
    const r = await room();
    const askers: RawClient[] = [];
    for (let i = 0; i < 10; i++) askers.push(await r.join());
    // 10 × COMMAND_BURST pairs, each asker's in one write: twice the early turns a second allows.
    const pairs = Array.from({ length: COMMAND_BURST }, (_, k) => `/help\nhi ${k}\n`).join('');
    await Promise.all(askers.map((asker) => asker.write(pairs)));
    const last = HELP_LINES[HELP_LINES.length - 1]!;
    let inOrder = 0;
    for (const asker of askers) {
      await asker.waitForLine(`[${asker.label}] hi ${COMMAND_BURST - 1}`);
      await asker.waitFor((c) => c.lines().filter((line) => line === last).length === COMMAND_BURST, 'every answer');
      let answered = 0;
      for (const line of asker.lines()) {
        if (line === last) answered++;
        const hi = /^\[[^\]]+\] hi (\d+)$/.exec(line);
        if (hi !== null && line.startsWith(`[${asker.label}]`) && answered > Number(hi[1])) inOrder++;
      }
    }
    expect(inOrder).toBeGreaterThanOrEqual(EARLY_TURNS_PER_SECOND);
    expect(inOrder).toBeLessThan(10 * COMMAND_BURST);
  });

  it('/who lists at most 50 people, then says how many more', async () => {
    const r = await room();
    const clients: RawClient[] = [];
    for (let i = 0; i < 53; i++) clients.push(await r.join());
    const asker = clients[52]!;
    await asker.write('/who\n');
    await asker.waitForLine('Tincan: and 3 more.');
    const lines = asker.lines().filter((line) => line.startsWith('Tincan: '));
    expect(lines[0]).toBe('Tincan: 53 people here:');
    expect(lines).toHaveLength(1 + 50 + 1);
    expect(lines[1]).toMatch(new RegExp(`^Tincan: \\[${clients[0]!.label.replace(/[.[\]]/g, '\\$&')}\\] \\(no name\\), since \\d\\d:\\d\\d$`));
  });
});

describe('ChatServer topic', () => {
  it('a newcomer hears the topic before anything live; a change is told to everyone; too long is refused', async () => {
    const r = await room({ topic: '  Lab\u200b 3:\tbring  [cables] ' });
    expect(r.server.topic).toBe('Lab 3: bring [cables]');
    const a = await r.join();
    await a.waitForLine('Tincan: topic: Lab 3: bring [cables]');
    const b = await r.join();
    await a.waitForLine(`[${b.label}] (connected)`);
    r.server.setTopic('pizza at 8');
    r.server.setTopic('pizza at 8'); // the same topic: nothing to tell
    await b.waitForLine('Tincan: topic: pizza at 8');
    expect(() => r.server.setTopic('x'.repeat(201))).toThrow(/at most 200 characters/);
    r.server.setTopic('');
    await b.waitForLine('Tincan: the topic was cleared.');
    const mark = await settle(b, [a, b]);
    expect(a.text).toBe(said('Tincan: topic: Lab 3: bring [cables]') + frame(b, '(connected)') +
      said('Tincan: topic: pizza at 8', 'Tincan: the topic was cleared.') + mark);
    expect(b.text).toBe(said('Tincan: topic: Lab 3: bring [cables]', 'Tincan: topic: pizza at 8', 'Tincan: the topic was cleared.') + mark);
    const c = await r.join();
    await settle(c, [c]);
    expect(c.text).toBe(frame(c, 'mark'));
  });
});

describe('ChatServer catch-up', () => {
  const header = (count: number) => new RegExp(`^Tincan: the last ${count === 1 ? 'line' : `${count} lines`}, \\d\\d:\\d\\d(–\\d\\d:\\d\\d)?:$`);

  it('a newcomer gets the last N chat lines as they were sent, between a header and a footer, before anything live', async () => {
    const r = await room({ replayLines: 3, topic: 'catch up' });
    const a = await r.join();
    const b = await r.join();
    for (const line of ['one', '(connected)', '/who', 'three', 'four']) await a.write(`${line}\n`);
    await a.write('/name alice\n');
    await b.waitForLine(`Tincan: [${a.label}] is now alice`);
    b.end();
    await a.waitForLine(`[${b.label}] (disconnected)`);
    const c = await r.join();
    await settle(a, [c]);
    const lines = c.lines();
    expect(lines[0]).toBe('Tincan: topic: catch up');
    expect(lines[1]).toMatch(header(3));
    // Only chat is replayed: not the /who reply, notices or name lines; a notice look-alike as it went out.
    expect(lines.slice(2)).toEqual([
      `[${a.label}] "(connected)"`,
      `[${a.label}] three`,
      `[${a.label}] four`,
      'Tincan: end of the replay; live from here.',
      `[${a.label}] mark`,
    ]);
  });

  it('is bounded in bytes as well as lines: the oldest lines go first', async () => {
    const r = await room({ replayLines: 100, replayMaxBytes: 1024 });
    const a = await r.join();
    for (let i = 0; i < 6; i++) await a.write(`${i}${'x'.repeat(299)}\n`);
    await a.waitForLine(`[${a.label}] 5${'x'.repeat(299)}`);
    const b = await r.join();
    await settle(a, [b]);
    const lines = b.lines();
    // Each frame is `[127.0.0.1:port] ` (~17 bytes) + 300 + 1: three fit in 1024, four do not.
    expect(lines[0]).toMatch(header(3));
    expect(lines.slice(1, 4)).toEqual([3, 4, 5].map((i) => `[${a.label}] ${i}${'x'.repeat(299)}`));
    expect(lines[4]).toBe('Tincan: end of the replay; live from here.');
  });

  it('a room without replay or topic greets a newcomer with nothing', async () => {
    const r = await room();
    const a = await r.join();
    await a.write('before\n');
    await a.waitForLine(`[${a.label}] before`);
    const b = await r.join();
    const mark = await settle(a, [b]);
    expect(b.text).toBe(mark);
  });

  it('a newcomer that does not read its catch-up is cut like any slow reader; the others go on', async () => {
    const r = await room({ replayLines: 1000, replayMaxBytes: 16 * 1024 * 1024, maxClientOutputBytes: 64 * 1024 });
    const leaves: [string, LeaveReason][] = [];
    r.server.on('leave', (client, reason) => leaves.push([client.peer, reason]));
    const a = await r.join();
    const line = 'y'.repeat(8000);
    for (let i = 0; i < 1000; i += 50) await a.write(`${i}${line}\n`.repeat(50));
    await a.waitForText(`[${a.label}] 950${line}\n`, 20_000);
    const stuck = await r.connect();
    stuck.socket.pause();
    await waitUntil(() => leaves.some(([peer, reason]) => peer === stuck.label && reason === 'slow'), 'the newcomer that does not read to be cut', 10_000);
    const mark = await settle(a, [a]);
    expect(a.text.endsWith(mark)).toBe(true);
    expect(leaves.filter(([peer]) => peer === a.label)).toEqual([]);
  });
});

describe('parseServerNotice: the server\'s people lines read back', () => {
  it('reads every line it writes, and nothing a member could send', () => {
    const peer = '10.0.0.5:50123';
    const v6 = '[fe80::1%eth0]:50123';
    expect(parseServerNotice(nameTakenLine(peer, 'alice'))).toEqual({ kind: 'name', peer, name: 'alice', previous: null });
    expect(parseServerNotice(nameChangedLine(v6, 'alice b', 'is nowhere'))).toEqual({ kind: 'name', peer: v6, name: 'is nowhere', previous: 'alice b' });
    expect(parseServerNotice(nameDroppedLine(peer, 'bob'))).toEqual({ kind: 'name', peer, name: null, previous: 'bob' });
    expect(parseServerNotice(nameTakenByLine('ALICE', 'alice', peer))).toEqual({ kind: 'name-refused', reason: `ALICE looks like alice, taken by [${peer}]; choose another.` });
    expect(parseServerNotice(topicLine('Lab 3'))).toEqual({ kind: 'topic', topic: 'Lab 3' });
    expect(parseServerNotice(TOPIC_CLEARED_LINE)).toEqual({ kind: 'topic', topic: null });
    const at = new Date(2026, 11, 7, 10, 2).getTime();
    expect(parseServerNotice(replayHeaderLine(12, at, at + 12 * 60_000))).toEqual({ kind: 'replay-start', count: 12 });
    expect(parseServerNotice(replayHeaderLine(1, at, at))).toEqual({ kind: 'replay-start', count: 1 });
    expect(replayHeaderLine(12, at, at + 12 * 60_000)).toBe('Tincan: the last 12 lines, 10:02–10:14:');
    expect(parseServerNotice(REPLAY_FOOTER_LINE)).toEqual({ kind: 'replay-end' });
    expect(parseServerNotice('Tincan: this room is full, try again later.')).toEqual({ kind: 'notice', text: 'Tincan: this room is full, try again later.' });
    expect(parseServerNotice(`[${peer}] Tincan: [1.2.3.4:5] is now admin`)).toBeNull();
  });
});

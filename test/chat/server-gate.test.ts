/**
 * The host decides who is in the room: a password newcomers must give first, and `/kick` and
 * `/ban` from the host's own client, over real sockets with raw clients (what nc is), real
 * telnet, and TLS.
 */
import { describe, expect, it } from 'vitest';
import {
  BANNED_LINE,
  BANS_FULL_LINE,
  HELP_LINES,
  HOST_HELP_LINES,
  HOST_ONLY_LINE,
  PASSWORD_ACCEPTED_LINE,
  PASSWORD_PROMPT_LINE,
  PASSWORD_WAITING_FULL_LINE,
  PASSWORD_WRONG_LINE,
  REMOVE_HOST_LINE,
  YOU_WERE_BANNED_LINE,
  YOU_WERE_REMOVED_LINE,
  parseServerNotice,
  passwordAttemptsLine,
  passwordTimeoutLine,
  removeNotFoundLine,
  removedLine,
} from '../../main/chat/server-lines';
import { ChatServer } from '../../main/chat/server';
import { RoomGate } from '../../main/chat/room-gate';
import { sourceKey } from '../../main/chat/address-limits';
import type { LeaveReason, RefusalReason } from '../../main/chat/types';
import type { RawClient } from '../support/raw-client';
import { type TestRoom, useRooms } from '../support/room';
import { spawnTerminal } from '../support/terminal';
import { connectTls, tlsOption } from '../support/tls';
import { waitUntil } from '../support/wait';
import { useCleanup } from '../support/cleanup';

const room = useRooms();
const defer = useCleanup();
const PASSWORD = 'open sesame';

function refusals(r: TestRoom): RefusalReason[] {
  const seen: RefusalReason[] = [];
  r.server.on('refused', (_peer, reason) => seen.push(reason));
  return seen;
}

/** A client let in with the password, once the room announced it. */
async function enter(r: TestRoom, localAddress?: string): Promise<RawClient> {
  const client = await r.connect(undefined, localAddress === undefined ? undefined : { localAddress });
  await client.waitForLine(PASSWORD_PROMPT_LINE);
  await client.write(`${PASSWORD}\n`);
  await client.waitForLine(PASSWORD_ACCEPTED_LINE);
  await waitUntil(() => r.server.clients().some((c) => c.peer === client.label), `${client.label} to be in the room`);
  return client;
}

/** The host's own client: trusted before it speaks (the room delays announcements so trust comes first). */
async function hostClient(r: TestRoom): Promise<RawClient> {
  const host = await r.connect();
  r.server.trustPeer(host.label);
  await waitUntil(() => r.server.clients().some((c) => c.peer === host.label), 'the host to be in the room');
  return host;
}

describe('a room password', () => {
  it('asks a newcomer, who is not announced, listed or told anything until its first line is the password', async () => {
    const r = await room({ password: PASSWORD });
    const a = await enter(r);
    const b = await r.connect();
    await b.waitForLine(PASSWORD_PROMPT_LINE);
    await a.write('before b is in\n');
    await a.waitForLine(`[${a.label}] before b is in`);
    expect(r.server.clients().map((c) => c.peer)).toEqual([a.label]);
    await b.write(`${PASSWORD}\nfirst words\n`);
    await a.waitForLine(`[${b.label}] first words`);
    await b.waitForLine(`[${b.label}] first words`);
    expect(b.text).toBe(`${PASSWORD_PROMPT_LINE}\n${PASSWORD_ACCEPTED_LINE}\n[${b.label}] first words\n`);
    expect(a.text).toBe(`${PASSWORD_PROMPT_LINE}\n${PASSWORD_ACCEPTED_LINE}\n[${a.label}] before b is in\n` +
      `[${b.label}] (connected)\n[${b.label}] first words\n`);
    expect(r.server.clients().map((c) => c.peer)).toEqual([a.label, b.label]);
  });

  it('closes a wrong password with a Tincan: line; the room never hears of it', async () => {
    const r = await room({ password: PASSWORD });
    const leaves: LeaveReason[] = [];
    r.server.on('leave', (_client, reason) => leaves.push(reason));
    const a = await enter(r);
    const b = await r.connect();
    await b.write('guess\nsecond line\n');
    await b.waitForEnd();
    expect(b.text).toBe(`${PASSWORD_PROMPT_LINE}\n${PASSWORD_WRONG_LINE}\n`);
    await a.write('mark\n');
    await a.waitForLine(`[${a.label}] mark`);
    expect(a.lines().slice(2)).toEqual([`[${a.label}] mark`]);
    expect(leaves).toEqual([]);
    expect(r.server.stats.linesRelayed).toBe(1);
  });

  it('limits wrong passwords per address, then refuses it at accept saying when to retry; other addresses still may', async () => {
    const r = await room({ password: PASSWORD, passwordAttemptsPerMinute: 2 });
    const refused = refusals(r);
    for (let i = 0; i < 2; i++) {
      const guess = await r.connect();
      await guess.write(`wrong ${i}\n`);
      await guess.waitForEnd();
      expect(guess.lines()).toEqual([PASSWORD_PROMPT_LINE, PASSWORD_WRONG_LINE]);
    }
    const third = await r.connect();
    await third.waitForEnd();
    expect(third.text).toBe(`${passwordAttemptsLine(30)}\n`); // 2 a minute: one back in 30 s
    expect(refused).toEqual(['password-attempts']);
    const elsewhere = await enter(r, '127.0.0.2');
    expect(r.server.clients().map((c) => c.peer)).toEqual([elsewhere.label]);
  });

  it('closes a newcomer that does not answer in time', async () => {
    const r = await room({ password: PASSWORD, passwordWaitMs: 300 });
    const silent = await r.connect();
    await silent.waitForEnd();
    expect(silent.text).toBe(`${PASSWORD_PROMPT_LINE}\n${passwordTimeoutLine(0)}\n`);
    expect(r.server.clients()).toEqual([]);
  });

  it('bounds the connections waiting for their password, per address and in total', async () => {
    const r = await room({ password: PASSWORD, maxPasswordWaitingPerAddress: 2, maxPasswordWaiting: 3 });
    const refused = refusals(r);
    const waiting = [await r.connect(), await r.connect()];
    for (const client of waiting) await client.waitForLine(PASSWORD_PROMPT_LINE);
    const overAddress = await r.connect();
    await overAddress.waitForEnd();
    expect(overAddress.text).toBe(`${PASSWORD_WAITING_FULL_LINE}\n`);
    const other = await r.connect(undefined, { localAddress: '127.0.0.2' });
    await other.waitForLine(PASSWORD_PROMPT_LINE);
    const overTotal = await r.connect(undefined, { localAddress: '127.0.0.3' });
    await overTotal.waitForEnd();
    expect(overTotal.text).toBe(`${PASSWORD_WAITING_FULL_LINE}\n`);
    expect(refused).toEqual(['password-waiting', 'password-waiting']);
    // One gives the password: its place is free again.
    await waiting[0]!.write(`${PASSWORD}\n`);
    await waiting[0]!.waitForLine(PASSWORD_ACCEPTED_LINE);
    const next = await r.connect(undefined, { localAddress: '127.0.0.3' });
    await next.waitForLine(PASSWORD_PROMPT_LINE);
  });

  it('asks a TLS client after its handshake, and lets it in with the password', async () => {
    const r = await room({ password: PASSWORD, tls: await tlsOption(), admitDelayMs: 20 });
    const plain = await enter(r);
    const secure = await connectTls(r);
    await secure.waitForLine(PASSWORD_PROMPT_LINE);
    await secure.write(`${PASSWORD}\n`);
    await secure.waitForLine(PASSWORD_ACCEPTED_LINE);
    await plain.waitForLine(`[${secure.label}] (connected)`);
    await secure.write('over TLS\n');
    await plain.waitForLine(`[${secure.label}] over TLS`);
    const wrong = await connectTls(r);
    await wrong.write('nope\n');
    await wrong.waitForEnd();
    expect(wrong.lines()).toEqual([PASSWORD_PROMPT_LINE, PASSWORD_WRONG_LINE]);
  });

  it('lets a real telnet user type it (CR LF line ends)', async () => {
    const r = await room({ password: PASSWORD });
    const a = await enter(r);
    const telnet = spawnTerminal('telnet', ['127.0.0.1', String(r.port)]);
    defer(() => telnet.kill());
    await telnet.waitFor(PASSWORD_PROMPT_LINE);
    telnet.send(`${PASSWORD}\n`);
    await telnet.waitFor(PASSWORD_ACCEPTED_LINE);
    telnet.send('hello from telnet\n');
    await a.waitForText('] hello from telnet\n');
  });

  it('does not ask the host\'s own client', async () => {
    const r = await room({ password: PASSWORD, admitDelayMs: 100 });
    const host = await hostClient(r);
    await host.write('hello\n');
    await host.waitForLine(`[${host.label}] hello`);
    expect(host.text).toBe(`[${host.label}] hello\n`);
  });

  it('keeps a newcomer\'s commands sent before the password (the app\'s /name) until it is in', async () => {
    const r = await room({ password: PASSWORD });
    const a = await enter(r);
    const b = await r.connect();
    await b.write(`/name bob\n${PASSWORD}\n`);
    await a.waitForLine(`Tincan: [${b.label}] is now bob`);
    expect(a.lines().slice(-2)).toEqual([`[${b.label}] (connected)`, `Tincan: [${b.label}] is now bob`]);
    expect(r.server.nameOf(r.server.clients()[1]!.id)).toBe('bob');
  });

  it('refuses a password a terminal could not type', () => {
    expect(() => new ChatServer({ password: '/who' })).toThrow(/cannot be a command/);
    expect(() => new ChatServer({ password: 'tab\there' })).toThrow(/control or invisible/);
    expect(() => new ChatServer({ password: '   ' })).toThrow(/empty/);
    expect(() => new ChatServer({ password: 'x'.repeat(257) })).toThrow(/256 bytes/);
  });
});

describe('/kick and /ban', () => {
  it('/kick NAME from the host closes that person with a Tincan: line; everyone else is told', async () => {
    const r = await room({ admitDelayMs: 50 });
    const leaves: LeaveReason[] = [];
    r.server.on('leave', (_client, reason) => leaves.push(reason));
    const host = await hostClient(r);
    const alice = await r.join();
    const bob = await r.join();
    await alice.write('/name alice\n');
    await bob.waitForLine(`Tincan: [${alice.label}] is now alice`);
    await host.write('/kick ALICE\n');
    await alice.waitForEnd();
    expect(alice.lines().at(-1)).toBe(YOU_WERE_REMOVED_LINE);
    const told = [removedLine(alice.label, 'alice', false), `[${alice.label}] (disconnected)`];
    await bob.waitForLine(told[1]!);
    expect(bob.lines().slice(-2)).toEqual(told);
    await host.waitForLine(told[1]!);
    expect(host.lines().slice(-2)).toEqual(told);
    expect(leaves).toEqual(['removed']);
    // A kick is not a ban: the address may come back.
    const again = await r.join();
    await bob.waitForLine(`[${again.label}] (connected)`);
  });

  it('/ban IP:port refuses the address (with a line) until the room closes; other addresses still join', async () => {
    const r = await room({ admitDelayMs: 50 });
    const refused = refusals(r);
    const host = await hostClient(r);
    const mallory = await r.connect(undefined, { localAddress: '127.0.0.9' });
    const second = await r.connect(undefined, { localAddress: '127.0.0.9' });
    const bob = await r.connect(undefined, { localAddress: '127.0.0.2' });
    await mallory.write('spam\n');
    await second.write('spam too\n');
    await bob.write('hi\n');
    await host.waitForLine(`[${bob.label}] hi`);
    await host.waitForLine(`[${second.label}] spam too`);
    await host.write(`/ban [${mallory.label}]\n`);
    await mallory.waitForEnd();
    await second.waitForEnd();
    expect(mallory.lines().at(-1)).toBe(YOU_WERE_BANNED_LINE);
    expect(second.lines().at(-1)).toBe(YOU_WERE_BANNED_LINE);
    await bob.waitForLine(`[${second.label}] (disconnected)`);
    expect(bob.lines()).toContain(removedLine(mallory.label, null, true));
    expect(bob.lines()).toContain(removedLine(second.label, null, true));
    const back = await r.connect(undefined, { localAddress: '127.0.0.9' });
    await back.waitForEnd();
    expect(back.text).toBe(`${BANNED_LINE}\n`);
    expect(refused).toEqual(['banned']);
    const other = await r.connect(undefined, { localAddress: '127.0.0.3' });
    await host.waitForLine(`[${other.label}] (connected)`);
  });

  it('a member\'s /kick is refused to it alone, never relayed, and removes no one', async () => {
    const r = await room();
    const alice = await r.join();
    const bob = await r.join();
    await alice.write(`/kick ${bob.label}\n`);
    await alice.waitForLine(HOST_ONLY_LINE);
    await alice.write('/ban bob\nmark\n');
    await bob.waitForLine(`[${alice.label}] mark`);
    expect(bob.lines()).toEqual([`[${alice.label}] mark`]);
    await alice.waitForLine(`[${alice.label}] mark`);
    expect(alice.lines()).toEqual([`[${bob.label}] (connected)`, HOST_ONLY_LINE, HOST_ONLY_LINE, `[${alice.label}] mark`]);
    expect(r.server.clients()).toHaveLength(2);
  });

  it('/help lists /kick and /ban to the host\'s own client only; a member gets the list it can use, byte for byte', async () => {
    const r = await room({ admitDelayMs: 50 });
    const host = await hostClient(r);
    const member = await r.connect(undefined, { localAddress: '127.0.0.6' });
    await member.write('hi\n'); // its first line announces it (the room delays quiet newcomers)
    await host.waitForLine(`[${member.label}] hi`);
    await host.write('/help\n');
    await host.waitForLine(HOST_HELP_LINES[HOST_HELP_LINES.length - 1]!);
    expect(host.lines().slice(2)).toEqual(HOST_HELP_LINES);
    expect(HOST_HELP_LINES.filter((line) => /^Tincan: \/(kick|ban) /.test(line))).toHaveLength(2);
    await member.write('/help\nmark\n');
    await member.waitForLine(`[${member.label}] mark`);
    expect(member.text).toBe([`[${member.label}] hi`, ...HELP_LINES, `[${member.label}] mark`].map((line) => `${line}\n`).join(''));
    expect(HELP_LINES.some((line) => /\/(kick|ban)/.test(line))).toBe(false);
  });

  it('tells the host when no one matches, when it names itself, and when the ban list is full', async () => {
    const r = await room({ admitDelayMs: 50, maxBans: 1 });
    const host = await hostClient(r);
    const a = await r.connect(undefined, { localAddress: '127.0.0.4' });
    const b = await r.connect(undefined, { localAddress: '127.0.0.5' });
    await a.write('a\n');
    await b.write('b\n');
    await host.waitForLine(`[${b.label}] b`);
    await host.write('/kick nobody\n');
    await host.waitForLine(removeNotFoundLine('nobody'));
    await host.write(`/kick ${host.label}\n`);
    await host.waitForLine(REMOVE_HOST_LINE);
    expect(r.server.remove(a.label, { ban: true })).toEqual({ ok: true, peer: a.label, name: null, banned: true });
    expect(r.server.remove(b.label, { ban: true })).toEqual({ ok: false, line: BANS_FULL_LINE });
    expect(r.server.clients().map((c) => c.peer)).toEqual([host.label, b.label]);
  });

  it('kicks from a password room, and the app reads every new line back', async () => {
    const r = await room({ password: PASSWORD });
    const a = await enter(r);
    expect(r.server.remove(a.label, { ban: false }).ok).toBe(true);
    await a.waitForEnd();
    expect(r.server.clients()).toEqual([]);
    expect(parseServerNotice(PASSWORD_PROMPT_LINE)).toEqual({ kind: 'password-required' });
    expect(parseServerNotice(PASSWORD_ACCEPTED_LINE)).toEqual({ kind: 'password-accepted' });
    expect(parseServerNotice(PASSWORD_WRONG_LINE)).toMatchObject({ kind: 'password-refused', reason: 'wrong' });
    expect(parseServerNotice(passwordTimeoutLine(60))).toMatchObject({ kind: 'password-refused', reason: 'timeout' });
    expect(parseServerNotice(passwordAttemptsLine(12))).toMatchObject({ kind: 'password-refused', reason: 'attempts' });
    expect(parseServerNotice(removedLine('10.0.0.5:50123', 'alice', false)))
      .toEqual({ kind: 'removed', peer: '10.0.0.5:50123', name: 'alice', banned: false });
    expect(parseServerNotice(removedLine('[::1]:5', null, true))).toEqual({ kind: 'removed', peer: '[::1]:5', name: null, banned: true });
    expect(parseServerNotice(removedLine('10.0.0.5:1', 'x was banned by the host.', false)))
      .toEqual({ kind: 'removed', peer: '10.0.0.5:1', name: 'x was banned by the host.', banned: false });
    expect(parseServerNotice(YOU_WERE_REMOVED_LINE)).toMatchObject({ kind: 'removed-you', banned: false });
    expect(parseServerNotice(YOU_WERE_BANNED_LINE)).toMatchObject({ kind: 'removed-you', banned: true });
    expect(parseServerNotice(BANNED_LINE)).toMatchObject({ kind: 'removed-you', banned: true });
  });
});

describe('RoomGate: the bounds behind the password and the bans', () => {
  const options = { password: PASSWORD, maxWaiting: 3, maxWaitingPerAddress: 2, attemptsPerMinute: 2, maxBans: 2 };

  it('bans an IPv6 address as its /64, and holds at most maxBans', () => {
    const gate = new RoomGate(options);
    expect(gate.ban(sourceKey('2001:db8:1:2::5'))).toBe(true);
    expect(gate.admit(sourceKey('2001:db8:1:2:ffff::9'), true, 0)).toEqual({ kind: 'banned' });
    expect(gate.admit(sourceKey('2001:db8:1:3::5'), true, 0)).toBeNull();
    expect(gate.ban('10.0.0.1')).toBe(true);
    expect(gate.ban('10.0.0.2')).toBe(false);
    expect(gate.banCount).toBe(2);
  });

  it('counts wrong passwords per address with their refill, and waiting connections per address and in total', () => {
    const gate = new RoomGate(options);
    gate.wrongAttempt('10.0.0.1', true, 0);
    expect(gate.admit('10.0.0.1', true, 0)).toBeNull();
    gate.wrongAttempt('10.0.0.1', true, 0);
    expect(gate.admit('10.0.0.1', true, 0)).toEqual({ kind: 'password-attempts', retryInSeconds: 30 });
    expect(gate.admit('10.0.0.1', true, 20_000)).toEqual({ kind: 'password-attempts', retryInSeconds: 10 });
    expect(gate.admit('10.0.0.1', true, 30_000)).toBeNull();
    // Not counted (loopback in a room that does not limit it): only the total holds.
    gate.wrongAttempt('127.0.0.1', false, 0);
    gate.wrongAttempt('127.0.0.1', false, 0);
    gate.wrongAttempt('127.0.0.1', false, 0);
    expect(gate.admit('127.0.0.1', false, 0)).toBeNull();
    gate.startWaiting('10.0.0.2', true);
    gate.startWaiting('10.0.0.2', true);
    expect(gate.admit('10.0.0.2', true, 0)).toEqual({ kind: 'password-waiting' });
    gate.startWaiting('127.0.0.1', false);
    expect(gate.admit('10.0.0.3', true, 0)).toEqual({ kind: 'password-waiting' });
    gate.stopWaiting('10.0.0.2', true);
    expect(gate.waiting).toBe(2);
    expect(gate.admit('10.0.0.2', true, 0)).toBeNull();
  });

  it('compares the password exactly, whatever its length', () => {
    const gate = new RoomGate(options);
    expect(gate.matches(Buffer.from(PASSWORD))).toBe(true);
    expect(gate.matches(Buffer.from(`${PASSWORD} `))).toBe(false);
    expect(gate.matches(Buffer.from('open'))).toBe(false);
    expect(gate.matches(Buffer.from('x'.repeat(10_000)))).toBe(false);
  });
});

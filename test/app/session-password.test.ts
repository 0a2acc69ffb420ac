/**
 * The session in rooms the host guards: hosting with a password, joining one (the prompt,
 * the password sent as the first line, remembered per host), a wrong one, and being removed
 * by the host. Real sockets: a ChatServer and the session's own ChatClient.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_ROOM_PASSWORDS,
  MemoryRoomPasswordStore,
  rememberRoomPassword,
  sanitizeRoomPasswords,
  type RoomPassword,
} from '../../main/app/room-passwords';
import type { BridgeEvent, SessionStatus } from '../../main/common/ipc-contract';
import { PASSWORD_PROMPT_LINE, PASSWORD_ACCEPTED_LINE, YOU_WERE_BANNED_LINE } from '../../main/chat/server-lines';
import { type EventRecorder } from '../support/event-recorder';
import { RawClient } from '../support/raw-client';
import { waitUntil } from '../support/wait';
import { useCleanup } from '../support/cleanup';
import { sessionMaker, sessionPeers } from '../support/session';

/** The memory store, counting its saves so a test can wait for one. */
class CountingStore extends MemoryRoomPasswordStore {
  saves = 0;
  override async save(passwords: RoomPassword[]): Promise<void> {
    await super.save(passwords);
    this.saves++;
  }
}

const PASSWORD = 'open sesame';
const defer = useCleanup();
const newSession = sessionMaker(defer);
const { startServer } = sessionPeers(defer);


type PasswordEvent = Extract<BridgeEvent, { type: 'password' }>;
function passwordEvents(events: EventRecorder): PasswordEvent[] {
  return events.events.filter((event): event is PasswordEvent => event.type === 'password');
}

function connected(status: SessionStatus | undefined): boolean {
  return status !== undefined && status.mode !== 'idle' && status.connection === 'connected';
}

describe('joining a room with a password', () => {
  it('tells the window the room asks, sends what the user typed as the first line, and remembers it when asked', async () => {
    const { server, port } = await startServer({ password: PASSWORD });
    const roomPasswords = new CountingStore();
    const { session, events } = newSession({ roomPasswords });
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await events.waitFor(() => passwordEvents(events).length > 0, 'the password prompt');
    const address = `127.0.0.1:${port}`;
    expect(passwordEvents(events)).toEqual([{ type: 'password', state: 'required', address, message: null }]);
    expect(server.clients()).toEqual([]);
    expect(await session.sendPassword({ password: PASSWORD, remember: true })).toEqual({ ok: true, value: null });
    await events.waitFor(() => passwordEvents(events).some((event) => event.state === 'accepted'), 'accepted');
    expect(server.clients()).toHaveLength(1);
    await waitUntil(() => roomPasswords.saves === 1, 'the password saved');
    expect(await roomPasswords.load()).toEqual([{ address, password: PASSWORD }]);
    expect(events.lines.filter((line) => line.kind === 'notice').map((line) => line.text)).toEqual([PASSWORD_PROMPT_LINE, PASSWORD_ACCEPTED_LINE]);

    // Next time the remembered password goes by itself: no prompt for the window.
    await session.leave();
    const again = newSession({ roomPasswords });
    expect((await again.session.join({ address })).ok).toBe(true);
    await again.events.waitFor(() => passwordEvents(again.events).some((event) => event.state === 'accepted'), 'accepted again');
    expect(passwordEvents(again.events).map((event) => event.state)).toEqual(['accepted']);
  });

  it('a line typed while the room waits for its password is not taken as the password: it goes out once the room lets us in', async () => {
    const { server, port } = await startServer({ password: PASSWORD });
    const { session, events } = newSession();
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await events.waitFor(() => passwordEvents(events).length > 0, 'the password prompt');
    const waiting = await session.send({ text: 'hello before the password' });
    expect(waiting).toMatchObject({ ok: true, value: { lines: 0 } });
    const watcher = await RawClient.connect(port);
    defer(() => watcher.destroy());
    await watcher.waitForLine(PASSWORD_PROMPT_LINE);
    await watcher.write(`${PASSWORD}\n`);
    await watcher.waitForLine(PASSWORD_ACCEPTED_LINE);
    expect(await session.sendPassword({ password: PASSWORD, remember: false })).toEqual({ ok: true, value: null });
    await watcher.waitForText('] hello before the password\n');
    // It went out after the password, not as it: the session is in and the line reached the room.
    expect(server.clients()).toHaveLength(2);
    await events.waitFor(() => passwordEvents(events).some((event) => event.state === 'accepted'), 'accepted');
    expect(passwordEvents(events).map((event) => event.state)).toEqual(['required', 'accepted']);
  });

  it('a wrong password: the window is told why, the session leaves (no reconnecting) and forgets a remembered one', async () => {
    const { port } = await startServer({ password: PASSWORD });
    const address = `127.0.0.1:${port}`;
    const roomPasswords = new CountingStore([{ address, password: 'old password' }, { address: 'other:1', password: 'x' }]);
    const { session, events } = newSession({ roomPasswords });
    expect((await session.join({ address })).ok).toBe(true);
    await events.waitFor(() => events.lastStatus?.mode === 'idle', 'back to idle');
    expect(passwordEvents(events)).toEqual([{ type: 'password', state: 'refused', address, message: `Wrong password for ${address}.` }]);
    expect(events.events.some((event) => event.type === 'reconnecting')).toBe(false);
    await waitUntil(() => roomPasswords.saves === 1, 'the password forgotten');
    expect(await roomPasswords.load()).toEqual([{ address: 'other:1', password: 'x' }]);
    // Typed by hand, it is refused the same way, and nothing is remembered.
    expect((await session.join({ address })).ok).toBe(true);
    await events.waitFor(() => passwordEvents(events).filter((event) => event.state === 'required').length === 1, 'the prompt');
    expect((await session.sendPassword({ password: 'guess', remember: true })).ok).toBe(true);
    await events.waitFor(() => passwordEvents(events).filter((event) => event.state === 'refused').length === 2, 'refused');
    expect(await roomPasswords.load()).toEqual([{ address: 'other:1', password: 'x' }]);
    expect(roomPasswords.saves).toBe(1);
  });

  it('refuses bad password requests', async () => {
    const { session } = newSession();
    expect(await session.sendPassword({ password: PASSWORD, remember: false })).toMatchObject({ ok: false });
    expect(await session.sendPassword({ password: 'a\nb', remember: false })).toMatchObject({ ok: false });
    expect(await session.sendPassword({ password: 'x'.repeat(257), remember: false })).toMatchObject({ ok: false });
    expect(await session.sendPassword({ password: 'x' } as never)).toMatchObject({ ok: false });
  });
});

describe('hosting with a password, and removing people', () => {
  it('the host is never asked; a raw client is; the host removes and bans from the session', async () => {
    const { session, events } = newSession();
    const hosted = await session.host({ port: 0, scope: 'local', password: PASSWORD });
    expect(hosted.ok).toBe(true);
    if (!hosted.ok) return;
    await events.waitFor(() => connected(events.lastStatus), 'the host connected');
    const raw = await RawClient.connect(hosted.value.port);
    defer(() => raw.destroy());
    await raw.waitForLine(PASSWORD_PROMPT_LINE);
    await raw.write(`${PASSWORD}\nhello host\n`);
    await events.waitFor(() => events.lines.some((line) => line.text === 'hello host'), 'the raw client\'s line');
    expect(events.lines.some((line) => line.text === PASSWORD_PROMPT_LINE)).toBe(false);
    expect(await session.removePerson({ peer: '10.9.9.9:1', ban: false })).toEqual({ ok: false, error: 'no one here is called 10.9.9.9:1.' });
    expect(await session.removePerson({ peer: raw.label, ban: true })).toEqual({ ok: true, value: null });
    await raw.waitForEnd();
    expect(raw.lines().at(-1)).toBe(YOU_WERE_BANNED_LINE);
    await events.waitFor(() => events.lines.some((line) => line.notice?.kind === 'removed'), 'the removal notice');
    expect(events.lines.find((line) => line.notice?.kind === 'removed')?.notice).toEqual({ kind: 'removed', peer: raw.label, name: null, banned: true });
  });

  it('a joiner the host removes is told and does not reconnect', async () => {
    const { server, port } = await startServer();
    const { session, events } = newSession();
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await events.waitFor(() => connected(events.lastStatus), 'connected');
    const self = server.clients()[0]!.peer;
    expect(server.remove(self, { ban: false }).ok).toBe(true);
    await events.waitFor(() => events.lastStatus?.mode === 'idle', 'back to idle');
    expect(events.events).toContainEqual({ type: 'notice', level: 'error', message: `The host of 127.0.0.1:${port} removed you from the room.` });
    expect(events.events.some((event) => event.type === 'reconnecting')).toBe(false);
    expect(await session.removePerson({ peer: self, ban: false })).toEqual({ ok: false, error: 'Only the host removes people.' });
  });
});

describe('remembered room passwords', () => {
  it('are bounded in count, one per host, and a damaged file yields only well-formed entries', () => {
    let known = sanitizeRoomPasswords(undefined);
    for (let i = 0; i < MAX_ROOM_PASSWORDS + 5; i++) known = rememberRoomPassword(known, `h${i}:1`, `p${i}`);
    expect(known).toHaveLength(MAX_ROOM_PASSWORDS);
    expect(known[0]).toEqual({ address: `h${MAX_ROOM_PASSWORDS + 4}:1`, password: `p${MAX_ROOM_PASSWORDS + 4}` });
    expect(rememberRoomPassword(known, 'h40:1', 'new').filter((entry) => entry.address === 'h40:1')).toEqual([{ address: 'h40:1', password: 'new' }]);
    expect(sanitizeRoomPasswords([{ address: 'a:1', password: 'x' }, { address: 'a:1', password: 'y' }, { address: 5 }, null, { address: 'b:1', password: 'z'.repeat(300) }]))
      .toEqual([{ address: 'a:1', password: 'x' }]);
  });
});

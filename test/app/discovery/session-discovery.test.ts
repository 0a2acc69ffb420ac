/**
 * ChatSession with LAN discovery turned on, on loopback only (`only: ['lo']`): a room hosted
 * for the network is announced under its name and follows its people count, a room for this
 * computer only is not, the Join screen's list arrives as 'rooms' events, a failed join says
 * why, and the host panel gets its advice. Other test files may run rooms on loopback at the
 * same time, so each test looks for its own room by name.
 */
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatSession, type ChatSessionOptions, type SessionDiscoveryOptions } from '../../../main/app/session';
import { RoomFinder } from '../../../main/app/discovery/finder';
import { MemoryPreferencesStore } from '../../../main/app/preferences';
import type { Advice, DiscoveredRoom } from '../../../main/common/ipc-contract';
import { EventRecorder } from '../../support/event-recorder';
import { freePort } from '../../support/ports';
import { RawClient } from '../../support/raw-client';
import { Signal } from '../../support/wait';
import { linkedNamespace } from '../../support/netns';
import { ipcCalls } from '../../support/ipc';
import { LAPTOP } from './tables';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function loopback(port: number): SessionDiscoveryOptions {
  return { interfaces: os.networkInterfaces, selection: { only: ['lo'] }, appVersion: '0.1.0', beaconPorts: [port] };
}

function newSession(options: ChatSessionOptions): { session: ChatSession; events: EventRecorder } {
  const session = new ChatSession({ defaultRoomName: 'ana’s room on lab-3', ...options });
  const events = new EventRecorder(session);
  cleanups.push(() => session.close());
  return { session, events };
}

/** An independent finder on loopback: what another app on this machine would see. */
async function watcher(port: number): Promise<{ finder: RoomFinder; until: (match: (rooms: DiscoveredRoom[]) => boolean, what: string) => Promise<DiscoveredRoom[]> }> {
  const finder = new RoomFinder({ interfaces: os.networkInterfaces, selection: { only: ['lo'] }, beaconPorts: [port] });
  const changed = new Signal();
  finder.on('change', () => changed.notify());
  cleanups.push(() => finder.close());
  await finder.start();
  return {
    finder,
    until: async (match, what) => {
      await changed.until(() => match(finder.rooms), () => `${what}; rooms: ${JSON.stringify(finder.rooms)}`, 10_000);
      return finder.rooms;
    },
  };
}

const named = (name: string) => (rooms: DiscoveredRoom[]) => rooms.find((room) => room.name === name);

describe('ChatSession with LAN discovery', () => {
  it('announces a room for the network under its name, follows its people count, and says goodbye on leave', async () => {
    const port = await freePort();
    const preferences = new MemoryPreferencesStore();
    const { session } = newSession({ discovery: loopback(port), preferences });
    const { until } = await watcher(port);
    const hosted = await session.host({ port, scope: 'lan', name: '  Lab 3 \u001b[31m' });
    expect(hosted).toMatchObject({ ok: true, value: { roomName: 'Lab 3', scope: 'lan' } });
    // The host's own window is the first person in the room.
    const seen = named('Lab 3')(await until((rooms) => named('Lab 3')(rooms)?.people === 1, 'Lab 3 with 1 person'));
    expect(seen?.addresses).toContain(`127.0.0.1:${port}`);

    const raw = await RawClient.connect(port);
    cleanups.push(() => raw.destroy());
    await until((rooms) => named('Lab 3')(rooms)?.people === 2, 'Lab 3 with 2 people');
    raw.destroy();
    await until((rooms) => named('Lab 3')(rooms)?.people === 1, 'Lab 3 with 1 person again');

    await session.leave();
    await until((rooms) => named('Lab 3')(rooms) === undefined, 'Lab 3 to leave the list');
    expect(await preferences.load()).toMatchObject({ roomName: 'Lab 3', hostedBefore: true, lastScope: 'lan' });
  });

  it('gives a room the default name when none is typed, and refuses a name it cannot announce', async () => {
    const port = await freePort();
    const { session } = newSession({ discovery: loopback(port) });
    expect(await session.host({ port, scope: 'lan', name: '\u0007 ' })).toMatchObject({ ok: false, error: 'The room needs a name others will recognise.' });
    expect(await session.host({ port, scope: 'lan', name: 'é'.repeat(40) })).toMatchObject({ ok: false, error: expect.stringMatching(/too long: at most 63 bytes/) as unknown });
    expect(await ipcCalls(session).host({ port, scope: 'lan', name: 'x'.repeat(201) })).toMatchObject({ ok: false, error: expect.stringMatching(/The room name is too long: at most 200 characters/) as unknown });
    const { until } = await watcher(port);
    expect(await session.host({ port, scope: 'lan' })).toMatchObject({ ok: true, value: { roomName: 'ana’s room on lab-3' } });
    await until((rooms) => named('ana’s room on lab-3')(rooms) !== undefined, 'the default name');
    const snapshot = await session.getSnapshot();
    expect(snapshot.ok && snapshot.value.defaultRoomName).toBe('ana’s room on lab-3');
  });

  it('never announces a room for this computer only', async () => {
    const localPort = await freePort();
    const { session: local } = newSession({ discovery: loopback(localPort) });
    expect(await local.host({ port: localPort, scope: 'local', name: 'Secret room' })).toMatchObject({ ok: true, value: { roomName: null } });
    // A control room on the beacon port the watcher hears: once it is seen, an announcement
    // of the local room (sent while it started, before the control's) would have been too.
    const { until } = await watcher(localPort);
    const controlPort = await freePort();
    const { session: control } = newSession({ discovery: { ...loopback(controlPort), beaconPorts: [localPort] } });
    await control.host({ port: controlPort, scope: 'lan', name: 'Control room' });
    const rooms = await until((list) => named('Control room')(list)?.sources.includes('mdns') === true, 'the control room');
    expect(rooms.map((room) => room.name)).not.toContain('Secret room');
  });

  it('findRooms answers with the rooms seen so far and sends each change as a "rooms" event until stopped', async () => {
    const port = await freePort();
    const { session: host } = newSession({ discovery: loopback(port) });
    await host.host({ port, scope: 'lan', name: 'Listed room' });
    const { session: joiner, events } = newSession({ discovery: loopback(port) });
    const found = await joiner.findRooms();
    expect(found.ok).toBe(true);
    const latest = () => events.events.filter((event) => event.type === 'rooms').at(-1);
    await events.waitFor(() => {
      const last = latest();
      return last?.type === 'rooms' && last.rooms.some((room) => room.name === 'Listed room');
    }, 'a rooms event listing the room', 10_000);
    // The list joins with the room's address as the Join field takes it.
    const last = latest();
    const room = last?.type === 'rooms' ? last.rooms.find((r) => r.name === 'Listed room') : undefined;
    const joined = await joiner.join({ address: room?.addresses[0] ?? '' });
    expect(joined).toMatchObject({ ok: true, value: { host: '127.0.0.1', port } });
    expect(await joiner.stopFindingRooms()).toEqual({ ok: true, value: null });
    await host.leave();
    // Stopped: the room's goodbye no longer reaches this session's list.
    const before = events.events.filter((event) => event.type === 'rooms').length;
    await events.waitFor(() => events.lastStatus?.mode === 'joined' && events.lastStatus.connection === 'reconnecting', 'the joiner to notice the host left');
    expect(events.events.filter((event) => event.type === 'rooms')).toHaveLength(before);
    // And it can look again.
    expect((await joiner.findRooms()).ok).toBe(true);
  });

  it('without discovery nothing is announced and the list stays empty', async () => {
    const { session } = newSession({});
    expect(await session.findRooms()).toEqual({ ok: true, value: [] });
    const port = await freePort();
    expect(await session.host({ port, scope: 'lan', name: 'Not announced' })).toMatchObject({ ok: true, value: { roomName: null } });
  });

  it('a failed join says why and what to try, with the test command', async () => {
    const { session } = newSession({});
    const port = await freePort();
    const result = await session.join({ address: `127.0.0.1:${port}` });
    expect(result).toMatchObject({
      ok: false,
      help: {
        summary: `Nothing is listening at 127.0.0.1:${port}.`,
        suggestion: expect.stringMatching(/No room is open on this computer on port/) as unknown,
        command: `nc -vz 127.0.0.1 ${port}`,
      },
      after: { status: { mode: 'idle' } },
    });
    // A bad address never reaches the network: no help, only the sentence about the address.
    const bad = await session.join({ address: '300.1.2.3' });
    expect(bad.ok).toBe(false);
    expect('help' in bad).toBe(false);
  });

  it('on a Mac, no route to a machine on this network points at the Local Network permission', async () => {
    // Nobody at .77 on the namespace's link: the neighbour lookup fails and connect says EHOSTUNREACH.
    const ns = await linkedNamespace('10.82.0.1', '10.82.0.2', 24);
    cleanups.push(() => ns.close());
    const { session } = newSession({ platform: 'darwin' });
    const result = await session.join({ address: '10.82.0.77:60003' });
    expect(result).toMatchObject({ ok: false, help: { summary: expect.stringMatching(/macOS is most likely keeping Tincan off the local network/) as unknown } });
  }, 15_000);

  it('the host panel says when nobody else can reach this machine, and adds the firewall hint when the check finds one', async () => {
    const checks: [number, boolean][] = [];
    const firewall: Advice = { summary: 'The firewall (ufw) is on.', suggestion: 'Allow the port:', command: 'sudo ufw allow 60003/tcp' };
    const preferences = new MemoryPreferencesStore();
    const { session, events } = newSession({
      preferences,
      networkInterfaces: () => ({ lo: LAPTOP.lo }),
      firewallCheck: async (port, firstTime) => {
        checks.push([port, firstTime]);
        return firewall;
      },
    });
    const port = await freePort();
    const hosted = await session.host({ port, scope: 'lan' });
    expect(hosted.ok && hosted.value.advice[0]?.summary).toMatch(/not connected to a network/);
    await events.waitFor(() => events.lastStatus?.mode === 'hosting' && events.lastStatus.host.advice.some((a) => a.command === firewall.command), 'the firewall hint');
    expect(checks).toEqual([[port, true]]);
    await session.leave();
    await session.host({ port, scope: 'lan' });
    await events.waitFor(() => checks.length === 2, 'the second check');
    expect(checks[1]).toEqual([port, false]);
    await session.leave();
    // A local room needs neither.
    const local = await session.host({ port, scope: 'local' });
    expect(local.ok && local.value.advice).toEqual([]);
    expect(checks).toHaveLength(2);
  });
});

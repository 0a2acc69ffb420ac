/**
 * The session with its history (a real HistoryService on a real file, on its worker thread)
 * and its notifications: lines are stored per event batch, rejoining shows the earlier
 * lines, a reload restores the room, history off writes nothing, search, export, clearing,
 * and the unread and notification events, in a real room over real sockets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { HistoryService, type HistoryServiceOptions } from '../../main/app/history/service';
import type { DesktopNotification, NotificationEffects, UnreadState } from '../../main/app/notifications/policy';
import { MemoryPreferencesStore, defaultPreferences } from '../../main/app/preferences';
import { ChatSession, SAVE_IN_PROGRESS_ERROR, type ChatSessionOptions } from '../../main/app/session';
import { fail, ok, type BridgeEvent, type DiscoveredRoom, type HistoryView, type Preferences, type Result } from '../../main/common/ipc-contract';
import type { RoomAddress } from '../../main/common/history';
import { useCleanup } from '../support/cleanup';
import { MemoryLogger } from '../support/memory-logger';
import { freePort } from '../support/ports';
import { EventRecorder } from '../support/event-recorder';
import { RawClient } from '../support/raw-client';
import { useRooms } from '../support/room';
import { nextTurn, waitUntil } from '../support/wait';
import { filesContain, holdStoreInAnotherProcess, temporaryFolder } from './history/helpers';
import { value } from '../support/result';
import { ipcCalls } from '../support/ipc';

const defer = useCleanup();
const room = useRooms();

interface Setup {
  session: ChatSession;
  events: EventRecorder;
  history: HistoryService;
  file: string;
  dir: string;
}

async function setup(
  options: ChatSessionOptions & {
    preferences?: never;
    prefs?: Partial<Preferences>;
    file?: string;
    acknowledge?: boolean;
    historyOptions?: Partial<HistoryServiceOptions>;
  } = {},
): Promise<Setup> {
  const folder = temporaryFolder();
  defer(() => folder.remove());
  const file = options.file ?? path.join(folder.dir, 'history.sqlite');
  const prefs = { ...defaultPreferences(), ...options.prefs };
  const history = await HistoryService.open({ file, retention: prefs.historyRetention, ...options.historyOptions });
  defer(() => history.close());
  const { prefs: _prefs, file: _file, acknowledge, historyOptions: _historyOptions, ...rest } = options;
  const session = new ChatSession({ eventBatchMs: 20, preferences: new MemoryPreferencesStore(prefs), history, ...rest });
  defer(() => session.close());
  const events = new EventRecorder(session, { acknowledge: acknowledge ?? true });
  defer(() => events.dispose());
  return { session, events, history, file, dir: folder.dir };
}

async function joinRoom(session: ChatSession, port: number): Promise<void> {
  value(await session.join({ address: `127.0.0.1:${port}` }));
}

async function guestOf(port: number): Promise<RawClient> {
  const guest = await RawClient.connect(port);
  defer(() => guest.destroy());
  return guest;
}

const texts = (view: HistoryView): string[] => view.lines.map((line) => line.text);

describe('session history', () => {
  it('stores each event batch in one append; leaving and rejoining shows the earlier lines, re-sending nothing', async () => {
    const testRoom = await room();
    const { session, events } = await setup();
    const guest = await guestOf(testRoom.port);
    await joinRoom(session, testRoom.port);
    await guest.write('before you left\n');
    value(await session.send({ text: 'my own line' }));
    await events.waitFor(() => events.lines.some((line) => line.text === 'my own line'), 'our line');
    value(await session.leave());
    await guest.waitFor((client) => client.text.includes('(disconnected)'), 'the guest to hear we left');

    const guestBytes = guest.byteLength;
    await joinRoom(session, testRoom.port);
    await events.waitFor(() => events.lastStatus?.mode === 'joined' && events.lastStatus.connection === 'connected', 'rejoined');
    const view = value(await session.historyView({ beforeId: null }));
    expect(view.room).toEqual({ host: '127.0.0.1', port: testRoom.port });
    const earlier = view.lines.filter((line) => line.id <= view.visitStartId);
    expect(earlier.map((line) => [line.kind, line.text, line.ours])).toEqual([
      ['message', 'before you left', false],
      ['message', 'my own line', true],
    ]);
    // Earlier lines are not live lines of this visit.
    expect(earlier.every((line) => line.seq === null)).toBe(true);
    // Rejoining told the others nothing but that we connected.
    await guest.waitFor((client) => client.byteLength > guestBytes, 'the guest to hear of the rejoin');
    expect(guest.text.slice(guest.text.length - (guest.byteLength - guestBytes))).toMatch(/^\[127\.0\.0\.1:\d+\] \(connected\)\n$/);

    await guest.write('after the rejoin\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'after the rejoin'), 'the new line');
    const after = value(await session.historyView({ beforeId: null }));
    const live = events.lines.find((line) => line.text === 'after the rejoin')!;
    const stored = after.lines.find((line) => line.text === 'after the rejoin')!;
    expect(stored.id).toBeGreaterThan(after.visitStartId);
    expect(stored.seq).toBe(live.seq);
    expect(after.liveSeq).toBeGreaterThanOrEqual(live.seq);
  });

  it('a reload restores the current room: its lines with their live seqs, older pages on request', async () => {
    const testRoom = await room();
    const { session, events } = await setup();
    const guest = await guestOf(testRoom.port);
    await joinRoom(session, testRoom.port);
    await guest.write(Array.from({ length: 250 }, (_, index) => `line ${index}\n`).join(''));
    await events.waitFor(() => events.lines.filter((line) => line.text.startsWith('line ')).length === 250, 'the lines');

    // A reloaded window: a fresh snapshot, then the newest page.
    const snapshot = value(await session.getSnapshot());
    expect(snapshot.status.mode).toBe('joined');
    expect(snapshot.history).toMatchObject({ available: true, persistent: true });
    const newest = value(await session.historyView({ beforeId: null }));
    expect(newest.lines).toHaveLength(200);
    expect(newest.hasMore).toBe(true);
    expect(newest.lines.at(-1)!.text).toBe('line 249');
    const liveByText = new Map(events.lines.map((line) => [line.text, line.seq]));
    expect(newest.lines.every((line) => line.seq === liveByText.get(line.text))).toBe(true);
    expect(newest.liveSeq).toBe(events.lines.at(-1)!.seq);

    const older = value(await session.historyView({ beforeId: newest.lines[0]!.id }));
    expect(texts(older).slice(-3)).toEqual(['line 47', 'line 48', 'line 49']);
    expect(older.liveSeq).toBe(0);
  });

  it('this session only: the chat is kept in memory for the window, nothing is written to disk', async () => {
    const testRoom = await room();
    const { session, events, file, history } = await setup({ prefs: { historyRetention: 'session' } });
    expect(history.status).toMatchObject({ available: true, persistent: false, retention: 'session' });
    const guest = await guestOf(testRoom.port);
    await joinRoom(session, testRoom.port);
    await guest.write('ephemeral marmoset\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'ephemeral marmoset'), 'the line');
    expect(texts(value(await session.historyView({ beforeId: null })))).toContain('ephemeral marmoset');
    expect(value(await session.searchHistory({ query: 'marmoset', scope: 'room' })).hits).toHaveLength(1);
    expect(fs.existsSync(file)).toBe(false);
    expect(filesContain(file, 'marmoset')).toBe(false);
  });

  it('switching to this session only empties the file; the setting is saved', async () => {
    const testRoom = await room();
    const { session, events, file } = await setup();
    const guest = await guestOf(testRoom.port);
    await joinRoom(session, testRoom.port);
    await guest.write('wombat secrets\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'wombat secrets'), 'the line');
    await session.historyView({ beforeId: null });
    expect(filesContain(file, 'wombat')).toBe(true);
    const updated = value(await session.updateSettings({ historyRetention: 'session' }));
    expect(updated.historyRetention).toBe('session');
    await events.waitFor(() => events.events.some((event) => event.type === 'history' && event.reset), 'a history reset');
    expect(filesContain(file, 'wombat')).toBe(false);
    await guest.write('still shown\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'still shown'), 'the next line');
    expect(texts(value(await session.historyView({ beforeId: null })))).toEqual(expect.arrayContaining(['wombat secrets', 'still shown']));
    expect(filesContain(file, 'still shown')).toBe(false);
  });

  it('searches this room or all rooms and shows a hit in its context', async () => {
    const first = await room();
    const second = await room();
    const { session, events } = await setup();
    for (const [testRoom, word] of [
      [first, 'alpha'],
      [second, 'beta'],
    ] as const) {
      const guest = await guestOf(testRoom.port);
      await joinRoom(session, testRoom.port);
      await guest.write(`one\nthe ${word} meeting\nthree\n`);
      await events.waitFor(() => events.lines.some((line) => line.text === 'three' && line.seq > (events.lines.find((l) => l.text === `the ${word} meeting`)?.seq ?? Infinity)), 'the lines');
      value(await session.leave());
    }
    expect(await session.searchHistory({ query: 'meeting', scope: 'room' })).toEqual({ ok: false, error: 'You are not in a room: search all rooms instead.' });
    const all = value(await session.searchHistory({ query: 'meet', scope: 'all' }));
    expect(all.hits.map((hit) => [hit.line.text, hit.room.port, hit.matches])).toEqual([
      ['the beta meeting', second.port, [[9, 13]]],
      ['the alpha meeting', first.port, [[10, 14]]],
    ]);
    await joinRoom(session, first.port);
    expect(value(await session.searchHistory({ query: 'meeting', scope: 'room' })).hits.map((hit) => hit.line.text)).toEqual(['the alpha meeting']);
    const context = value(await session.historyContext({ lineId: all.hits[1]!.line.id }));
    expect(context.lines.map((line) => line.text)).toEqual(expect.arrayContaining(['one', 'the alpha meeting', 'three']));
    expect(context.room.port).toBe(first.port);
    // Bad arguments are refused with a sentence.
    const calls = ipcCalls(session);
    expect((await calls.searchHistory({ query: 'x'.repeat(300), scope: 'all' })).ok).toBe(false);
    expect((await calls.historyContext({ lineId: -1 })).ok).toBe(false);
    expect((await calls.historyPage({ room: { host: '', port: 1 } })).ok).toBe(false);
  });

  it('saves the transcript where the chooser says, exactly; cancelling saves nothing', async () => {
    const testRoom = await room();
    const { session, events, dir } = await setup();
    const guest = await guestOf(testRoom.port);
    await joinRoom(session, testRoom.port);
    await guest.write('hello there\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'hello there'), 'the line');
    const target = path.join(dir, 'saved.txt');
    const saved = value(await session.saveTranscript(async () => ({ ok: true, value: target })));
    const content = fs.readFileSync(target, 'utf8');
    expect(saved).toEqual({ file: target, lines: content.split('\n').length - 1, bytes: Buffer.byteLength(content) });
    const lines = events.lines;
    const expected = lines
      .map((line) => {
        const d = new Date(line.at);
        const two = (n: number) => String(n).padStart(2, '0');
        const time = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
        return line.kind === 'message' ? `${time} ${line.peer}: ${line.text}` : `${time} ${line.peer} ${line.kind === 'connected' ? 'joined' : 'left'}`;
      })
      .join('\n');
    expect(content).toBe(`${expected}\n`);
    expect(value(await session.saveTranscript(async () => ({ ok: true, value: null })))).toBeNull();
  });

  it('saves one transcript at a time: a second request while the dialog is open is refused, not stacked', async () => {
    const testRoom = await room();
    const { session, events, dir } = await setup();
    const guest = await guestOf(testRoom.port);
    await joinRoom(session, testRoom.port);
    await guest.write('one line to save\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'one line to save'), 'the line');
    let answer: (file: string | null) => void = () => undefined;
    let dialogs = 0;
    const slowChooser = () => {
      dialogs += 1;
      return new Promise<Result<string | null>>((resolve) => {
        answer = (file) => resolve(ok(file));
      });
    };
    const first = session.saveTranscript(slowChooser);
    await waitUntil(() => dialogs === 1, 'the first dialog');
    expect(await session.saveTranscript(slowChooser)).toEqual(fail(SAVE_IN_PROGRESS_ERROR));
    expect(dialogs).toBe(1);
    const target = path.join(dir, 'one.txt');
    answer(target);
    expect(value(await first)?.file).toBe(target);
    // Once it is done, saving works again.
    const again = session.saveTranscript(slowChooser);
    await waitUntil(() => dialogs === 2, 'the second dialog');
    answer(null);
    expect(value(await again)).toBeNull();
  });

  it('clears this room or everything, and tells the window to reload what it shows', async () => {
    const testRoom = await room();
    const { session, events } = await setup();
    const guest = await guestOf(testRoom.port);
    await joinRoom(session, testRoom.port);
    await guest.write('to be cleared\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'to be cleared'), 'the line');
    expect(value(await session.clearHistory({ scope: 'room' }))).toBeGreaterThan(0);
    await events.waitFor(() => events.events.some((event) => event.type === 'history' && event.reset), 'a reset');
    expect(texts(value(await session.historyView({ beforeId: null })))).toEqual([]);
    expect(value(await session.clearHistory({ scope: 'all' }))).toBeNull();
    value(await session.leave());
    expect(await session.clearHistory({ scope: 'room' })).toEqual({ ok: false, error: 'You are not in a room: host or join one first.' });
  });

  it('history unavailable (another process holds the file): the chat goes on, the window is told why', async () => {
    const folder = temporaryFolder();
    defer(() => folder.remove());
    const file = path.join(folder.dir, 'history.sqlite');
    const holder = holdStoreInAnotherProcess(file);
    defer(() => holder.release());
    await holder.ready;
    const testRoom = await room();
    const { session, events } = await setup({ file });
    const snapshot = value(await session.getSnapshot());
    expect(snapshot.history).toEqual({ available: false, reason: `another Tincan is using the history file (${file}).`, retention: 'forever' });
    const guest = await guestOf(testRoom.port);
    await joinRoom(session, testRoom.port);
    await guest.write('the chat works\n');
    value(await session.send({ text: 'and so do we' }));
    await events.waitFor(() => events.lines.some((line) => line.text === 'and so do we'), 'our line');
    expect(events.lines.some((line) => line.text === 'the chat works')).toBe(true);
    expect(await session.historyView({ beforeId: null })).toEqual({
      ok: false,
      error: `History is unavailable: another Tincan is using the history file (${file}).`,
    });
  });

  it('a window that falls behind: lines skipped for it are all stored and all counted unread; the history covers what it skipped', async () => {
    const unread: number[] = [];
    const attention = { notify: () => undefined, flash: () => undefined, unread: (state: UnreadState) => unread.push(state.count) };
    // A cap below the high-water mark, so lines are skipped before the socket would be paused
    // (the last resort, reached when pausing is not enough); and no line rate for the flood.
    const flowLimits = { maxInFlight: 1, maxPendingLines: 200, highWaterLines: 10_000, lowWaterLines: 20 };
    const serverOptions = { maxLinesPerSecond: 0 };
    const { session, events, dir } = await setup({ acknowledge: false, flowLimits, attention, serverOptions });
    value(await session.getSnapshot());
    const { port } = value(await session.host({ port: 0, scope: 'local' }));
    value(await session.setViewState({ focused: false, atBottom: true }));
    const guest = await guestOf(port);
    const count = 3000;
    await guest.write(Array.from({ length: count }, (_, index) => `flood ${index}\n`).join(''));

    // The window took nothing: lines were skipped for it, yet every one counts as unread…
    await waitUntil(() => unread.at(-1) === count, () => `all ${count} unread (last count ${unread.at(-1)})`, 15_000);
    expect(session.flowStats.skippedLines).toBeGreaterThan(0);
    // …and every one is in the history, in order.
    const target = path.join(dir, 'all.txt');
    value(await session.saveTranscript(async () => ({ ok: true, value: target })));
    const stored = fs.readFileSync(target, 'utf8').split('\n').flatMap((text) => /: (flood \d+)$/.exec(text)?.[1] ?? []);
    expect(stored).toEqual(Array.from({ length: count }, (_, index) => `flood ${index}`));

    // The window catches up: it hears what was skipped, and the history's newest page holds those lines.
    const caughtUp = (): boolean => events.lines.some((line) => line.text === `flood ${count - 1}`);
    while (!caughtUp()) {
      const before = events.batches.length;
      events.acknowledgeAll();
      await events.waitFor(() => events.batches.length > before, 'the next batch once the last one was taken');
    }
    const skipped = events.lines.filter((line) => line.kind === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]!.text).toMatch(/^[\d,]+ lines? skipped while catching up$/);
    const view = value(await session.historyView({ beforeId: null }));
    expect(view.liveSeq).toBeGreaterThanOrEqual(skipped.at(-1)!.seq);
    expect(view.lines.some((line) => line.text === 'flood 2999' && line.seq !== null)).toBe(true);
    // The snapshot's recent lines are what arrived, never the window's stand-ins.
    expect(value(await session.getSnapshot()).lines.every((line) => line.kind !== 'skipped')).toBe(true);
  });

  it('a history that falls behind pauses the socket, though no window holds anything back, and stores every line', async () => {
    const logger = new MemoryLogger();
    const { session, events, dir, history } = await setup({
      logger,
      historyOptions: { highWaterBytes: 64 * 1024, lowWaterBytes: 16 * 1024 },
      serverOptions: { maxLinesPerSecond: 0 },
    });
    // No window (macOS keeps running without one): every batch is taken at once.
    events.dispose();
    const { port } = value(await session.host({ port: 0, scope: 'local' }));
    const guest = await guestOf(port);
    const count = 2000;
    const long = 'z'.repeat(4000);
    const writing = guest.write(Array.from({ length: count }, (_, index) => `long ${index} ${long}\n`).join(''));
    await waitUntil(() => logger.events().includes('history behind'), 'the history to fall behind', 15_000);
    await waitUntil(() => logger.events().includes('history caught up'), 'the history to catch up', 15_000);
    await writing;
    // Held back, never dropped: every line is stored (the guest's join too), in order.
    const deadline = Date.now() + 15_000;
    while ((await history.stats()).stored < count + 1) {
      if (Date.now() > deadline) throw new Error(`only ${(await history.stats()).stored} of ${count + 1} lines stored after 15 s`);
      await nextTurn();
    }
    expect((await history.stats()).droppedBehind).toBe(0);
    const target = path.join(dir, 'all.txt');
    value(await session.saveTranscript(async () => ({ ok: true, value: target })));
    const stored = fs.readFileSync(target, 'utf8').split('\n').flatMap((text) => /: long (\d+) z+$/.exec(text)?.[1] ?? []);
    expect(stored).toEqual(Array.from({ length: count }, (_, index) => String(index)));
    expect(session.flowStats.socketPaused).toBe(false);
  });

  it('a hosted room is stored under the name from the Host form: search, export and the Save dialog say it', async () => {
    const { session, events, dir } = await setup();
    const { port } = value(await session.host({ port: 0, scope: 'local', name: 'Kitchen' }));
    const guest = await guestOf(port);
    await guest.write('the kettle is on\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'the kettle is on'), 'the line');
    const [hit] = value(await session.searchHistory({ query: 'kettle', scope: 'all' })).hits;
    expect(hit?.room).toMatchObject({ host: '127.0.0.1', port, name: 'Kitchen' });
    const asked: (RoomAddress & { name: string | null })[] = [];
    const target = path.join(dir, 'kitchen.txt');
    value(await session.saveTranscript(async (room) => (asked.push(room), { ok: true, value: target })));
    expect(asked).toEqual([{ host: '127.0.0.1', port, name: 'Kitchen' }]);
    expect(fs.readFileSync(target, 'utf8').split('\n')[0]).toBe(`Tincan transcript of “Kitchen” (127.0.0.1:${port})`);
  });

  it('a room joined from the network’s list is stored under the name it is listed with', async () => {
    const beaconPort = await freePort();
    const discovery = { interfaces: os.networkInterfaces, selection: { only: ['lo'] }, appVersion: '0.1.0', beaconPorts: [beaconPort] };
    const { session: host } = await setup({ discovery });
    const { port } = value(await host.host({ port: beaconPort, scope: 'lan', name: 'Attic lab' }));
    const { session: joiner, events } = await setup({ discovery });
    value(await joiner.findRooms());
    let listed: DiscoveredRoom | undefined;
    await events.waitFor(() => {
      const last = events.events.filter((event) => event.type === 'rooms').at(-1);
      listed = last?.type === 'rooms' ? last.rooms.find((room) => room.name === 'Attic lab') : undefined;
      return listed !== undefined;
    }, 'the room in the list', 10_000);
    value(await joiner.join({ address: listed!.addresses.find((address) => address === `127.0.0.1:${port}`) ?? '' }));
    value(await host.send({ text: 'up in the attic' }));
    await events.waitFor(() => events.lines.some((line) => line.text === 'up in the attic'), 'the line');
    const [hit] = value(await joiner.searchHistory({ query: 'attic', scope: 'all' })).hits;
    expect(hit?.room).toMatchObject({ host: '127.0.0.1', port, name: 'Attic lab' });
  });

  it('a window without history answers without throwing', async () => {
    const session = new ChatSession();
    defer(() => session.close());
    expect(value(await session.getSnapshot()).history).toMatchObject({ available: false });
    expect(value(await session.historyView({ beforeId: null })).lines).toEqual([]);
    expect((await session.searchHistory({ query: 'x', scope: 'all' })).ok).toBe(false);
  });
});

describe('session attention', () => {
  interface RecordingEffects extends NotificationEffects {
    notifications: DesktopNotification[];
    unreadStates: UnreadState[];
    flashes: boolean[];
  }

  function recordingEffects(): RecordingEffects {
    const effects: RecordingEffects = {
      notifications: [],
      unreadStates: [],
      flashes: [],
      notify: (notification) => effects.notifications.push(notification),
      unread: (state) => effects.unreadStates.push(state),
      flash: (on) => effects.flashes.push(on),
    };
    return effects;
  }

  it('while unfocused: unread events for the window, a notification with the chosen privacy, a flash for a mention', async () => {
    const testRoom = await room();
    const effects = recordingEffects();
    const { session, events } = await setup({ attention: effects, prefs: { notificationPrivacy: 'full', mentionKeywords: ['Ann'] } });
    value(await session.getSnapshot());
    const guest = await guestOf(testRoom.port);
    await joinRoom(session, testRoom.port);
    value(await session.setViewState({ focused: false, atBottom: true }));
    await guest.write('hello Ann, are you there?\n');
    await waitUntil(() => effects.notifications.length === 1, 'a notification');
    const line = events.lines.find((candidate) => candidate.text === 'hello Ann, are you there?')!;
    expect(effects.notifications[0]).toEqual({
      title: `${guest.label} mentioned you`,
      body: 'hello Ann, are you there?',
      lineId: line.seq,
      count: 1,
      mention: true,
    });
    expect(effects.flashes).toEqual([true]);
    const unread = events.events.filter((event): event is Extract<BridgeEvent, { type: 'unread' }> => event.type === 'unread');
    expect(unread.at(-1)).toEqual({ type: 'unread', count: 1, mentions: 1, firstUnreadSeq: line.seq });
    expect(value(await session.getSnapshot()).unread).toEqual({ count: 1, mentions: 1, firstUnreadSeq: line.seq });

    value(await session.setViewState({ focused: true, atBottom: true }));
    await events.waitFor(() => events.events.some((event) => event.type === 'unread' && event.count === 0), 'unread cleared');
    expect(effects.flashes).toEqual([true, false]);
    session.revealLine(line.seq);
    await events.waitFor(() => events.events.some((event) => event.type === 'jump' && event.seq === line.seq), 'the jump');
  });

  it('sender-only privacy keeps the text out; do not disturb silences but still counts', async () => {
    const testRoom = await room();
    const effects = recordingEffects();
    const { session, events } = await setup({ attention: effects });
    value(await session.getSnapshot());
    const guest = await guestOf(testRoom.port);
    await joinRoom(session, testRoom.port);
    value(await session.setViewState({ focused: false, atBottom: true }));
    await guest.write('secret plans\n');
    await waitUntil(() => effects.notifications.length === 1, 'a notification');
    expect(effects.notifications[0]).toMatchObject({ title: guest.label, body: `New message in 127.0.0.1:${testRoom.port}` });
    value(await session.updateSettings({ doNotDisturb: true }));
    await guest.write('while you were away\n');
    await events.waitFor(() => events.events.some((event) => event.type === 'unread' && event.count === 2), 'unread 2');
    // Back from do not disturb: the next notification is about the next line alone.
    value(await session.updateSettings({ doNotDisturb: false }));
    await guest.write('welcome back\n');
    await waitUntil(() => effects.notifications.length === 2, 'the second notification');
    expect(effects.notifications[1]).toMatchObject({ count: 1, title: guest.label });
    expect(effects.unreadStates.at(-1)).toMatchObject({ count: 3, badge: '3' });
    expect((await ipcCalls(session).updateSettings({ mentionKeywords: ['x'.repeat(100)] })).ok).toBe(false);
  });

  it('an ignored person’s lines neither notify nor count as unread; others’ still do, and ignoring ends with the window', async () => {
    const testRoom = await room();
    const effects = recordingEffects();
    const { session, events } = await setup({ attention: effects, prefs: { notificationPrivacy: 'full', mentionKeywords: ['Ann'] } });
    value(await session.getSnapshot());
    const pest = await guestOf(testRoom.port);
    const friend = await guestOf(testRoom.port);
    await joinRoom(session, testRoom.port);
    value(await session.setViewState({ focused: false, atBottom: true }));
    value(await ipcCalls(session).setIgnored({ peers: [pest.label] }));
    await pest.write('hey Ann, look at me\n');
    await friend.write('hello from a friend\n');
    await waitUntil(() => effects.notifications.length === 1, 'the friend’s notification');
    await events.waitFor(() => events.lines.some((line) => line.text === 'hey Ann, look at me'), 'the ignored line (still shown to the window)');
    expect(effects.notifications[0]).toMatchObject({ title: friend.label, body: 'hello from a friend', count: 1 });
    expect(effects.flashes).toEqual([]);
    expect(effects.unreadStates.at(-1)).toMatchObject({ count: 1 });

    // A reloaded window ignores nobody until it says otherwise.
    session.resetDelivery();
    await pest.write('me again, Ann\n');
    await waitUntil(() => effects.notifications.length === 2, 'the no longer ignored line');
    expect(effects.notifications[1]).toMatchObject({ title: `${pest.label} mentioned you`, body: 'me again, Ann' });

    const calls = ipcCalls(session);
    expect((await calls.setIgnored({ peers: Array.from({ length: 1001 }, (_, index) => `10.0.0.1:${index + 1}`) })).ok).toBe(false);
    expect((await calls.setIgnored({ peers: 'everyone' })).ok).toBe(false);
    expect((await calls.setIgnored({ peers: ['x'.repeat(301)] })).ok).toBe(false);
  });
});

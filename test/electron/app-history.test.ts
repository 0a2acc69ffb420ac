/**
 * The app wired with its history and attention adapters, against the mocked Electron: the
 * database in userData, every line stored, "Save transcript…" through the save dialog, a
 * notification (and its click), the badge, and an orderly close.
 */
import fs from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS, type BridgeEvent, type HistoryView, type Result } from '../../main/common/ipc-contract';
import { HISTORY_FILE_NAME, startTincan, type ElectronMain, type TincanOptions } from '../../main/electron/app';
import { RENDERER_URL } from '../../main/electron/app-protocol';
import { MemoryLogger } from '../support/memory-logger';
import { freePort } from '../support/ports';
import { RawClient } from '../support/raw-client';
import { waitUntil } from '../support/wait';
import { acknowledgeBatches, createFakeElectron, FakeBrowserWindow, FakeNotification, sentEvents, type FakeElectron } from './fake-electron';

vi.mock('electron', async () => (await import('./fake-electron')).createFakeElectron());

const MAIN_DIRECTORY = path.join(path.sep, 'opt', 'tincan', 'resources', 'app.asar', 'dist', 'main');
// The page comes from app:// (the app's own scheme): the sender checks compare that origin.
const OUR_FRAME = { url: RENDERER_URL, parent: null };

let root = '';
let electron: FakeElectron;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tincan-app-history-'));
  electron = createFakeElectron(root);
  FakeBrowserWindow.instances.length = 0;
  FakeNotification.reset();
});

afterEach(async () => {
  if (!electron.app.exited && electron.app.listenerCount('will-quit') > 0) {
    electron.app.quit();
    await waitUntil(() => electron.app.exited, 'the app to exit');
  }
  await rm(root, { recursive: true, force: true });
});

async function startReady(options: Omit<TincanOptions, 'discovery'> = {}): Promise<FakeBrowserWindow> {
  const tincan = startTincan(electron as unknown as ElectronMain, MAIN_DIRECTORY, { discovery: null, createLogger: () => new MemoryLogger(), ...options });
  electron.app.ready();
  await tincan.ready;
  const window = FakeBrowserWindow.instances[0];
  if (!window) throw new Error('no window');
  // The page takes every batch, as the preload tells main (flow control).
  acknowledgeBatches(electron, window, OUR_FRAME);
  return window;
}

function invoke<T>(window: FakeBrowserWindow, channel: string, ...args: unknown[]): Promise<Result<T>> {
  return electron.ipcMain.invoke(channel, window.webContents, OUR_FRAME, ...args) as Promise<Result<T>>;
}

function sent(window: FakeBrowserWindow): BridgeEvent[] {
  return sentEvents(window);
}

async function hostWithGuest(window: FakeBrowserWindow, name?: string): Promise<{ port: number; guest: RawClient }> {
  const port = await freePort();
  const hosted = await invoke(window, CHANNELS.host, { port, scope: 'local', ...(name === undefined ? {} : { name }) });
  expect(hosted.ok).toBe(true);
  const guest = await RawClient.connect(port);
  await waitUntil(() => sent(window).some((event) => event.type === 'lines' && event.lines.some((line) => line.peer === guest.label)), 'the guest’s join');
  return { port, guest };
}

describe('the app with history and attention', () => {
  it('stores every line in userData/history.sqlite (private) and serves the room back', async () => {
    const window = await startReady();
    const { guest } = await hostWithGuest(window);
    try {
      await guest.write('kept for later\n');
      await waitUntil(() => sent(window).some((event) => event.type === 'lines' && event.lines.some((line) => line.text === 'kept for later')), 'the line');
      const view = await invoke<HistoryView>(window, CHANNELS.historyView, { beforeId: null });
      if (!view.ok) throw new Error(view.error);
      expect(view.value.lines.map((line) => line.text)).toContain('kept for later');
      const file = path.join(root, 'Tincan', HISTORY_FILE_NAME);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(await invoke(window, CHANNELS.historyView, { beforeId: 'x' })).toMatchObject({ ok: false });
      expect(await invoke(window, CHANNELS.searchHistory, { query: 'x'.repeat(10_000), scope: 'all' })).toMatchObject({ ok: false });
    } finally {
      guest.destroy();
    }
  });

  it('Save transcript… opens the save dialog on the window, named after the room, and writes the chosen file', async () => {
    const window = await startReady();
    const { guest, port } = await hostWithGuest(window, 'Lab: 3/4');
    try {
      await guest.write('for the record\n');
      await waitUntil(() => sent(window).some((event) => event.type === 'lines' && event.lines.some((line) => line.text === 'for the record')), 'the line');
      expect(await invoke(window, CHANNELS.saveTranscript)).toEqual({ ok: true, value: null });
      const target = path.join(root, 'saved.txt');
      electron.dialog.answer = target;
      const saved = await invoke<{ file: string; lines: number }>(window, CHANNELS.saveTranscript);
      expect(saved).toMatchObject({ ok: true, value: { file: target } });
      const written = fs.readFileSync(target, 'utf8');
      expect(written.split('\n')[0]).toBe(`Tincan transcript of “Lab: 3/4” (127.0.0.1:${port})`);
      expect(written.endsWith(` ${guest.label}: for the record\n`)).toBe(true);
      const [owner, options] = electron.dialog.showSaveDialog.mock.calls.at(-1) as [unknown, { defaultPath: string }];
      expect(owner).toBe(window);
      expect(path.dirname(options.defaultPath)).toBe(root);
      expect(path.basename(options.defaultPath)).toMatch(/^Tincan Lab- 3-4 \d{4}-\d{2}-\d{2}\.txt$/);
      expect(await invoke(window, CHANNELS.saveTranscript, 'junk')).toMatchObject({ ok: false });
    } finally {
      guest.destroy();
    }
  });

  it('with the window closed (macOS keeps running), a flood is held back for the history, not dropped', async () => {
    const logger = new MemoryLogger();
    const window = await startReady({ createLogger: () => logger, historyBacklog: { highWaterBytes: 64 * 1024, lowWaterBytes: 16 * 1024 } });
    const { guest } = await hostWithGuest(window);
    try {
      window.simulateClose();
      // The server's burst allowance (200 lines) of lines near the 8 KiB limit: 1.6 MB at once.
      const count = 200;
      const writing = guest.write(Array.from({ length: count }, (_, index) => `long ${index} ${'z'.repeat(8000)}\n`).join(''));
      await waitUntil(() => logger.events().includes('history behind'), 'the history to hold the socket back', 15_000);
      await waitUntil(() => logger.events().includes('history caught up'), 'the history to catch up', 15_000);
      await writing;
    } finally {
      guest.destroy();
    }
    electron.app.quit();
    await waitUntil(() => electron.app.exited, 'the app to exit', 15_000);
    // What was read before the quit is all on disk, in order, with nothing missing in between.
    const raw = new DatabaseSync(path.join(root, 'Tincan', HISTORY_FILE_NAME), { readOnly: true });
    const texts = raw.prepare("SELECT text FROM lines WHERE text LIKE 'long %' ORDER BY id").all().map((row) => String(row.text).split(' ')[1]);
    raw.close();
    expect(texts.length).toBeGreaterThan(0);
    expect(texts).toEqual(Array.from({ length: texts.length }, (_, index) => String(index)));
  });

  it('in the background: badge, a notification, and its click brings the window up at the message', async () => {
    const window = await startReady();
    const { guest } = await hostWithGuest(window);
    try {
      expect(await invoke(window, CHANNELS.setViewState, { focused: false, atBottom: true })).toEqual({ ok: true, value: null });
      await guest.write('are you there?\n');
      await waitUntil(() => FakeNotification.instances.length === 1, 'a notification');
      const notification = FakeNotification.instances[0]!;
      expect(notification.shown).toBe(true);
      expect(notification.options).toMatchObject({ title: guest.label, silent: false });
      expect(notification.options.body).toMatch(/^New message in your room \(port \d+\)$/);
      expect(electron.app.setBadgeCount).toHaveBeenLastCalledWith(1);
      const line = sent(window)
        .flatMap((event) => (event.type === 'lines' ? event.lines : []))
        .find((candidate) => candidate.text === 'are you there?')!;
      window.minimized = true;
      notification.emit('click');
      expect(window.restore).toHaveBeenCalled();
      expect(window.focus).toHaveBeenCalled();
      await waitUntil(() => sent(window).some((event) => event.type === 'jump' && event.seq === line.seq), 'the jump to the line');
      await invoke(window, CHANNELS.setViewState, { focused: true, atBottom: true });
      await waitUntil(() => electron.app.badgeCount === 0, 'the badge cleared');
    } finally {
      guest.destroy();
    }
  });

  it('macOS with the window closed: a notification click opens a new window, which then shows the line', async () => {
    const window = await startReady();
    const { guest } = await hostWithGuest(window);
    try {
      await invoke(window, CHANNELS.setViewState, { focused: false, atBottom: true });
      await guest.write('still there?\n');
      await waitUntil(() => FakeNotification.instances.length === 1, 'a notification');
      const line = sent(window)
        .flatMap((event) => (event.type === 'lines' ? event.lines : []))
        .find((candidate) => candidate.text === 'still there?')!;
      // macOS: closing the window leaves the app (and the room) running.
      window.simulateClose();
      FakeNotification.instances[0]!.emit('click');
      await waitUntil(() => FakeBrowserWindow.instances.length === 2, 'a new window');
      const reopened = FakeBrowserWindow.instances[1]!;
      acknowledgeBatches(electron, reopened, OUR_FRAME);
      await waitUntil(() => reopened.visible, 'the new window shown');
      await waitUntil(() => sent(reopened).some((event) => event.type === 'jump' && event.seq === line.seq), 'the jump in the new window');
      // A second launch with the window closed opens one too (and never a second one while one is open).
      reopened.simulateClose();
      electron.app.emit('second-instance', {}, ['tincan'], '/');
      electron.app.emit('second-instance', {}, ['tincan'], '/');
      await waitUntil(() => FakeBrowserWindow.instances.length === 3, 'a window for the second launch');
      await waitUntil(() => FakeBrowserWindow.instances[2]!.visible, 'it shown');
      expect(FakeBrowserWindow.instances).toHaveLength(3);
    } finally {
      guest.destroy();
    }
  });

  it('a notification the system refuses is logged once and said in Settings', async () => {
    const logger = new MemoryLogger();
    const tincan = startTincan(electron as unknown as ElectronMain, MAIN_DIRECTORY, { discovery: null, createLogger: () => logger });
    electron.app.ready();
    await tincan.ready;
    const window = FakeBrowserWindow.instances[0]!;
    acknowledgeBatches(electron, window, OUR_FRAME);
    const { guest } = await hostWithGuest(window);
    try {
      await invoke(window, CHANNELS.setViewState, { focused: false, atBottom: true });
      for (const [index, text] of ['one', 'two'].entries()) {
        await guest.write(`${text}\n`);
        await waitUntil(() => FakeNotification.instances.length === index + 1, `notification ${index + 1}`);
        FakeNotification.instances[index]!.emit('failed', {}, `not allowed ${'!'.repeat(1000)}`);
      }
      expect(logger.entries.filter((entry) => entry.event === 'notification not shown')).toHaveLength(1);
      expect(String(logger.entries.find((entry) => entry.event === 'notification not shown')?.fields.error).length).toBeLessThanOrEqual(200);
      await waitUntil(() => sent(window).some((event) => event.type === 'notifications' && event.problem !== null), 'the problem sent to the window');
      const snapshot = await invoke<{ notificationProblem: string | null }>(window, CHANNELS.getSnapshot);
      expect(snapshot.ok && snapshot.value.notificationProblem).toMatch(/did not show Tincan’s notifications/);
    } finally {
      guest.destroy();
    }
  });

  it('Windows log-off: query-session-end closes the room for everyone and stores the history, without a quit', async () => {
    const logger = new MemoryLogger();
    const tincan = startTincan(electron as unknown as ElectronMain, MAIN_DIRECTORY, { discovery: null, createLogger: () => logger });
    electron.app.ready();
    await tincan.ready;
    const window = FakeBrowserWindow.instances[0]!;
    acknowledgeBatches(electron, window, OUR_FRAME);
    const { guest } = await hostWithGuest(window);
    try {
      await guest.write('said just before log-off\n');
      await waitUntil(() => sent(window).some((event) => event.type === 'lines' && event.lines.some((line) => line.text === 'said just before log-off')), 'the line');
      // Neither 'before-quit' nor 'will-quit' comes: only the window hears Windows.
      window.emit('query-session-end', { preventDefault: () => undefined, reasons: ['logoff'] });
      window.emit('session-end', { reasons: ['logoff'] });
      await guest.waitForEnd();
      await waitUntil(() => electron.app.exited, 'the app to exit');
    } finally {
      guest.destroy();
    }
    expect(logger.entries.filter((entry) => entry.event === 'quitting')).toEqual([{ level: 'info', event: 'quitting', fields: { reason: 'query-session-end' } }]);
    // The history was closed, its pending lines in the file.
    const file = path.join(root, 'Tincan', HISTORY_FILE_NAME);
    const stored = [file, `${file}-wal`].filter((name) => fs.existsSync(name)).map((name) => fs.readFileSync(name));
    expect(stored.some((bytes) => bytes.includes('said just before log-off'))).toBe(true);
  });

  it('settings are validated, saved and applied', async () => {
    const window = await startReady();
    expect(await invoke(window, CHANNELS.updateSettings, { notificationPrivacy: 'loud' })).toMatchObject({ ok: false });
    const updated = await invoke<{ doNotDisturb: boolean; historyRetention: string }>(window, CHANNELS.updateSettings, {
      doNotDisturb: true,
      historyRetention: 'session',
    });
    expect(updated).toMatchObject({ ok: true, value: { doNotDisturb: true, historyRetention: 'session' } });
    const saved = JSON.parse(fs.readFileSync(path.join(root, 'Tincan', 'preferences.json'), 'utf8')) as { doNotDisturb: boolean };
    expect(saved.doNotDisturb).toBe(true);
    await waitUntil(() => sent(window).some((event) => event.type === 'history' && event.reset && event.status.available && !event.status.persistent), 'history in memory');
  });
});

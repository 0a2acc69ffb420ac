/** "Save transcript…": the mocked native dialog, then a real export from a real store. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TranscriptStore } from '../../main/app/history/store';
import { saveTranscript, suggestedTranscriptName } from '../../main/electron/save-transcript';
import { message, ROOM_A, ROOM_B, temporaryFolder } from '../app/history/helpers';
import { fakeSaveDialog } from './fake-electron';

let folder: ReturnType<typeof temporaryFolder>;
let store: TranscriptStore;

beforeEach(() => {
  folder = temporaryFolder();
  store = TranscriptStore.open({ file: path.join(folder.dir, 'history.sqlite') });
});

afterEach(() => {
  store.close();
  folder.remove();
});

function deps(dialog: ReturnType<typeof fakeSaveDialog>, window: unknown = null) {
  return {
    dialog: dialog as never,
    window: () => window as never,
    defaultFolder: () => folder.dir,
    exportRoom: async (room: typeof ROOM_A, file: string) => store.exportRoom(room, file),
  };
}

describe('saveTranscript', () => {
  it('asks where to save (a sensible name in the documents folder) and writes the transcript there', async () => {
    const at = new Date(2026, 11, 1, 14, 3, 7).getTime();
    store.append(ROOM_A, [message('hello', { at, sender: '10.0.0.5:50123' })]);
    const target = path.join(folder.dir, 'chosen.txt');
    const dialog = fakeSaveDialog(target);
    const window = { isDestroyed: () => false };
    const saved = await saveTranscript(deps(dialog, window), ROOM_A, at);
    expect(saved).toEqual({ ok: true, value: { file: target, lines: 1, bytes: fs.statSync(target).size } });
    expect(fs.readFileSync(target, 'utf8')).toBe('2026-12-01 14:03:07 [10.0.0.5:50123] hello\n');
    const [owner, options] = dialog.showSaveDialog.mock.calls[0] as [unknown, { defaultPath: string; filters: unknown[] }];
    expect(owner).toBe(window);
    expect(options.defaultPath).toBe(path.join(folder.dir, 'Tincan 10.0.0.5 port 60003 2026-12-01.txt'));
    expect(options.filters).toContainEqual({ name: 'Text', extensions: ['txt'] });
  });

  it('cancelling writes nothing', async () => {
    store.append(ROOM_A, [message('hello')]);
    const saved = await saveTranscript(deps(fakeSaveDialog(null)), ROOM_A);
    expect(saved).toEqual({ ok: true, value: null });
    expect(fs.readdirSync(folder.dir).filter((name) => name.endsWith('.txt'))).toEqual([]);
  });

  it('passes on the export’s failure as a sentence', async () => {
    const saved = await saveTranscript(deps(fakeSaveDialog(path.join(folder.dir, 'x.txt'))), ROOM_B);
    expect(saved).toEqual({ ok: false, error: 'There is no history for this room yet.' });
  });

  it('a dialog that fails to open is a sentence, not a crash', async () => {
    const dialog = { showSaveDialog: vi.fn(async () => Promise.reject(new Error('no display'))) };
    expect(await saveTranscript(deps(dialog as never), ROOM_A)).toEqual({ ok: false, error: 'The save dialog could not be opened.' });
  });

  it('suggests names a file system accepts', () => {
    const day = new Date(2026, 0, 2).getTime();
    expect(suggestedTranscriptName({ host: 'fe80::1%eth0', port: 60003 }, day)).toBe('Tincan fe80-1-eth0 port 60003 2026-01-02.txt');
    expect(suggestedTranscriptName({ host: '../../etc', port: 1 }, day)).toBe('Tincan ..-..-etc port 1 2026-01-02.txt');
    expect(suggestedTranscriptName({ host: '///', port: 1 }, day)).toBe('Tincan room port 1 2026-01-02.txt');
  });
});

/** "Save transcript…": the file chooser on the mocked native save dialog. */
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { chooseTranscriptFile, suggestedTranscriptName } from '../../main/electron/save-transcript';
import { fakeSaveDialog } from './fake-electron';

const ROOM_A = { host: '10.0.0.5', port: 60003 };
const DOCUMENTS = path.join(path.sep, 'home', 'ann', 'Documents');

function deps(dialog: { showSaveDialog: unknown }, window: unknown = null) {
  return { dialog: dialog as never, window: () => window as never, defaultFolder: () => DOCUMENTS };
}

describe('chooseTranscriptFile', () => {
  it('asks where to save, with a sensible name in the documents folder, on top of the window', async () => {
    const at = new Date(2026, 11, 1, 14, 3, 7).getTime();
    const target = path.join(DOCUMENTS, 'chosen.txt');
    const dialog = fakeSaveDialog(target);
    const window = { isDestroyed: () => false };
    expect(await chooseTranscriptFile(deps(dialog, window), ROOM_A, at)).toEqual({ ok: true, value: target });
    const [owner, options] = dialog.showSaveDialog.mock.calls[0] as [unknown, { defaultPath: string; filters: unknown[]; properties: string[] }];
    expect(owner).toBe(window);
    expect(options.defaultPath).toBe(path.join(DOCUMENTS, 'Tincan 10.0.0.5 port 60003 2026-12-01.txt'));
    expect(options.filters).toContainEqual({ name: 'Text', extensions: ['txt'] });
    expect(options.properties).toContain('showOverwriteConfirmation');
  });

  it('without a window the dialog stands alone', async () => {
    const dialog = fakeSaveDialog('/tmp/x.txt');
    await chooseTranscriptFile(deps(dialog, null), ROOM_A);
    expect(dialog.showSaveDialog.mock.calls[0]).toHaveLength(1);
  });

  it('cancelling answers null', async () => {
    expect(await chooseTranscriptFile(deps(fakeSaveDialog(null)), ROOM_A)).toEqual({ ok: true, value: null });
  });

  it('a dialog that fails to open is a sentence, not a crash', async () => {
    const dialog = { showSaveDialog: vi.fn(async () => Promise.reject(new Error('no display'))) };
    expect(await chooseTranscriptFile(deps(dialog), ROOM_A)).toEqual({ ok: false, error: 'The save dialog could not be opened.' });
  });

  it('suggests names a file system accepts', () => {
    const day = new Date(2026, 0, 2).getTime();
    expect(suggestedTranscriptName({ host: 'fe80::1%eth0', port: 60003 }, day)).toBe('Tincan fe80-1-eth0 port 60003 2026-01-02.txt');
    expect(suggestedTranscriptName({ host: '../../etc', port: 1 }, day)).toBe('Tincan ..-..-etc port 1 2026-01-02.txt');
    expect(suggestedTranscriptName({ host: '///', port: 1 }, day)).toBe('Tincan room port 1 2026-01-02.txt');
  });

  it('names the file after the room when its name is known, keeping only what a file name may hold', () => {
    const day = new Date(2026, 0, 2).getTime();
    expect(suggestedTranscriptName({ host: '10.0.0.5', port: 60003, name: 'Küche' }, day)).toBe('Tincan Küche 2026-01-02.txt');
    expect(suggestedTranscriptName({ host: '10.0.0.5', port: 60003, name: '../..\\etc/passwd' }, day)).toBe('Tincan etc-passwd 2026-01-02.txt');
    expect(suggestedTranscriptName({ host: '10.0.0.5', port: 1, name: 'a\u202eexe.txt\u0000:*?' }, day)).toBe('Tincan a-exe.txt 2026-01-02.txt');
    expect(suggestedTranscriptName({ host: '10.0.0.5', port: 1, name: 'x'.repeat(300) }, day)).toBe(`Tincan ${'x'.repeat(60)} 2026-01-02.txt`);
    // Nothing usable left: the address, as for a room without a name.
    expect(suggestedTranscriptName({ host: '10.0.0.5', port: 1, name: '\u202e/..' }, day)).toBe('Tincan 10.0.0.5 port 1 2026-01-02.txt');
  });
});

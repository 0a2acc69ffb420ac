/**
 * "Save transcript…": the native save dialog, as the session's TranscriptFileChooser. A thin
 * adapter: the file's contents come from the history's export (TranscriptStore.exportRoom).
 */
import path from 'node:path';
import type { BrowserWindow, Dialog, SaveDialogOptions } from 'electron';
import type { RoomAddress } from '../common/history';
import { fail, ok, type Result } from '../common/ipc-contract';
import { formatLocalTimestamp } from '../app/history/transcript-format';

export interface SaveDialogDependencies {
  dialog: Pick<Dialog, 'showSaveDialog'>;
  /** The window the dialog belongs to (null: a free-standing dialog). */
  window: () => BrowserWindow | null;
  /** Where the dialog starts: the user's documents folder. */
  defaultFolder: () => string;
}

/** A room as the dialog names its file: its address and, when known, its name. */
export type NamedRoom = RoomAddress & { name?: string | null };

/** Letters, digits, spaces and a few marks of any script; everything else (separators, controls, bidi marks) goes. */
function fileNamePart(text: string, maxChars: number): string {
  return Array.from(text.normalize('NFC').replace(/[^\p{L}\p{M}\p{N} ._'()-]+/gu, '-').replace(/\s+/g, ' '))
    .slice(0, maxChars)
    .join('')
    .replace(/^[\s.-]+|[\s.-]+$/g, '');
}

/**
 * `Tincan Kitchen 2026-12-01.txt` for a named room, `Tincan 10.0.0.5 port 60003
 * 2026-12-01.txt` otherwise: nothing a file system would refuse.
 */
export function suggestedTranscriptName(room: NamedRoom, now: number): string {
  const day = formatLocalTimestamp(now).slice(0, 'YYYY-MM-DD'.length);
  const name = typeof room.name === 'string' ? fileNamePart(room.name, 60) : '';
  if (name !== '') return `Tincan ${name} ${day}.txt`;
  const host = room.host.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'room';
  return `Tincan ${host} port ${room.port} ${day}.txt`;
}

/** The file the user chose for the room's transcript; null when they cancelled. */
export async function chooseTranscriptFile(
  deps: SaveDialogDependencies,
  room: NamedRoom,
  now: number = Date.now(),
): Promise<Result<string | null>> {
  const options: SaveDialogOptions = {
    title: 'Save transcript',
    defaultPath: path.join(deps.defaultFolder(), suggestedTranscriptName(room, now)),
    buttonLabel: 'Save',
    filters: [
      { name: 'Text', extensions: ['txt'] },
      { name: 'All files', extensions: ['*'] },
    ],
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  };
  let chosen: { canceled: boolean; filePath?: string };
  try {
    const window = deps.window();
    chosen = window === null || window.isDestroyed() ? await deps.dialog.showSaveDialog(options) : await deps.dialog.showSaveDialog(window, options);
  } catch {
    return fail('The save dialog could not be opened.');
  }
  if (chosen.canceled || chosen.filePath === undefined || chosen.filePath === '') return ok(null);
  return ok(chosen.filePath);
}

/**
 * Small JSON files that survive crashes: written to a temporary sibling, flushed, then
 * renamed over the old one, so a reader sees either the old or the new content, never half.
 * A crash between the write and the rename leaves the temporary file behind; the app sweeps
 * those at start (sweepStaleTempFiles).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Files we write are tiny; anything bigger than this is not ours and is not parsed. */
const MAX_JSON_FILE_BYTES = 256 * 1024;

/**
 * `.NAME.PID.RAND.tmp`: hidden, next to the file, named after the process that wrote it, so
 * `sweepStaleTempFiles` knows one left by an interrupted write.
 */
export function temporaryPath(filePath: string): string {
  return path.join(path.dirname(filePath), `.${path.basename(filePath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}
const TEMPORARY_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** The parsed content, or undefined when the file is missing, unreadable, too big or not JSON. */
export async function readJsonFile(filePath: string): Promise<unknown> {
  try {
    const stat = await fs.stat(filePath);
    if (!stat.isFile() || stat.size > MAX_JSON_FILE_BYTES) return undefined;
    return JSON.parse(await fs.readFile(filePath, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export async function writeJsonFileAtomic(filePath: string, data: unknown): Promise<void> {
  await fs.mkdir(path.dirname(filePath), { recursive: true });
  const temporary = temporaryPath(filePath);
  try {
    const handle = await fs.open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, filePath);
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * One JSON file written one save at a time, in the order the saves were asked for, so an
 * older state can never land after a newer one (two renames racing).
 */
export class JsonFileWriter {
  private previous: Promise<void> = Promise.resolve();

  constructor(readonly filePath: string) {}

  write(data: unknown): Promise<void> {
    const next = this.previous.then(() => writeJsonFileAtomic(this.filePath, data));
    // A failed write must not block the ones after it; the caller still sees the failure.
    this.previous = next.catch(() => undefined);
    return next;
  }
}

/**
 * Removes the temporary files that interrupted writes of `fileNames` left in `directory`
 * (not this process's own, which may be in use). Returns the names removed; never rejects.
 */
export async function sweepStaleTempFiles(directory: string, fileNames: readonly string[]): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(directory);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const match = TEMPORARY_NAME.exec(entry);
    if (!match || !fileNames.includes(match[1]!) || Number(match[2]) === process.pid) continue;
    try {
      const file = path.join(directory, entry);
      // Only plain files: a directory or link of that name is not something we wrote.
      if (!(await fs.lstat(file)).isFile()) continue;
      await fs.rm(file, { force: true });
      removed.push(entry);
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

/**
 * Small JSON files that survive crashes: written to a temporary sibling, flushed, then
 * renamed over the old one, so a reader sees either the old or the new content, never half.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Files we write are tiny; anything bigger than this is not ours and is not parsed. */
const MAX_JSON_FILE_BYTES = 256 * 1024;

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
  const directory = path.dirname(filePath);
  await fs.mkdir(directory, { recursive: true });
  const temporary = path.join(directory, `.${path.basename(filePath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
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

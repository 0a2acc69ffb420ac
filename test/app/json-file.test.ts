import { readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFileWriter, readJsonFile, sweepStaleTempFiles } from '../../main/app/json-file';
import { useTempDirs } from '../support/temp-dir';

const tempDir = useTempDirs();
const tempDirectory = (): Promise<string> => tempDir('tincan-json-');

describe('JsonFileWriter', () => {
  it('writes one save at a time, in order: the last save asked for is what stays', async () => {
    const directory = await tempDirectory();
    const file = path.join(directory, 'window-state.json');
    const writer = new JsonFileWriter(file);
    let mostTemporaries = 0;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 40; i += 1) {
      writes.push(writer.write({ width: 1000 + i }));
      const names = await readdir(directory);
      mostTemporaries = Math.max(mostTemporaries, names.filter((name) => name.endsWith('.tmp')).length);
    }
    await Promise.all(writes);
    expect(await readJsonFile(file)).toEqual({ width: 1039 });
    // Never two writes in flight: two renames could land out of order.
    expect(mostTemporaries).toBeLessThanOrEqual(1);
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a failed save does not stop the next one', async () => {
    const directory = await tempDirectory();
    const blocked = path.join(directory, 'blocked');
    await writeFile(blocked, 'a file where a folder should be');
    const writer = new JsonFileWriter(path.join(blocked, 'x.json'));
    await expect(writer.write({ a: 1 })).rejects.toThrow();
    await rm(blocked);
    await mkdir(blocked);
    await writer.write({ a: 2 });
    expect(await readJsonFile(path.join(blocked, 'x.json'))).toEqual({ a: 2 });
  });
});

describe('sweepStaleTempFiles', () => {
  it('removes what interrupted writes of our files left behind, and nothing else', async () => {
    const directory = await tempDirectory();
    const stale = ['.preferences.json.99999.deadbeef.tmp', '.window-state.json.1.0123abcd.tmp'];
    const kept = [
      `.preferences.json.${process.pid}.00112233.tmp`, // ours, maybe being written right now
      '.other.json.99999.deadbeef.tmp', // not a file of ours
      '.preferences.json.99999.nothex!!.tmp',
      'preferences.json',
      'notes.tmp',
    ];
    for (const name of [...stale, ...kept]) await writeFile(path.join(directory, name), '{}');
    await mkdir(path.join(directory, '.window-state.json.2.aaaaaaaa.tmp'));
    const removed = await sweepStaleTempFiles(directory, ['preferences.json', 'window-state.json']);
    expect(removed.sort()).toEqual([...stale].sort());
    expect((await readdir(directory)).sort()).toEqual([...kept, '.window-state.json.2.aaaaaaaa.tmp'].sort());
    expect(await readFile(path.join(directory, 'preferences.json'), 'utf8')).toBe('{}');
    expect(await sweepStaleTempFiles(path.join(directory, 'missing'), ['preferences.json'])).toEqual([]);
  });
});

/** Temporary folders that are removed after the test that made them, even when it failed. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { useCleanup } from './cleanup';

/** Call once at the top of a test file; returns `tempDir(prefix)`, a fresh folder under the system's temp folder. */
export function useTempDirs(): (prefix: string) => Promise<string> {
  const defer = useCleanup();
  return async (prefix) => {
    const directory = await mkdtemp(path.join(os.tmpdir(), prefix));
    defer(() => rm(directory, { recursive: true, force: true }));
    return directory;
  };
}

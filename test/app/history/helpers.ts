/** Helpers for the transcript store tests: temporary folders, lines, and reading the files SQLite wrote. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NewHistoryLine, RoomAddress } from '../../../main/common/history';

export const ROOT = path.resolve(__dirname, '../../..');

export function temporaryFolder(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-history-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export const ROOM_A: RoomAddress = { host: '10.0.0.5', port: 60003 };
export const ROOM_B: RoomAddress = { host: 'fe80::1', port: 60004 };

export function message(text: string, overrides: Partial<NewHistoryLine> = {}): NewHistoryLine {
  return { at: Date.UTC(2026, 11, 1, 14, 3, 7), sender: '10.0.0.7:50123', text, kind: 'message', ours: false, ...overrides };
}

export function messages(count: number, make: (index: number) => string = (index) => `line ${index}`): NewHistoryLine[] {
  return Array.from({ length: count }, (_, index) => message(make(index)));
}

/** Every byte of the database file and its sidecars, for "is this text anywhere on disk". */
export function filesContain(file: string, needle: string): boolean {
  const wanted = Buffer.from(needle, 'utf8');
  for (const name of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (fs.existsSync(name) && fs.readFileSync(name).includes(wanted)) return true;
  }
  return false;
}

/**
 * Commits recorded in a WAL file: frames whose header carries a non-zero "database size
 * after commit" (bytes 4–7). Counts transactions without trusting the code under test.
 */
export function walCommits(file: string): number {
  const wal = `${file}-wal`;
  if (!fs.existsSync(wal)) return 0;
  const bytes = fs.readFileSync(wal);
  if (bytes.length < 32) return 0;
  const pageSize = bytes.readUInt32BE(8);
  let commits = 0;
  for (let offset = 32; offset + 24 + pageSize <= bytes.length; offset += 24 + pageSize) {
    if (bytes.readUInt32BE(offset + 4) !== 0) commits++;
  }
  return commits;
}

/** Another process that opens the store on `file` and keeps it open until its stdin closes. */
export interface HolderProcess {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the store's status as the holder printed it once open. */
  ready: Promise<{ available: boolean; reason?: string }>;
  exited: Promise<void>;
  release: () => Promise<void>;
}

export function holdStoreInAnotherProcess(file: string, timeoutMs = 20_000): HolderProcess {
  const script = path.join(__dirname, 'fixtures/hold-store.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, file], {
    cwd: ROOT,
    stdio: 'pipe',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<{ available: boolean; reason?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`holder not ready after ${timeoutMs} ms: ${stdout} ${stderr}`)), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('status '));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice('status '.length)) as { available: boolean; reason?: string });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`holder exited (${code}) before it was ready: ${stderr}`));
    });
  });
  return {
    child,
    ready,
    exited,
    release: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** The electron-log adapter: a real file, capped in size, rate-limited, and main's uncaught errors. */
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOG_FILE_NAME, createFileLogger, logProcessErrors } from '../../main/electron/log';
import { useTempDirs } from '../support/temp-dir';
import { MemoryLogger } from '../support/memory-logger';

const tempDir = useTempDirs();
const logFolder = (): Promise<string> => tempDir('tincan-log-');

describe('createFileLogger', () => {
  it('writes one readable line per entry into main.log in the folder it is given', async () => {
    const folder = await logFolder();
    const logger = createFileLogger(folder);
    logger.warn('client cut', { peer: '10.0.0.7:50123', reason: 'slow' });
    logger.error('renderer gone', { reason: 'crashed', exitCode: 139 });
    logger.info('joined', { target: 'host with spaces:1' });
    expect(logger.file).toBe(path.join(folder, LOG_FILE_NAME));
    const lines = readFileSync(logger.file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[warn\] +client cut peer=10\.0\.0\.7:50123 reason=slow$/);
    expect(lines[1]).toMatch(/\[error\] +renderer gone reason=crashed exitCode=139$/);
    expect(lines[2]).toMatch(/\[info\] +joined target="host with spaces:1"$/);
  });

  it('keeps the file under its cap: past it the file becomes main.old.log and a new one starts', async () => {
    const folder = await logFolder();
    const maxBytes = 16 * 1024;
    const logger = createFileLogger(folder, { maxBytes, perSecond: 1e9, burst: 1e9 });
    for (let i = 0; i < 2000; i += 1) logger.info('connection lost', { target: `10.0.0.${i % 250}:60003`, reason: 'The host closed the connection' });
    const main = statSync(path.join(folder, LOG_FILE_NAME)).size;
    const old = statSync(path.join(folder, 'main.old.log')).size;
    // About two caps at most, whatever was written (a line may overshoot each by its length).
    expect(main).toBeLessThanOrEqual(maxBytes + 200);
    expect(old).toBeLessThanOrEqual(maxBytes + 200);
    expect(readFileSync(path.join(folder, LOG_FILE_NAME), 'utf8')).toContain('10.0.0.249:60003');
  });

  it('writes at most its budget of entries, and says how many it left out', async () => {
    const folder = await logFolder();
    const logger = createFileLogger(folder, { perSecond: 1, burst: 5 });
    for (let i = 0; i < 1000; i += 1) logger.warn('client cut', { peer: `10.0.0.1:${i}`, reason: 'slow' });
    const lines = readFileSync(logger.file, 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(6);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    logger.info('still here', {});
    const last = readFileSync(logger.file, 'utf8').trim().split('\n').at(-1);
    expect(last).toMatch(/still here suppressedBefore=99\d$/);
  });

  it('does not create anything until something is written', async () => {
    const folder = await logFolder();
    createFileLogger(path.join(folder, 'logs'));
    expect(existsSync(path.join(folder, 'logs'))).toBe(false);
  });
});

describe('logProcessErrors', () => {
  it('logs uncaught exceptions and unhandled rejections until stopped', () => {
    const logger = new MemoryLogger();
    const fakeProcess = new EventEmitter();
    const stop = logProcessErrors(logger, fakeProcess as unknown as NodeJS.Process);
    fakeProcess.emit('uncaughtException', new TypeError('boom'));
    fakeProcess.emit('unhandledRejection', new Error('nobody waited'));
    fakeProcess.emit('unhandledRejection', 'a string');
    expect(logger.entries).toEqual([
      { level: 'error', event: 'uncaught exception', fields: { name: 'TypeError', message: 'boom' } },
      { level: 'error', event: 'unhandled rejection', fields: { message: 'nobody waited' } },
      { level: 'error', event: 'unhandled rejection', fields: { message: 'a string' } },
    ]);
    stop();
    expect(fakeProcess.listenerCount('uncaughtException')).toBe(0);
  });
});

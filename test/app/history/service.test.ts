/**
 * HistoryService: the store on a real worker thread, on a real file. The store's own
 * behaviour is in store.test.ts; this is the thread boundary: ordering, bounds, and what
 * happens when the worker fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryService, unsavedLinesFile, type WorkerEntry } from '../../../main/app/history/service';
import { HISTORY_LIMITS } from '../../../main/common/history';
import type { HistoryStoreEvent } from '../../../main/app/history/store';
import { holdStoreInAnotherProcess, message, messages, ROOM_A, ROOM_B, temporaryFolder } from './helpers';
import { value } from '../../support/result';

let folder: ReturnType<typeof temporaryFolder>;
let file: string;
const services: HistoryService[] = [];

function fixture(name: string): WorkerEntry {
  return { file: path.join(__dirname, 'fixtures', name), execArgv: ['--import', 'tsx'] };
}

async function open(options: Partial<Parameters<typeof HistoryService.open>[0]> = {}): Promise<HistoryService> {
  const service = await HistoryService.open({ file, ...options });
  services.push(service);
  return service;
}

beforeEach(() => {
  folder = temporaryFolder();
  file = path.join(folder.dir, 'history.sqlite');
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
  folder.remove();
});

describe('HistoryService', () => {
  it('stores on the worker and answers in order: a read sees every line posted before it', async () => {
    const service = await open();
    expect(service.status).toEqual({ available: true, engine: 'fts5', persistent: true, retention: 'forever' });
    const acks = [service.append(ROOM_A, messages(300)), service.append(ROOM_B, messages(2)), service.append(ROOM_A, [message('last')])];
    const page = value(await service.pageBefore(ROOM_A, null, 5));
    expect(page.lines.map((line) => line.text)).toEqual(['line 296', 'line 297', 'line 298', 'line 299', 'last']);
    const [first, second, third] = await Promise.all(acks);
    expect(first).toEqual({ firstId: 1, count: 300 });
    expect(second).toEqual({ firstId: 301, count: 2 });
    expect(third).toEqual({ firstId: 303, count: 1 });
    expect(value(await service.lastId())).toBe(303);
    expect(value(await service.search({ query: 'last' })).hits).toHaveLength(1);
    expect(value(await service.context(5, 1)).lines.map((line) => line.text)).toEqual(['line 3', 'line 4', 'line 5']);
    const target = path.join(folder.dir, 'out.txt');
    expect(value(await service.exportRoom(ROOM_B, target)).lines).toBe(2);
    expect(fs.readFileSync(target, 'utf8').split('\n')).toHaveLength(3);
  });

  it('writes a burst of batches in fewer transactions, never one per line', async () => {
    const service = await open();
    const acks = Array.from({ length: 50 }, (_, batch) => service.append(ROOM_A, messages(20, (index) => `b${batch} ${index}`)));
    await Promise.all(acks);
    const stats = await service.stats();
    expect(stats.stored).toBe(1000);
    expect(stats.batches).toBeGreaterThanOrEqual(1);
    expect(stats.batches).toBeLessThanOrEqual(50);
    expect(stats.pendingLines).toBe(0);
  });

  it('switches retention and clears through the worker', async () => {
    const service = await open();
    await service.append(ROOM_A, [message('to forget')]);
    expect(await service.setRetention('session')).toMatchObject({ available: true, persistent: false, retention: 'session' });
    expect(service.status).toMatchObject({ persistent: false });
    value(await service.clearAll());
    expect(value(await service.pageBefore(ROOM_A, null)).room).toBeNull();
  });

  it('a file another process holds: unavailable with its reason, lines dropped, the caller goes on', async () => {
    const holder = holdStoreInAnotherProcess(file);
    try {
      await holder.ready;
      const service = await open();
      expect(service.status).toEqual({
        available: false,
        reason: `another Tincan is using the history file (${file}).`,
        retention: 'forever',
      });
      expect(await service.append(ROOM_A, [message('dropped')])).toEqual({ firstId: null, count: 0 });
      const page = await service.pageBefore(ROOM_A, null);
      expect(page).toEqual({ ok: false, error: `History is unavailable: another Tincan is using the history file (${file}).` });
      expect((await service.stats()).droppedBehind).toBe(1);
    } finally {
      await holder.release();
    }
  });

  it('a worker that dies makes history unavailable and answers everything waiting', async () => {
    const service = await open({ worker: fixture('worker-exits.ts') });
    const events: HistoryStoreEvent[] = [];
    service.onEvent((event) => events.push(event));
    expect(service.status.available).toBe(true);
    const append = service.append(ROOM_A, messages(3));
    const page = await service.pageBefore(ROOM_A, null);
    expect(page).toEqual({ ok: false, error: 'History is unavailable: the history worker stopped.' });
    expect(await append).toEqual({ firstId: null, count: 0 });
    expect(service.status).toEqual({ available: false, reason: 'the history worker stopped.', retention: 'forever' });
    expect(events).toEqual([{ type: 'status', status: service.status }]);
    expect(await service.search({ query: 'x' })).toEqual({ ok: false, error: 'History is unavailable: the history worker stopped.' });
    expect(await service.append(ROOM_A, messages(1))).toEqual({ firstId: null, count: 0 });
  });

  it('a worker that stops answering: requests time out, pending lines stay bounded', async () => {
    const service = await open({ worker: fixture('worker-silent.ts'), requestTimeoutMs: 200, maxPendingLines: 100, maxPendingRequests: 3 });
    const events: HistoryStoreEvent[] = [];
    service.onEvent((event) => events.push(event));
    void service.append(ROOM_A, messages(60));
    void service.append(ROOM_A, messages(60));
    void service.append(ROOM_A, messages(60));
    expect(events).toEqual([{ type: 'notice', message: 'History is falling behind: some lines were not saved.' }]);
    const waiting = [service.lastId(), service.lastId(), service.lastId()];
    expect(await service.lastId()).toEqual({ ok: false, error: 'History is busy: too many requests at once; try again.' });
    expect(await Promise.all(waiting)).toEqual(Array(3).fill({ ok: false, error: 'History did not answer in time.' }));
  });

  it('refuses a request that cannot cross to the worker, and keeps working', async () => {
    const service = await open();
    const result = await service.search({ query: 'x', room: { host: 'a', port: 1, extra: () => 1 } as never });
    expect(result.ok).toBe(false);
    await service.append(ROOM_A, [message('still fine')]);
    expect(value(await service.pageBefore(ROOM_A, null)).lines).toHaveLength(1);
  });

  it('close stores what is pending, is idempotent, and later calls answer without throwing', async () => {
    const service = await open();
    void service.append(ROOM_A, messages(500));
    await Promise.all([service.close(), service.close()]);
    expect(service.status).toMatchObject({ available: false, reason: 'history is closed.' });
    expect((await service.pageBefore(ROOM_A, null)).ok).toBe(false);
    expect(await service.append(ROOM_A, [message('after close')])).toEqual({ firstId: null, count: 0 });
    // Everything was stored: nothing to report at the next start.
    expect(fs.existsSync(unsavedLinesFile(file))).toBe(false);
    const again = await open();
    expect(again.startupNotices).toEqual([]);
    expect(value(await again.pageBefore(ROOM_A, null, 1)).lines[0]!.text).toBe('line 499');
  });

  it('lines close could not store in time are counted, and the next start says how many', async () => {
    const service = await open({ worker: fixture('worker-silent.ts') });
    for (let batch = 0; batch < 3; batch++) void service.append(ROOM_A, messages(10));
    await service.close({ flushTimeoutMs: 50 });
    expect(fs.readFileSync(unsavedLinesFile(file), 'utf8').trim()).toBe('30');
    const next = await open();
    expect(next.startupNotices).toEqual(['Up to 30 lines received just before Tincan last quit could not be saved to the history in time.']);
    // Said once.
    expect(fs.existsSync(unsavedLinesFile(file))).toBe(false);
    await next.close();
    expect((await open()).startupNotices).toEqual([]);
  });

  it('a file in place of the count that is not a small plain file is ignored', async () => {
    fs.mkdirSync(unsavedLinesFile(file));
    expect((await open()).startupNotices).toEqual([]);
    fs.rmdirSync(unsavedLinesFile(file));
    fs.writeFileSync(unsavedLinesFile(file), `${'9'.repeat(100)}\n`);
    expect((await open()).startupNotices).toEqual([]);
  });

  it('bounds the backlog in bytes too: long lines past the cap are dropped and counted, the poster held back first', async () => {
    const service = await open({
      worker: fixture('worker-silent.ts'),
      requestTimeoutMs: 100,
      maxPendingBytes: 1024 * 1024,
      highWaterBytes: 256 * 1024,
      lowWaterBytes: 64 * 1024,
    });
    const events: HistoryStoreEvent[] = [];
    service.onEvent((event) => events.push(event));
    const pressure: boolean[] = [];
    service.onPressure((high) => pressure.push(high));
    // 100 lines of 16 KiB, one a batch: 200,000 lines would be allowed, 1 MiB is not.
    for (let batch = 0; batch < 100; batch++) void service.append(ROOM_A, [message('x'.repeat(HISTORY_LIMITS.maxTextChars))]);
    const stats = await service.stats();
    expect(stats.pendingBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(stats.pendingLines).toBeLessThan(35);
    expect(stats.droppedBehind).toBe(100 - stats.pendingLines);
    expect(pressure).toEqual([true]);
    expect(events).toEqual([{ type: 'notice', message: 'History is falling behind: some lines were not saved.' }]);
  });

  it('tells the poster to hold back while the backlog is high and to go on once it is stored', async () => {
    const service = await open({ highWaterBytes: 64 * 1024, lowWaterBytes: 16 * 1024 });
    const pressure: boolean[] = [];
    service.onPressure((high) => pressure.push(high));
    const acks = Array.from({ length: 20 }, (_, batch) => service.append(ROOM_A, messages(4, (index) => `${batch} ${index} ${'y'.repeat(4000)}`)));
    expect(pressure).toEqual([true]);
    expect((await Promise.all(acks)).every((ack) => ack.count === 4)).toBe(true);
    expect(pressure).toEqual([true, false]);
    expect((await service.stats()).pendingBytes).toBe(0);
  });
});

/**
 * RoomRecorder on a real HistoryService: what waits for the next batch is bounded in bytes
 * as well as lines, and a flood past the bound is dropped (the visit remembers the gap), not
 * held.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BUFFERED_BYTES, RoomRecorder, storedOverlap } from '../../../main/app/history/room-recorder';
import { HistoryService } from '../../../main/app/history/service';
import { HISTORY_LIMITS } from '../../../main/common/history';
import type { ChatLine } from '../../../main/common/ipc-contract';
import { value } from '../../support/result';
import { ROOM_A, temporaryFolder } from './helpers';

let folder: ReturnType<typeof temporaryFolder>;
let service: HistoryService | null = null;

beforeEach(() => {
  folder = temporaryFolder();
});

afterEach(async () => {
  await service?.close();
  service = null;
  folder.remove();
});

describe('RoomRecorder', () => {
  it('holds at most MAX_BUFFERED_BYTES of long lines between batches; the rest of a flood is dropped', async () => {
    service = await HistoryService.open({ file: path.join(folder.dir, 'history.sqlite') });
    const recorder = new RoomRecorder(service);
    recorder.enter(ROOM_A, 'Flooded');
    const text = 'x'.repeat(HISTORY_LIMITS.maxTextChars);
    const perLine = 2 * text.length;
    const fit = Math.floor(MAX_BUFFERED_BYTES / (perLine + 2 * 'peer'.length + 64));
    for (let seq = 1; seq <= fit + 100; seq++) {
      const line: ChatLine = { seq, kind: 'message', peer: 'peer', text, at: seq, self: false };
      recorder.add(line);
    }
    recorder.flush();
    const view = value(await recorder.view(null));
    expect(view.room).toEqual(ROOM_A);
    // Everything up to the bound was stored; what came past it was not (never held), and the
    // visit does not claim to hold every line of it.
    expect(value(await service.lastId())).toBe(fit);
    expect((await service.stats()).pendingBytesHighWater).toBeLessThanOrEqual(MAX_BUFFERED_BYTES);
    expect(view.liveSeq).toBeLessThan(fit + 100);
    const page = value(await service.pageBefore(ROOM_A, null, 1));
    expect(page.room?.name).toBe('Flooded');
  });
});

describe('RoomRecorder and catch-up', () => {
  /** A line as the session makes it; `replayed` for the lines between the catch-up's header and footer. */
  const line = (seq: number, peer: string, text: string, replayed = false): ChatLine => ({
    seq,
    kind: 'message',
    peer,
    text,
    at: 1_000 + seq,
    self: false,
    ...(replayed ? { replayed: true as const } : {}),
  });
  const footer = (seq: number): ChatLine => ({ seq, kind: 'notice', peer: '', text: 'Tincan: end of the replay; live from here.', at: 1_000 + seq, self: false });

  async function storedMessages(): Promise<string[]> {
    const page = value(await service!.pageBefore(ROOM_A, null, 100));
    return page.lines.filter((stored) => stored.kind === 'message').map((stored) => `${stored.sender} ${stored.text}`);
  }

  it('stores a replayed line once: rejoining stores only what was said while away', async () => {
    service = await HistoryService.open({ file: path.join(folder.dir, 'history.sqlite') });
    const first = new RoomRecorder(service);
    first.enter(ROOM_A);
    for (const said of [line(1, 'a:1', 'hi'), line(2, 'b:2', 'ok'), line(3, 'a:1', 'lunch?')]) first.add(said);
    first.flush();
    value(await first.view(null));
    first.leave();

    // Rejoining: the server replays its last lines, two of them stored last time; "ok" and a
    // new line were said while away. The catch-up arrives across two batches.
    const again = new RoomRecorder(service);
    again.enter(ROOM_A);
    again.add(line(1, 'b:2', 'ok', true));
    again.add(line(2, 'a:1', 'lunch?', true));
    again.flush();
    again.add(line(3, 'b:2', 'ok', true));
    again.add(line(4, 'c:3', 'sure', true));
    again.add(footer(5));
    again.add(line(6, 'a:1', 'live now'));
    again.flush();
    const view = value(await again.view(null));
    expect(await storedMessages()).toEqual(['a:1 hi', 'b:2 ok', 'a:1 lunch?', 'b:2 ok', 'c:3 sure', 'a:1 live now']);
    // Every live line counts as in history (the two left out are there from the last visit).
    expect(view.liveSeq).toBe(6);
    expect(view.lines.filter((stored) => stored.seq !== null).map((stored) => [stored.seq, stored.text])).toEqual([
      [3, 'ok'],
      [4, 'sure'],
      [5, 'Tincan: end of the replay; live from here.'],
      [6, 'live now'],
    ]);
  });

  it('stores a whole catch-up of a room it never saw, and one that shares no end with it', async () => {
    service = await HistoryService.open({ file: path.join(folder.dir, 'history.sqlite') });
    const recorder = new RoomRecorder(service);
    recorder.enter(ROOM_A);
    recorder.add(line(1, 'a:1', 'one', true));
    recorder.add(line(2, 'a:1', 'two', true));
    recorder.add(footer(3));
    recorder.flush();
    value(await recorder.view(null));
    recorder.leave();
    expect(await storedMessages()).toEqual(['a:1 one', 'a:1 two']);

    const later = new RoomRecorder(service);
    later.enter(ROOM_A);
    // "one" again, but not as the start of what was stored last: said anew while away.
    later.add(line(1, 'a:1', 'two', true));
    later.add(line(2, 'a:1', 'one', true));
    later.add(footer(3));
    later.flush();
    value(await later.view(null));
    expect(await storedMessages()).toEqual(['a:1 one', 'a:1 two', 'a:1 one']);
  });
});

describe('storedOverlap', () => {
  it('is the longest start of the catch-up that ends what was stored', () => {
    expect(storedOverlap(['a', 'b', 'c'], ['b', 'c', 'd'])).toBe(2);
    expect(storedOverlap(['a', 'b'], ['a', 'b', 'a', 'c'])).toBe(2);
    expect(storedOverlap(['a', 'b'], ['c'])).toBe(0);
    expect(storedOverlap([], ['a'])).toBe(0);
    expect(storedOverlap(['x', 'a', 'a'], ['a', 'a', 'a'])).toBe(2);
  });
});

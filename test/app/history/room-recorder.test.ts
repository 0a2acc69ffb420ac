/**
 * RoomRecorder on a real HistoryService: what waits for the next batch is bounded in bytes
 * as well as lines, and a flood past the bound is dropped (the visit remembers the gap), not
 * held.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BUFFERED_BYTES, RoomRecorder } from '../../../main/app/history/room-recorder';
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

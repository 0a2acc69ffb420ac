/** A real hosting ChatSession recorded into a real store: one transaction per event batch. */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionRecorder } from '../../../main/app/history/recorder';
import { TranscriptStore } from '../../../main/app/history/store';
import { ChatSession } from '../../../main/app/session';
import { EventRecorder, RawClient } from '../helpers';
import { temporaryFolder, walCommits } from './helpers';

let folder: ReturnType<typeof temporaryFolder>;
let session: ChatSession;
let store: TranscriptStore;
let file: string;

beforeEach(() => {
  folder = temporaryFolder();
  file = path.join(folder.dir, 'history.sqlite');
  store = TranscriptStore.open({ file });
  session = new ChatSession({ eventBatchMs: 50 });
});

afterEach(async () => {
  await session.close();
  store.close();
  folder.remove();
});

describe('SessionRecorder', () => {
  it('stores what the host saw, under its room, one transaction per event batch', async () => {
    const recorder = new SessionRecorder(session, store);
    const events = new EventRecorder(session);
    const hosted = await session.host({ port: 0, scope: 'local' });
    if (!hosted.ok) throw new Error(hosted.error);
    const room = { host: '127.0.0.1', port: hosted.value.port };
    const guest = await RawClient.connect(hosted.value.port);
    await events.waitFor(() => events.lines.some((line) => line.kind === 'connected'), 'the guest joining');
    const commitsBefore = walCommits(file);
    const batchesBefore = events.batches.filter((batch) => batch.events.some((event) => event.type === 'lines')).length;
    guest.write(Array.from({ length: 300 }, (_, index) => `burst ${index}\n`).join(''));
    await events.waitFor(() => events.lines.filter((line) => line.text.startsWith('burst')).length === 300, 'the burst');
    const lineBatches = events.batches.filter((batch) => batch.events.some((event) => event.type === 'lines')).length - batchesBefore;
    expect(lineBatches).toBeGreaterThan(0);
    expect(walCommits(file) - commitsBefore).toBe(lineBatches);
    const sent = await session.send({ text: 'from the host' });
    expect(sent.ok).toBe(true);
    await events.waitFor(() => events.lines.some((line) => line.text === 'from the host'), 'our own line');

    const page = store.pageBefore(room, null, 200);
    if (!page.ok) throw new Error(page.error);
    const stored = page.value.lines;
    expect(stored.at(-1)).toMatchObject({ text: 'from the host', ours: true, kind: 'message' });
    expect(stored.filter((line) => line.text.startsWith('burst'))).toHaveLength(199);
    expect(stored.filter((line) => line.text.startsWith('burst')).every((line) => line.sender === guest.peer && !line.ours)).toBe(true);
    expect(recorder.received).toBe(store.stats().stored);
    guest.close();
    recorder.dispose();
    events.dispose();
  });
});

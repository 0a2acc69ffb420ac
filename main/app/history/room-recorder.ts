/**
 * The session's side of the history: every line the session receives is stored under the
 * room it arrived in — lines the renderer's flow control skips for a window that fell behind
 * too — one append (one transaction) per batch of the session's LineTap, and the room's
 * history is served back for the window with what it needs to merge it with the live lines.
 *
 * Lines are attributed to a room when they arrive (`add`), not when their batch is stored, so
 * a batch that is stored just after leaving still lands in the right room. Each visit to a
 * room starts by asking for the newest stored id (`lastId`, posted before any line of the
 * visit): everything up to it is the "earlier" history.
 *
 * A catch-up (the lines a server replays to a newcomer) is stored once: rejoining a room
 * replays lines this machine stored on its last visit. Its first lines that are the room's
 * last stored messages (same sender, same text, in order) are not stored again; the rest,
 * said while this machine was away, are. A catch-up is judged whole, once its last line came.
 */
import type { HistoryPage, NewHistoryLine, RoomAddress, StoredLineKind } from '../../common/history';
import { HISTORY_LIMITS } from '../../common/history';
import { ok, type ChatLine, type HistoryView, type HistoryViewLine, type Result } from '../../common/ipc-contract';
import type { AppendAck } from './service';

/** What the session needs of the history (HistoryService has it all). */
export interface HistoryBackend {
  append(room: RoomAddress, lines: readonly NewHistoryLine[], roomName?: string | null): Promise<AppendAck>;
  lastId(): Promise<Result<number>>;
  pageBefore(room: RoomAddress, beforeId: number | null, limit?: number): Promise<Result<HistoryPage>>;
}

/** Lines from the wire; a 'skipped' line is the renderer's stand-in for lines history has anyway. */
export function toHistoryLine(line: ChatLine & { kind: StoredLineKind }): NewHistoryLine {
  return { at: line.at, sender: line.peer, text: line.text, kind: line.kind, ours: line.self };
}

/** Lines (and their bytes, two a character) waiting for the next batch; past either a flood is dropped rather than held. */
const MAX_BUFFERED_LINES = 50_000;
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const BUFFERED_LINE_OVERHEAD_BYTES = 64;
/** Stored batches of this visit whose ids are remembered (to give history lines their seq). */
const MAX_RANGES = 10_000;
/** The room's last stored messages a catch-up is compared with (one page of history). */
const REMEMBERED_MESSAGES = HISTORY_LIMITS.maxPageLines;

/** What makes two messages the same line for a catch-up: who said it and what. */
function messageKey(sender: string, text: string): string {
  return `${sender}\n${text}`;
}

/**
 * How many of a catch-up's first lines are the last messages stored already: the longest
 * prefix of `replay` that is also the end of `stored` (0 when none). At most
 * REMEMBERED_MESSAGES² comparisons.
 */
export function storedOverlap(stored: readonly string[], replay: readonly string[]): number {
  for (let overlap = Math.min(stored.length, replay.length); overlap > 0; overlap--) {
    const from = stored.length - overlap;
    let same = true;
    for (let index = 0; index < overlap && same; index++) same = stored[from + index] === replay[index];
    if (same) return overlap;
  }
  return 0;
}

/** One stored batch: `count` lines with seqs from `firstSeq`, ids from `firstId`. */
interface StoredRange {
  firstSeq: number;
  firstId: number;
  count: number;
}

interface Visit {
  room: RoomAddress;
  /** The room's name, when known: stored with its lines. */
  name: string | null;
  /** The newest id before the visit began. */
  start: Promise<number>;
  ranges: StoredRange[];
  /** Every line of the visit up to this seq is stored (0: none yet). */
  storedSeq: number;
  /** A batch of this visit was not (fully) stored: storedSeq stops there. */
  gap: boolean;
  /** The room's last stored messages (messageKey), oldest first; null until read. */
  recent: string[] | null;
  /** Settles once `recent` is read: the visit's lines wait in the buffer until then. */
  ready: Promise<void>;
}

interface Buffered {
  visit: Visit;
  lines: (ChatLine & { kind: StoredLineKind })[];
}

function bufferedBytesOf(line: ChatLine): number {
  return 2 * (line.text.length + line.peer.length) + BUFFERED_LINE_OVERHEAD_BYTES;
}

function isStored(line: ChatLine): line is ChatLine & { kind: StoredLineKind } {
  return line.kind !== 'skipped';
}

export class RoomRecorder {
  private visit: Visit | null = null;
  private buffered: Buffered[] = [];
  private bufferedLines = 0;
  private bufferedBytes = 0;

  constructor(private readonly backend: HistoryBackend) {}

  get room(): RoomAddress | null {
    return this.visit?.room ?? null;
  }

  /** The current room's name, when known. */
  get roomName(): string | null {
    return this.visit?.name ?? null;
  }

  /**
   * The session is now in `room`, called `name` when known (call before any of its lines
   * arrive). The same room again only takes the name: a room renamed on the network.
   */
  enter(room: RoomAddress, name: string | null = null): void {
    const current = this.visit;
    if (current !== null && current.room.host === room.host && current.room.port === room.port) {
      current.name = name;
      return;
    }
    const start = this.backend.lastId().then((result) => (result.ok ? result.value : 0));
    const visit: Visit = { room: { ...room }, name, start, ranges: [], storedSeq: 0, gap: false, recent: null, ready: Promise.resolve() };
    visit.ready = this.backend.pageBefore(room, null, REMEMBERED_MESSAGES).then(
      (page) => {
        visit.recent = page.ok ? page.value.lines.filter((line) => line.kind === 'message').map((line) => messageKey(line.sender, line.text)) : [];
        this.flush();
      },
      () => {
        visit.recent = [];
        this.flush();
      },
    );
    this.visit = visit;
  }

  leave(): void {
    this.visit = null;
  }

  /** A line the session shows; stored with the next flush. */
  add(line: ChatLine): void {
    const visit = this.visit;
    if (visit === null || !isStored(line)) return;
    const bytes = bufferedBytesOf(line);
    if (this.bufferedLines >= MAX_BUFFERED_LINES || this.bufferedBytes + bytes > MAX_BUFFERED_BYTES) {
      visit.gap = true;
      return;
    }
    const last = this.buffered[this.buffered.length - 1];
    if (last?.visit === visit) last.lines.push(line);
    else this.buffered.push({ visit, lines: [line] });
    this.bufferedLines += 1;
    this.bufferedBytes += bytes;
  }

  /**
   * Posts what waits to be stored, including lines waiting for the room's last messages to be
   * read: a read of the history after this sees them.
   */
  async settle(): Promise<void> {
    this.flush();
    // Lines of a visit already left (the session is closing) wait for its read as well.
    const waiting = new Set(this.buffered.map((group) => group.visit));
    if (this.visit !== null) waiting.add(this.visit);
    await Promise.all([...waiting].map((visit) => visit.ready));
  }

  /** Stores what arrived since the last flush: one append per room (normally one). */
  flush(): void {
    const groups = this.buffered;
    if (groups.length === 0) return;
    // A visit whose room's last messages are not read yet keeps its lines (flushed once they are).
    const held = groups.filter((group) => group.visit.recent === null);
    const ready = groups.filter((group) => group.visit.recent !== null);
    // A catch-up still arriving in the current room waits for its end (its next line).
    const last = ready[ready.length - 1];
    if (last !== undefined && last.visit === this.visit && last.lines[last.lines.length - 1]!.replayed === true) {
      let start = last.lines.length;
      while (start > 0 && last.lines[start - 1]!.replayed === true) start--;
      held.push({ visit: last.visit, lines: last.lines.splice(start) });
      if (last.lines.length === 0) ready.pop();
    }
    this.buffered = held;
    this.bufferedLines = 0;
    this.bufferedBytes = 0;
    for (const group of held) {
      this.bufferedLines += group.lines.length;
      for (const line of group.lines) this.bufferedBytes += bufferedBytesOf(line);
    }
    for (const { visit, lines } of ready) this.write(visit, visit.recent ?? [], lines);
  }

  /** Appends `lines` without the first lines of a catch-up that are the room's `recent` messages stored already. */
  private write(visit: Visit, recent: string[], lines: (ChatLine & { kind: StoredLineKind })[]): void {
    const kept: (ChatLine & { kind: StoredLineKind })[] = [];
    for (let index = 0; index < lines.length; ) {
      const line = lines[index]!;
      if (line.replayed !== true) {
        kept.push(line);
        if (line.kind === 'message') recent.push(messageKey(line.peer, line.text));
        index++;
        continue;
      }
      let end = index;
      while (end < lines.length && lines[end]!.replayed === true) end++;
      const replay = lines.slice(index, end);
      const skip = storedOverlap(recent, replay.map((replayed) => messageKey(replayed.peer, replayed.text)));
      for (const replayed of replay.slice(skip)) {
        kept.push(replayed);
        recent.push(messageKey(replayed.peer, replayed.text));
      }
      index = end;
    }
    if (recent.length > REMEMBERED_MESSAGES) recent.splice(0, recent.length - REMEMBERED_MESSAGES);
    const lastSeq = lines[lines.length - 1]!.seq;
    if (kept.length === 0) {
      this.stored(visit, [], lastSeq, { firstId: null, count: 0 });
      return;
    }
    void this.backend.append(visit.room, kept.map(toHistoryLine), visit.name).then((ack) => this.stored(visit, kept, lastSeq, ack));
  }

  /** `kept` were stored (a catch-up's lines stored already were left out: the rest up to `lastSeq` is in history). */
  private stored(visit: Visit, kept: readonly ChatLine[], lastSeq: number, ack: AppendAck): void {
    if (kept.length > 0) {
      if (ack.firstId === null || ack.count !== kept.length) {
        visit.gap = true;
        return;
      }
      // One range per run of consecutive seqs: the stored ids follow each other.
      let runStart = 0;
      for (let index = 1; index <= kept.length; index++) {
        if (index < kept.length && kept[index]!.seq === kept[index - 1]!.seq + 1) continue;
        visit.ranges.push({ firstSeq: kept[runStart]!.seq, firstId: ack.firstId + runStart, count: index - runStart });
        runStart = index;
      }
      if (visit.ranges.length > MAX_RANGES) visit.ranges.splice(0, visit.ranges.length - MAX_RANGES);
    }
    if (!visit.gap) visit.storedSeq = lastSeq;
  }

  /** The live seq of a stored line of this visit, when known. */
  private seqOf(visit: Visit, id: number): number | null {
    const ranges = visit.ranges;
    let low = 0;
    let high = ranges.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const range = ranges[middle]!;
      if (id < range.firstId) high = middle - 1;
      else if (id >= range.firstId + range.count) low = middle + 1;
      else return range.firstSeq + (id - range.firstId);
    }
    return null;
  }

  /**
   * A page of the current room's history: the newest lines (beforeId null; they include
   * every live line up to `liveSeq`) or older ones, each with its live seq when it arrived in
   * this visit.
   */
  async view(beforeId: number | null): Promise<Result<HistoryView>> {
    const visit = this.visit;
    if (visit === null) return ok({ room: null, lines: [], hasMore: false, visitStartId: 0, liveSeq: 0 });
    // The newest page must hold everything shown so far: store what waits for its batch now.
    if (beforeId === null) this.flush();
    const visitStartId = await visit.start;
    // Writes waiting for the room's last messages are posted before the page is asked for.
    await visit.ready;
    const page = await this.backend.pageBefore(visit.room, beforeId, HISTORY_LIMITS.maxPageLines);
    if (!page.ok) return page;
    // Acknowledgements of every append posted before the page arrived before it.
    const lines: HistoryViewLine[] = page.value.lines.map((line) => ({
      ...line,
      seq: line.id > visitStartId ? this.seqOf(visit, line.id) : null,
    }));
    return ok({
      room: { ...visit.room },
      lines,
      hasMore: page.value.hasMore,
      visitStartId,
      liveSeq: beforeId === null ? visit.storedSeq : 0,
    });
  }
}

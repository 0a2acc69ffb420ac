/**
 * Keeps a ChatSession's transcript in the history: every line the session emits is
 * stored, one append (one transaction) per event batch, under the room the session is in.
 * It listens to the same event batches the window gets, so what is stored is what was shown.
 */
import type { RoomAddress, NewHistoryLine, HistoryLineKind } from '../../common/history';
import type { BridgeEvent, ChatLine, LineKind, SessionStatus } from '../../common/ipc-contract';

/** Where lines go: a TranscriptStore, or the HistoryService that runs one on a worker. */
export interface HistorySink {
  append(room: RoomAddress, lines: readonly NewHistoryLine[]): unknown;
}

const KIND_OF: Record<LineKind, HistoryLineKind> = {
  message: 'message',
  connected: 'join',
  disconnected: 'leave',
  raw: 'system',
};

/** The room a session status is in: the server joined, or our own (reached over loopback). */
export function roomOfStatus(status: SessionStatus): RoomAddress | null {
  switch (status.mode) {
    case 'idle':
      return null;
    case 'hosting':
      return { host: '127.0.0.1', port: status.host.port };
    case 'joined':
      return { host: status.target.host, port: status.target.port };
  }
}

export function toHistoryLine(line: ChatLine): NewHistoryLine {
  return { at: line.at, sender: line.peer, text: line.text, kind: KIND_OF[line.kind], ours: line.self };
}

export interface EventSource {
  onEvents(listener: (events: BridgeEvent[]) => void): () => void;
}

export class SessionRecorder {
  private room: RoomAddress | null = null;
  private readonly unsubscribe: () => void;
  /** Lines the session emitted while in a room (stored or not). */
  received = 0;

  constructor(
    source: EventSource,
    private readonly store: HistorySink,
  ) {
    this.unsubscribe = source.onEvents((events) => this.record(events));
  }

  dispose(): void {
    this.unsubscribe();
  }

  private record(events: readonly BridgeEvent[]): void {
    for (const event of events) {
      if (event.type === 'status') {
        this.room = roomOfStatus(event.status);
      } else if (event.type === 'lines' && this.room !== null) {
        this.received += event.lines.length;
        this.store.append(this.room, event.lines.map(toHistoryLine));
      }
    }
  }
}

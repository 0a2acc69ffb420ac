/** Records every batch a ChatSession emits and lets a test wait for a condition over them. */
import type { ChatSession } from '../../main/app/session';
import type { BridgeEvent, ChatLine, ClientInfo, SessionStatus } from '../../main/common/ipc-contract';
import { applyRosterChanges } from '../../main/common/roster';
import { Signal, WAIT_MS, type Describe } from './wait';

export interface EventRecorderOptions {
  /** Acknowledge each batch as it arrives, as a renderer that keeps up does (default true). */
  acknowledge?: boolean;
}

export class EventRecorder {
  readonly batches: { at: number; id: number; events: BridgeEvent[] }[] = [];
  private readonly recorded = new Signal();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly session: Pick<ChatSession, 'onEvents' | 'acknowledge'>,
    options: EventRecorderOptions = {},
  ) {
    const acknowledge = options.acknowledge ?? true;
    this.unsubscribe = session.onEvents((batch) => {
      this.batches.push({ at: performance.now(), id: batch.id, events: batch.events });
      if (acknowledge) session.acknowledge(batch.id);
      this.recorded.notify();
    });
  }

  /** Acknowledges every batch received so far (for a recorder made with `acknowledge: false`). */
  acknowledgeAll(): void {
    const last = this.batches.at(-1);
    if (last) this.session.acknowledge(last.id);
  }

  get events(): BridgeEvent[] {
    return this.batches.flatMap((batch) => batch.events);
  }

  get lines(): ChatLine[] {
    return this.events.flatMap((event) => (event.type === 'lines' ? event.lines : []));
  }

  get statuses(): SessionStatus[] {
    return this.events.flatMap((event) => (event.type === 'status' ? [event.status] : []));
  }

  get lastStatus(): SessionStatus | undefined {
    return this.statuses.at(-1);
  }

  /** The host's roster as a renderer would have it after every roster event so far. */
  get roster(): ClientInfo[] {
    let roster: ClientInfo[] = [];
    for (const event of this.events) {
      if (event.type === 'roster') roster = event.clients;
      else if (event.type === 'roster-changes') roster = applyRosterChanges(roster, event);
    }
    return roster;
  }

  /** Resolves when `condition()` holds, checked now and after every batch. */
  waitFor(condition: () => boolean, what: Describe, timeoutMs = WAIT_MS): Promise<void> {
    return this.recorded.until(condition, what, timeoutMs);
  }

  dispose(): void {
    this.unsubscribe();
  }
}

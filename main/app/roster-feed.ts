/**
 * RosterFeed: the host's roster as changes, not copies. Arrivals and departures are reported
 * as they happen (at the next batch); line counts at most once per `countIntervalMs`, and only
 * for the clients whose count moved, so a busy room costs one server read a second instead of
 * a sorted copy of every client per batch.
 */
import type { ChatServer } from '../chat/server';
import type { ClientInfo } from '../chat/types';
import type { BridgeEvent, LineCount } from '../common/ipc-contract';

export type RosterServer = Pick<ChatServer, 'on' | 'off' | 'clients' | 'stats'>;

export interface RosterFeedOptions {
  /** Line counts are read at most this often. Default 1000. */
  countIntervalMs?: number;
}

export class RosterFeed {
  /** Everyone in the room as last reported, by id. */
  private readonly known = new Map<number, ClientInfo>();
  private readonly joined = new Map<number, ClientInfo>();
  private readonly left = new Set<number>();
  private readonly counts = new Map<number, number>();
  private linesRelayed: number;
  private readonly timer: NodeJS.Timeout;
  private readonly onJoin = (client: ClientInfo): void => {
    this.known.set(client.id, client);
    this.joined.set(client.id, client);
    this.wake();
  };
  private readonly onLeave = (client: ClientInfo): void => {
    if (!this.known.delete(client.id)) return;
    this.counts.delete(client.id);
    // Came and went between two batches: the renderer never needs to hear of it.
    if (!this.joined.delete(client.id)) this.left.add(client.id);
    this.wake();
  };

  constructor(
    private readonly server: RosterServer,
    private readonly wake: () => void,
    options: RosterFeedOptions = {},
  ) {
    for (const client of server.clients()) this.known.set(client.id, client);
    this.linesRelayed = server.stats.linesRelayed;
    server.on('join', this.onJoin);
    server.on('leave', this.onLeave);
    this.timer = setInterval(() => this.readCounts(), options.countIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** The whole roster, oldest first, as the renderer should have it after every change so far. */
  clients(): ClientInfo[] {
    return [...this.known.values()].sort((a, b) => a.id - b.id);
  }

  /** The event that replaces the renderer's roster with this one; pending changes are in it. */
  whole(): BridgeEvent {
    this.joined.clear();
    this.left.clear();
    this.counts.clear();
    return { type: 'roster', clients: this.clients() };
  }

  /** What changed since the last call, as one event, or null (an EventBatcher source). */
  collect(): BridgeEvent | null {
    if (this.joined.size === 0 && this.left.size === 0 && this.counts.size === 0) return null;
    const lineCounts: LineCount[] = [];
    for (const [id, linesSent] of this.counts) lineCounts.push({ id, linesSent });
    const event: BridgeEvent = {
      type: 'roster-changes',
      joined: [...this.joined.values()].sort((a, b) => a.id - b.id),
      left: [...this.left],
      lineCounts,
    };
    this.joined.clear();
    this.left.clear();
    this.counts.clear();
    return event;
  }

  close(): void {
    clearInterval(this.timer);
    this.server.off('join', this.onJoin);
    this.server.off('leave', this.onLeave);
  }

  private readCounts(): void {
    const relayed = this.server.stats.linesRelayed;
    if (relayed === this.linesRelayed) return;
    this.linesRelayed = relayed;
    let changed = false;
    for (const client of this.server.clients()) {
      const known = this.known.get(client.id);
      if (known === undefined || known.linesSent === client.linesSent) continue;
      this.known.set(client.id, client);
      const pendingJoin = this.joined.get(client.id);
      if (pendingJoin === undefined) this.counts.set(client.id, client.linesSent);
      else this.joined.set(client.id, client);
      changed = true;
    }
    if (changed) this.wake();
  }
}

/**
 * The roster the window shows, as changes, not copies: arrivals and departures at the next
 * batch, and line counts with the lines themselves. RosterLog keeps the book; RosterFeed fills
 * it from the host's server, SeenRoster (seen-roster.ts) from what a joiner reads on the wire.
 *
 * Line counts and "last spoke" come from the lines the session reads (`spoke`), not from the
 * server: a count moves in the batch that carries its line, so the roster never says one line
 * less than the transcript shows just above it, and a busy room costs a map lookup per line.
 */
import type { ChatServer } from '../chat/server';
import type { ClientInfo } from '../chat/types';
import type { BridgeEvent, LineCount } from '../common/ipc-contract';

export class RosterLog {
  /** Everyone in the room as last reported, by id. */
  protected readonly known = new Map<number, ClientInfo>();
  /** Ids by `IP:port`, to count a line to its sender. */
  protected readonly byPeer = new Map<string, number>();
  private readonly joined = new Map<number, ClientInfo>();
  private readonly left = new Set<number>();
  private readonly counted = new Set<number>();
  /** True when the roster is only who was seen (see SeenRoster). */
  protected partial = false;

  constructor(protected readonly wake: () => void) {}

  /** The whole roster, oldest first, as the renderer should have it after every change so far. */
  clients(): ClientInfo[] {
    return [...this.known.values()].sort((a, b) => a.id - b.id);
  }

  /** `peer`'s name as a `/who` answer gave it; null when none did (later names come in the server's name lines). */
  nameOf(peer: string): string | null {
    const id = this.byPeer.get(peer);
    return id === undefined ? null : (this.known.get(id)?.name ?? null);
  }

  get isPartial(): boolean {
    return this.partial;
  }

  /** The event that replaces the renderer's roster with this one; pending changes are in it. */
  whole(): BridgeEvent {
    this.joined.clear();
    this.left.clear();
    this.counted.clear();
    return { type: 'roster', clients: this.clients(), ...(this.partial && { partial: true as const }) };
  }

  /** What changed since the last call, as one event, or null (an EventBatcher source). */
  collect(): BridgeEvent | null {
    if (this.joined.size === 0 && this.left.size === 0 && this.counted.size === 0) return null;
    const lineCounts: LineCount[] = [];
    for (const id of this.counted) {
      const client = this.known.get(id);
      if (client === undefined) continue;
      lineCounts.push({ id, linesSent: client.linesSent, ...(client.lastSpokeAt !== undefined && { lastSpokeAt: client.lastSpokeAt }) });
    }
    const event: BridgeEvent = {
      type: 'roster-changes',
      joined: [...this.joined.values()].sort((a, b) => a.id - b.id),
      left: [...this.left],
      lineCounts,
    };
    this.joined.clear();
    this.left.clear();
    this.counted.clear();
    return event;
  }

  /** `peer` said a line at `at` (epoch ms): its count and "last spoke" move. Unknown peers are left alone. */
  spoke(peer: string, at: number): void {
    const id = this.byPeer.get(peer);
    if (id === undefined) return;
    const client = this.known.get(id)!;
    const updated = { ...client, linesSent: client.linesSent + 1, lastSpokeAt: at };
    this.known.set(id, updated);
    if (this.joined.has(id)) this.joined.set(id, updated);
    else this.counted.add(id);
    this.wake();
  }

  protected add(client: ClientInfo): void {
    this.known.set(client.id, client);
    this.byPeer.set(client.peer, client.id);
    this.joined.set(client.id, client);
    this.wake();
  }

  protected remove(id: number): void {
    const client = this.known.get(id);
    if (client === undefined) return;
    this.known.delete(id);
    if (this.byPeer.get(client.peer) === id) this.byPeer.delete(client.peer);
    this.counted.delete(id);
    // Came and went between two batches: the renderer never needs to hear of it.
    if (!this.joined.delete(id)) this.left.add(id);
    this.wake();
  }

  /** Forgets everyone (a whole() follows). */
  protected clear(): void {
    this.known.clear();
    this.byPeer.clear();
    this.joined.clear();
    this.left.clear();
    this.counted.clear();
  }
}

export type RosterServer = Pick<ChatServer, 'on' | 'off' | 'clients'>;

/** The host's roster: arrivals and departures from its server, lines from the host's own client. */
export class RosterFeed extends RosterLog {
  private readonly onJoin = (client: ClientInfo): void => this.add(client);
  private readonly onLeave = (client: ClientInfo): void => this.remove(client.id);

  constructor(
    private readonly server: RosterServer,
    wake: () => void,
  ) {
    super(wake);
    for (const client of server.clients()) {
      this.known.set(client.id, client);
      this.byPeer.set(client.peer, client.id);
    }
    server.on('join', this.onJoin);
    server.on('leave', this.onLeave);
  }

  close(): void {
    this.server.off('join', this.onJoin);
    this.server.off('leave', this.onLeave);
  }
}

/**
 * Who is in a room, as the server knows it and the host's roster shows it. One shape for the
 * chat core (ChatServer's `join`/`leave` events, `clients()`), the IPC contract and the
 * renderer. Pure: no Node, no DOM.
 */

export interface ClientInfo {
  /** Unique for the server's lifetime; a later arrival has a higher id. */
  id: number;
  /** `IP:port` as the protocol prints it. */
  peer: string;
  /** Epoch milliseconds (see `before`). */
  connectedAt: number;
  linesSent: number;
  /** Epoch ms of the last line the app saw from it (the app's rosters; the server leaves it out). */
  lastSpokeAt?: number;
  /**
   * A joiner's roster of a room that gives no list: it was here before the user came (seen
   * talking, not arriving), and `connectedAt` is when it was first seen, `linesSent` the
   * lines seen since.
   */
  before?: true;
  /** Its name as a `/who` answer gave it (a joiner's roster); later names come in the server's name lines. */
  name?: string;
  /**
   * Its bytes travel over TLS. False: plain text (nc, telnet, the host's own loopback client),
   * readable by anyone on the network. Absent from older producers; read as plain text.
   */
  encrypted?: boolean;
}

export interface LineCount {
  id: number;
  linesSent: number;
  lastSpokeAt?: number;
}

/** What changed in a roster since the last report: arrivals, departures (ids), new line counts. */
export interface RosterChanges {
  joined: ClientInfo[];
  left: number[];
  lineCounts: LineCount[];
}

/** `roster` with `changes` applied, oldest first; the input is left alone. Linear in the roster. */
export function applyRosterChanges(roster: readonly ClientInfo[], changes: RosterChanges): ClientInfo[] {
  const left = new Set(changes.left);
  const counts = new Map(changes.lineCounts.map((count) => [count.id, count]));
  const next: ClientInfo[] = [];
  const present = new Set<number>();
  for (const client of roster) {
    if (left.has(client.id)) continue;
    const count = counts.get(client.id);
    const changed = count !== undefined && (count.linesSent !== client.linesSent || count.lastSpokeAt !== client.lastSpokeAt);
    // An unchanged person keeps its object, so its row is not drawn again.
    next.push(changed ? { ...client, linesSent: count.linesSent, ...(count.lastSpokeAt !== undefined && { lastSpokeAt: count.lastSpokeAt }) } : client);
    present.add(client.id);
  }
  let sorted = true;
  for (const client of changes.joined) {
    if (present.has(client.id) || left.has(client.id)) continue;
    const last = next[next.length - 1];
    if (last !== undefined && last.id > client.id) sorted = false;
    next.push(client);
    present.add(client.id);
  }
  // Ids are handed out on arrival, but a quiet newcomer is announced later than a chatty one.
  if (!sorted) next.sort((a, b) => a.id - b.id);
  return next;
}

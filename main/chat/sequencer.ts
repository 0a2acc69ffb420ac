/**
 * The hook that lets something outside the server own the room's order (the headless
 * server's Redis cluster does). Without a sequencer ChatServer orders the room itself, as it
 * always has. With one:
 *  - a local client's join, lines and departure go to the sequencer, not into the turn;
 *  - the sequencer hands back every event of the room in its one order (this server's own
 *    clients' events included, when they come back), and the server frames them into its
 *    per-turn batched writes with every usual bound and slow-reader rule;
 *  - a local client hears the room from right after its own join, in that order, so the
 *    `(connected)` of a newcomer goes exactly to those whose join came before.
 */

/** Implemented by the sequencer; ChatServer calls these (never re-entrantly into deliver*). */
export interface RoomSequencer {
  /** Called once, by the ChatServer the sequencer was given to, before it listens. */
  attach(room: SequencedRoom): void;
  /** A local client was announced (after the opening sniffer let it in). */
  join(client: number, peer: string): void;
  /** A local client's line, already decoded, cleaned and quoted if it reads as a notice; `text` is valid only during the call. */
  line(client: number, text: Buffer): void;
  /** A local client is gone, or half-closed and waits for its departure to come back. */
  leave(client: number): void;
  /**
   * Names kept room-wide by the sequencer. Without them a server with a sequencer refuses
   * `/name` and `/who` lists its own clients (it cannot keep names unique across the room).
   */
  readonly names?: SharedNames;
}

/** Someone in the whole room, as the sequencer knows them. */
export interface RoomPerson {
  peer: string;
  name: string | null;
  /** When their join took its place in the room's order (epoch ms). */
  connectedAt: number;
  /** This server's client id, or -1 for someone on another server. */
  localClient: number;
}

/** Room-wide names: unique across every server of the room, claimed through the sequencer. */
export interface SharedNames {
  /** The name this server's `client` holds in the room, or null. */
  nameOf(client: number): string | null;
  /** Who holds the name with look-alike key `key` anywhere in the room, as far as this server knows yet. */
  holderOf(key: string): RoomPerson | null;
  /**
   * Asks the room to give `client` the name `name` (key `key`), or to drop its name (both
   * null). Granted: everyone on every server is told, in the room's order (`deliverNotice`).
   * Refused (someone elsewhere got there first): `client` alone is told (`tell`).
   */
  claim(client: number, name: string | null, key: string | null): void;
  /** The people in the whole room, oldest first: the first `limit` of them and how many there are. */
  people(limit: number): { listed: RoomPerson[]; total: number };
}

/** Implemented by ChatServer for its sequencer. */
export interface SequencedRoom {
  /** `[peer] (connected)` at this point of the order; `localClient` ≥ 0 is this server's client whose own join this is. */
  deliverJoin(prefix: Buffer, localClient: number): void;
  /** `[peer] text`; `text` is cleaned, cut and quoted again by the server's line rules and is valid only during the call. */
  deliverLine(prefix: Buffer, text: Buffer): void;
  /** `[peer] (disconnected)`; `localClient` ≥ 0 is this server's client whose own departure this is. */
  deliverLeave(prefix: Buffer, localClient: number): void;
  /** A line from the server itself (`Tincan: …`) to every local client in the room. */
  deliverNotice(text: string): void;
  /** That is all for now: write what was delivered to the clients at once (ends the turn). */
  flush(): void;
  /** Stops (true) or resumes (false) reading from local clients: TCP pushes back on them. */
  pauseIntake(paused: boolean): void;
  /** True while the server's retained output is over its budget (until back under half): stop delivering. */
  outputBlocked(): boolean;
  /** Called once the output drains below the budget again. */
  onOutputFlowing(listener: () => void): void;
  /** Closes every local client with `notice` (this server can no longer serve the room). */
  evictAll(notice: string): void;
  /** Lines from the server for this server's `localClient` alone (say, a refused name). */
  tell(localClient: number, lines: string[]): void;
  /** This server's `localClient` has a new name in the room (null: none), for the server's 'name' event. */
  renamed(localClient: number, name: string | null): void;
  /** Catch-up wanted by the server (null: none): the sequencer may hand lines said before this server joined. */
  readonly replayLimits: { lines: number; bytes: number } | null;
  /** A chat line said before this server joined (oldest first, before anything live): kept for catch-up only. */
  deliverHistory(prefix: Buffer, text: Buffer, at: number): void;
}


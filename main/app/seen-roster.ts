/**
 * A joiner's roster, from what comes over the wire: in a room known to speak Tincan, the
 * answer to the `/who` the session sends on joining, then every `(connected)`,
 * `(disconnected)` and chat line; in any other room (the seed's server, `ncat --chat`) only
 * those lines, so it is partial: the people seen since the user joined.
 *
 * The host is not trusted: at most MAX_SEEN_PEOPLE people are kept (and the user), an address longer than
 * MAX_PEER_CHARS or a name longer than MAX_NAME_CHARS is not believed, and only the one
 * `/who` answer the session asked for is read (and kept out of the transcript).
 */
import type { ChatLine } from '../common/ipc-contract';
import type { ServerNotice } from '../common/server-notice';
import { RosterLog } from './roster-feed';

/** People a joiner's roster holds; a host inventing more is not believed further. */
export const MAX_SEEN_PEOPLE = 1000;
/** Longest `IP:port` believed (an IPv6 address with a zone and a port fits well within it). */
export const MAX_PEER_CHARS = 64;
/** Longest name believed (names are at most 32 characters; a character may take two units). */
export const MAX_NAME_CHARS = 64;

/** Where the `/who` answer the session asked for stands. */
type WhoState =
  | { kind: 'none' }
  | { kind: 'asked' }
  | { kind: 'reading'; wholeRoom: boolean; count: number; entries: ClientEntry[]; peers: Set<string> };

interface ClientEntry {
  peer: string;
  name: string | null;
  connectedAt: number;
}

/**
 * `HH:MM` (today, or yesterday when that would be ahead of `now`) or `YYYY-MM-DD HH:MM`, in
 * local time, as epoch ms; `now` when it does not read as a time.
 */
export function sinceToEpoch(since: string, now: number): number {
  const match = /^(?:(\d{4})-(\d\d)-(\d\d) )?(\d\d):(\d\d)$/.exec(since);
  if (match === null) return now;
  const hours = Number(match[4]);
  const minutes = Number(match[5]);
  if (hours > 23 || minutes > 59) return now;
  const today = new Date(now);
  const at =
    match[1] === undefined
      ? new Date(today.getFullYear(), today.getMonth(), today.getDate(), hours, minutes)
      : new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), hours, minutes);
  let epoch = at.getTime();
  if (!Number.isFinite(epoch)) return now;
  // The server's clock is not ours: a time a little ahead is now, a time-of-day far ahead was yesterday.
  if (match[1] === undefined && epoch > now + 5 * 60_000) epoch -= 24 * 60 * 60_000;
  return Math.min(epoch, now);
}

export class SeenRoster extends RosterLog {
  private nextId = 1;
  private who: WhoState = { kind: 'none' };
  /** The user's own `IP:port` on this connection. */
  private self = '';

  constructor(wake: () => void) {
    super(wake);
    this.partial = true;
  }

  /**
   * A new connection as `self`: whatever was known may have changed meanwhile, so the roster
   * starts again from the user alone, partial until a `/who` answer (expectWho) completes it.
   */
  restart(self: string, now: number): void {
    this.clear();
    this.partial = true;
    this.who = { kind: 'none' };
    this.self = self;
    if (self.length <= MAX_PEER_CHARS) this.add({ id: this.nextId++, peer: self, connectedAt: now, linesSent: 0 });
  }

  /** The session sent `/who`: its answer is read into the roster instead of shown. */
  expectWho(): void {
    this.who = { kind: 'asked' };
  }

  /**
   * A server's notice, which may belong to the `/who` answer. `show`: the session shows it
   * (it is not part of the answer); `ended`: it completed the answer, and the whole roster is
   * to be sent.
   */
  takeNotice(notice: ServerNotice, now: number): { show: boolean; ended: boolean } {
    const who = this.who;
    if (who.kind === 'asked') {
      if (notice.kind !== 'who-start') return { show: true, ended: false };
      this.who = { kind: 'reading', wholeRoom: notice.wholeRoom, count: notice.count, entries: [], peers: new Set() };
      if (notice.count > 0) return { show: false, ended: false };
      this.adopt(false, []);
      return { show: false, ended: true };
    }
    if (who.kind !== 'reading') return { show: true, ended: false };
    if (notice.kind === 'who-entry') {
      if (notice.peer.length <= MAX_PEER_CHARS && who.entries.length < MAX_SEEN_PEOPLE && !who.peers.has(notice.peer)) {
        who.peers.add(notice.peer);
        const name = notice.name !== null && notice.name.length <= MAX_NAME_CHARS ? notice.name : null;
        who.entries.push({ peer: notice.peer, name, connectedAt: sinceToEpoch(notice.since, now) });
      }
      // Everyone listed: the server sends no closing line then.
      if (who.entries.length < who.count) return { show: false, ended: false };
      this.adopt(who.wholeRoom, who.entries);
      return { show: false, ended: true };
    }
    // The answer ends with "and N more." (it listed only some), or, from a server that breaks
    // off, with the first line that is not one of its entries.
    const more = notice.kind === 'who-more';
    this.adopt(false, who.entries);
    return { show: !more, ended: true };
  }

  /**
   * A chat line or an arrival or departure (not a notice: see takeNotice), seen live. A line
   * the `/who` answer interrupts ends it first (`true`: the whole roster is then to be sent).
   */
  takeLine(line: ChatLine): boolean {
    let ended = false;
    if (this.who.kind === 'reading') {
      this.adopt(false, this.who.entries);
      ended = true;
    }
    if (line.peer === '' || line.peer.length > MAX_PEER_CHARS) return ended;
    const id = this.byPeer.get(line.peer);
    if (line.kind === 'disconnected') {
      if (id !== undefined) this.remove(id);
    } else if (line.kind === 'connected') {
      if (id === undefined) this.addSeen(line.peer, line.at, false);
    } else if (line.kind === 'message' && line.replayed !== true) {
      // Talking without having arrived since we came: here from before.
      if (id === undefined) this.addSeen(line.peer, line.at, true);
      this.spoke(line.peer, line.at);
    }
    return ended;
  }

  private addSeen(peer: string, at: number, before: boolean): void {
    if (this.known.size >= MAX_SEEN_PEOPLE) return;
    this.add({ id: this.nextId++, peer, connectedAt: at, linesSent: 0, ...(before && { before: true as const }) });
  }

  /** The `/who` answer becomes the roster; what was seen meanwhile (counts, last spoke) is kept. */
  private adopt(complete: boolean, entries: readonly ClientEntry[]): void {
    this.who = { kind: 'none' };
    const seen = new Map([...this.known.values()].map((client) => [client.peer, client]));
    this.clear();
    for (const entry of entries) {
      const earlier = seen.get(entry.peer);
      const id = this.nextId++;
      this.known.set(id, {
        id,
        peer: entry.peer,
        connectedAt: entry.connectedAt,
        linesSent: earlier?.linesSent ?? 0,
        ...(earlier?.lastSpokeAt !== undefined && { lastSpokeAt: earlier.lastSpokeAt }),
        ...(entry.name !== null && { name: entry.name }),
      });
      this.byPeer.set(entry.peer, id);
    }
    // A long list names the oldest first and may stop before the newest: the user is still here.
    const self = seen.get(this.self);
    if (self !== undefined && !this.byPeer.has(self.peer)) {
      const id = this.nextId++;
      this.known.set(id, { ...self, id });
      this.byPeer.set(self.peer, id);
    }
    this.partial = !complete;
  }
}

/**
 * The room's commands, for telnet users and the app alike: `/name NAME`, `/name`, `/who` and
 * `/help`; and `/kick WHO` and `/ban WHO`, which the room does only for the host's own client
 * (anyone else is told so, and the line is not relayed). A line is a command only when it is one of these words exactly, followed by a
 * space or nothing; every other line (a path, `/shrug`, ` /who`) is chat. A command is never
 * relayed: its answer goes to the sender alone, in `Tincan: ` lines, except a change of name,
 * which the whole room is told (the sender included: that line is its answer too).
 *
 * Bounds: every person has a command bucket (a burst, then one a second; past it one warning
 * until it may again) and a rename bucket (a burst, then a few a minute), both dropped when
 * the person goes; `/who` lists at most MAX_WHO_LISTED people. Names are in RoomNames (on a
 * cluster node, room-wide in the sequencer's SharedNames).
 */
import { cleanPersonName, personNameKey } from '../common/person-name';
import { TokenBucket } from '../common/token-bucket';
import { RoomNames, type NameHolder } from './names';
import type { SharedNames } from './sequencer';
import {
  COMMAND_RATE_LINE,
  HELP_LINES,
  HOST_HELP_LINES,
  NAMES_UNAVAILABLE_LINE,
  NO_NAME_LINE,
  RENAME_RATE_LINE,
  nameChangedLine,
  nameDroppedLine,
  nameInvalidLine,
  nameTakenByLine,
  nameTakenLine,
  nameUnchangedLine,
  whoLines,
  type WhoEntry,
} from './server-lines';

const SLASH = 0x2f;
/** Longest command line looked at: `/name ` and a name of 32 characters, with room for marks and spaces. */
const MAX_COMMAND_BYTES = 1024;
const COMMAND = /^\/(name|who|help|kick|ban)(?: |$)/;
type CommandWord = 'name' | 'who' | 'help' | 'kick' | 'ban';

export const COMMAND_BURST = 10;
export const COMMANDS_PER_SECOND = 1;
export const RENAME_BURST = 3;
export const RENAMES_PER_MINUTE = 3;
export const MAX_WHO_LISTED = 50;

/** Someone in the room who may send a command. */
export interface Commander extends NameHolder {
  readonly connectedAt: number;
}

/** What the commands need from the room. */
export interface CommandRoom<P extends Commander> {
  /** The people in the room, oldest first: the first `limit` of them and how many there are. */
  people(limit: number): { listed: P[]; total: number };
  /** Lines for `to` alone. */
  reply(to: P, lines: string[]): void;
  /** A line for everyone in the room, because of `from`. */
  tellRoom(from: P, line: string): void;
  /** `who` has a new name (null: none). */
  renamed(who: P, name: string | null): void;
  /** True when `who` may use `/kick` and `/ban` (the host's own client, where removing is available): its `/help` lists them. */
  mayRemove(who: P): boolean;
  /** `/kick` (`ban` false) or `/ban` of `target` (a name or `IP:port`) from `from`: the room checks who may and answers. */
  remove(from: P, target: string, ban: boolean): void;
}

interface Rates {
  readonly commands: TokenBucket;
  readonly renames: TokenBucket;
  /** Told it is over its command rate, and not ready since. */
  warned: boolean;
}

/** The command a line is, or null for chat. `line` is a cleaned line without its end. */
export function commandOf(line: Buffer): { word: CommandWord; argument: string } | null {
  if (line.length === 0 || line[0] !== SLASH || line.length > MAX_COMMAND_BYTES) return null;
  const text = line.toString('utf8');
  const match = COMMAND.exec(text);
  if (match === null) return null;
  return { word: match[1] as CommandWord, argument: text.slice(match[0].length).trim() };
}

export class RoomCommands<P extends Commander> {
  readonly names = new RoomNames();
  private readonly rates = new Map<number, Rates>();

  constructor(
    private readonly room: CommandRoom<P>,
    /**
     * False with a sequencer that keeps no names (a server that knows only its own clients):
     * names could not be kept unique across the room, so `/name` is refused, and `/who` says
     * it lists this server.
     */
    private readonly wholeRoom: boolean,
    /** A cluster node's room-wide names: `/name` claims through them and `/who` lists the whole room. */
    private readonly shared: SharedNames | null = null,
  ) {}

  /** The name `id` holds in the room, or null. */
  nameOf(id: number): string | null {
    return this.shared !== null ? this.shared.nameOf(id) : this.names.nameOf(id);
  }

  /** True when `line` was a command (answered, not to be relayed). `now` is performance.now(). */
  handle(sender: P, line: Buffer, now: number, wallClock: number): boolean {
    const command = commandOf(line);
    if (command === null) return false;
    const rates = this.ratesOf(sender.id, now);
    if (!rates.commands.take(now)) {
      if (!rates.warned) this.room.reply(sender, [COMMAND_RATE_LINE]);
      rates.warned = true;
      return true;
    }
    rates.warned = false;
    switch (command.word) {
      case 'help':
        this.room.reply(sender, this.room.mayRemove(sender) ? HOST_HELP_LINES : HELP_LINES);
        break;
      case 'who':
        this.who(sender, wallClock);
        break;
      case 'name':
        this.name(sender, command.argument, rates, now);
        break;
      case 'kick':
      case 'ban':
        this.room.remove(sender, command.argument, command.word === 'ban');
        break;
    }
    return true;
  }

  /** `id` left: its name and its buckets go with it (no line: its `(disconnected)` says it). */
  left(id: number): void {
    this.names.release(id);
    this.rates.delete(id);
  }

  clear(): void {
    this.names.clear();
    this.rates.clear();
  }

  private ratesOf(id: number, now: number): Rates {
    let rates = this.rates.get(id);
    if (rates === undefined) {
      rates = {
        commands: new TokenBucket(COMMANDS_PER_SECOND, COMMAND_BURST, now),
        renames: new TokenBucket(RENAMES_PER_MINUTE / 60, RENAME_BURST, now),
        warned: false,
      };
      this.rates.set(id, rates);
    }
    return rates;
  }

  private who(sender: P, wallClock: number): void {
    if (this.shared !== null) {
      const room = this.shared.people(MAX_WHO_LISTED);
      const entries = room.listed.map((person) => ({ ...person, you: person.localClient === sender.id }));
      this.room.reply(sender, whoLines(entries, room.total, wallClock));
      return;
    }
    const { listed, total } = this.room.people(MAX_WHO_LISTED);
    const entries: WhoEntry[] = listed.map((person) => ({
      peer: person.peer,
      name: this.names.nameOf(person.id),
      connectedAt: person.connectedAt,
      you: person.id === sender.id,
    }));
    this.room.reply(sender, whoLines(entries, total, wallClock, this.wholeRoom));
  }

  private name(sender: P, argument: string, rates: Rates, now: number): void {
    if (this.shared !== null) {
      this.claimShared(this.shared, sender, argument, rates, now);
      return;
    }
    if (!this.wholeRoom) {
      this.room.reply(sender, [NAMES_UNAVAILABLE_LINE]);
      return;
    }
    if (argument === '') {
      if (this.names.nameOf(sender.id) === null) {
        this.room.reply(sender, [NO_NAME_LINE]);
        return;
      }
      if (!rates.renames.take(now)) {
        this.room.reply(sender, [RENAME_RATE_LINE]);
        return;
      }
      const old = this.names.release(sender.id)!;
      this.room.tellRoom(sender, nameDroppedLine(sender.peer, old));
      this.room.renamed(sender, null);
      return;
    }
    const result = this.names.check(sender, argument);
    switch (result.kind) {
      case 'invalid':
        this.room.reply(sender, [nameInvalidLine(result.reason)]);
        return;
      case 'in-use':
        this.room.reply(sender, [nameTakenByLine(result.name, result.holder, result.holderPeer)]);
        return;
      case 'unchanged':
        this.room.reply(sender, [nameUnchangedLine(result.name)]);
        return;
      case 'taken':
      case 'changed':
        if (!rates.renames.take(now)) {
          this.room.reply(sender, [RENAME_RATE_LINE]);
          return;
        }
        this.names.assign(sender, result.name);
        this.room.tellRoom(sender, result.kind === 'taken'
          ? nameTakenLine(sender.peer, result.name)
          : nameChangedLine(sender.peer, result.from, result.name));
        this.room.renamed(sender, result.name);
        return;
    }
  }

  /**
   * `/name` on a cluster node: checked here against what this node knows of the room, then
   * claimed through the sequencer, which is what makes it unique (another node may have
   * granted the same name meanwhile: then the refusal comes back from it).
   */
  private claimShared(shared: SharedNames, sender: P, argument: string, rates: Rates, now: number): void {
    const current = shared.nameOf(sender.id);
    if (argument === '') {
      if (current === null) this.room.reply(sender, [NO_NAME_LINE]);
      else if (!rates.renames.take(now)) this.room.reply(sender, [RENAME_RATE_LINE]);
      else shared.claim(sender.id, null, null);
      return;
    }
    const cleaned = cleanPersonName(argument);
    if (!cleaned.ok) {
      this.room.reply(sender, [nameInvalidLine(cleaned.reason)]);
      return;
    }
    const name = cleaned.text;
    const key = personNameKey(name);
    const holder = shared.holderOf(key);
    if (holder !== null && holder.localClient !== sender.id && holder.name !== null) {
      this.room.reply(sender, [nameTakenByLine(name, holder.name, holder.peer)]);
    } else if (current === name) {
      this.room.reply(sender, [nameUnchangedLine(name)]);
    } else if (!rates.renames.take(now)) {
      this.room.reply(sender, [RENAME_RATE_LINE]);
    } else {
      shared.claim(sender.id, name, key);
    }
  }
}

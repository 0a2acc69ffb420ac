/**
 * Who has which name in a room. A name is unique by its look-alike key (personNameKey), so
 * "alice", "ALICE" and "аlice" are one name. One entry per named person: the table never
 * holds more than the room holds people, and a name leaves with its person (`release`).
 */
import { cleanPersonName, personNameKey } from '../common/person-name';

export interface NameHolder {
  readonly id: number;
  readonly peer: string;
}

interface Entry {
  readonly holder: NameHolder;
  readonly name: string;
  readonly key: string;
}

export type NameResult =
  | { kind: 'taken'; name: string }
  | { kind: 'changed'; from: string; name: string }
  | { kind: 'unchanged'; name: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'in-use'; name: string; holder: string; holderPeer: string };

export class RoomNames {
  private readonly byId = new Map<number, Entry>();
  private readonly byKey = new Map<string, Entry>();

  get size(): number {
    return this.byId.size;
  }

  nameOf(id: number): string | null {
    return this.byId.get(id)?.name ?? null;
  }

  /** Who holds `raw` or a look-alike of it (null: no one). */
  holderOf(raw: string): number | null {
    const cleaned = cleanPersonName(raw);
    if (!cleaned.ok) return null;
    return this.byKey.get(personNameKey(cleaned.text))?.holder.id ?? null;
  }

  /** What `/name raw` would do for `holder`, without doing it. */
  check(holder: NameHolder, raw: string): NameResult {
    const cleaned = cleanPersonName(raw);
    if (!cleaned.ok) return { kind: 'invalid', reason: cleaned.reason };
    const name = cleaned.text;
    const key = personNameKey(name);
    const current = this.byId.get(holder.id);
    const other = this.byKey.get(key);
    if (other !== undefined && other.holder.id !== holder.id) {
      return { kind: 'in-use', name, holder: other.name, holderPeer: other.holder.peer };
    }
    if (current === undefined) return { kind: 'taken', name };
    if (current.name === name) return { kind: 'unchanged', name };
    return { kind: 'changed', from: current.name, name };
  }

  /** Gives `holder` the name `check` accepted (kind 'taken' or 'changed'). */
  assign(holder: NameHolder, name: string): void {
    this.release(holder.id);
    const entry: Entry = { holder, name, key: personNameKey(name) };
    this.byId.set(holder.id, entry);
    this.byKey.set(entry.key, entry);
  }

  /** Frees `id`'s name; returns it (null when it had none). */
  release(id: number): string | null {
    const entry = this.byId.get(id);
    if (entry === undefined) return null;
    this.byId.delete(id);
    if (this.byKey.get(entry.key) === entry) this.byKey.delete(entry.key);
    return entry.name;
  }

  clear(): void {
    this.byId.clear();
    this.byKey.clear();
  }
}

/**
 * Room passwords the user asked to remember, per host (`host:port` as joined), most recent
 * first and at most MAX_ROOM_PASSWORDS. Kept apart from the preferences, which the window
 * sees: a password never leaves main once it was typed. The file is owner-only (json-file.ts)
 * and holds the passwords as typed: they guard a room on a LAN, and the app must type them
 * again, so there is nothing to hash them into.
 */
import { LIMITS } from '../common/ipc-contract';
import { JsonFileWriter, readJsonFile } from './json-file';

export const MAX_ROOM_PASSWORDS = 32;

export interface RoomPassword {
  /** `host:port` as joined (normalised). */
  address: string;
  password: string;
}

export interface RoomPasswordStore {
  /** Never rejects: a missing or damaged file is no passwords. */
  load(): Promise<RoomPassword[]>;
  save(passwords: RoomPassword[]): Promise<void>;
}

/** The well-formed entries of what a file held, one per address, at most MAX_ROOM_PASSWORDS. */
export function sanitizeRoomPasswords(value: unknown): RoomPassword[] {
  const result: RoomPassword[] = [];
  if (!Array.isArray(value)) return result;
  for (const entry of value as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { address, password } = entry as Record<string, unknown>;
    if (typeof address !== 'string' || address.length === 0 || address.length > LIMITS.maxAddressChars) continue;
    if (typeof password !== 'string' || password.length === 0 || password.length > LIMITS.maxPasswordChars) continue;
    if (result.some((known) => known.address === address)) continue;
    result.push({ address, password });
    if (result.length >= MAX_ROOM_PASSWORDS) break;
  }
  return result;
}

/** `address`'s password first, an older one for it dropped, at most MAX_ROOM_PASSWORDS. */
export function rememberRoomPassword(passwords: readonly RoomPassword[], address: string, password: string): RoomPassword[] {
  return [{ address, password }, ...passwords.filter((known) => known.address !== address)].slice(0, MAX_ROOM_PASSWORDS);
}

export class JsonFileRoomPasswordStore implements RoomPasswordStore {
  private readonly file: JsonFileWriter;

  constructor(private readonly filePath: string) {
    this.file = new JsonFileWriter(filePath);
  }

  async load(): Promise<RoomPassword[]> {
    return sanitizeRoomPasswords(await readJsonFile(this.filePath));
  }

  save(passwords: RoomPassword[]): Promise<void> {
    return this.file.write(sanitizeRoomPasswords(passwords));
  }
}

export class MemoryRoomPasswordStore implements RoomPasswordStore {
  private stored: RoomPassword[];

  constructor(initial: RoomPassword[] = []) {
    this.stored = initial.map((entry) => ({ ...entry }));
  }

  load(): Promise<RoomPassword[]> {
    return Promise.resolve(this.stored.map((entry) => ({ ...entry })));
  }

  save(passwords: RoomPassword[]): Promise<void> {
    this.stored = passwords.map((entry) => ({ ...entry }));
    return Promise.resolve();
  }
}

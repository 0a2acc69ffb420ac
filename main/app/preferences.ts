/**
 * What Tincan remembers between runs: last mode, port, scope and room name, the recent hosts,
 * whether it has hosted for the network before, and the history and notification settings.
 * Pure Node (fs only), no Electron: main passes a path under userData, tests a temp dir.
 */
import * as v from 'valibot';
import { MAX_RECENT_HOSTS, preferencesSchema, type Preferences } from '../common/ipc-contract';
import { cleanPersonName } from '../common/person-name';
import os from 'node:os';
import { JsonFileWriter, readJsonFile } from './json-file';

export { MAX_RECENT_HOSTS };

export interface PreferencesStore {
  /** Never rejects: a missing or damaged file yields the defaults. */
  load(): Promise<Preferences>;
  save(preferences: Preferences): Promise<void>;
}

/** Preferences as read from a file: lenient, so never refused (see preferencesSchema). */
const PREFERENCES_FILE = preferencesSchema(systemDisplayName);

export function defaultPreferences(): Preferences {
  return v.parse(PREFERENCES_FILE, {});
}

/** The OS user's name as a person's name (cleaned); '' when there is none that would do. */
export function systemDisplayName(): string {
  let user = '';
  try {
    user = os.userInfo().username;
  } catch {
    // No user entry (a container's numeric uid): no name until one is typed.
  }
  const cleaned = cleanPersonName(user);
  return cleaned.ok ? cleaned.text : '';
}

/**
 * Keeps every field that is well-formed and replaces the rest with defaults, so one bad
 * field (hand-edited file, older version) does not cost the user the others.
 */
export function sanitizePreferences(value: unknown): Preferences {
  return v.parse(PREFERENCES_FILE, value);
}

/** Puts `host` first, drops an older copy of it, keeps at most MAX_RECENT_HOSTS. */
export function rememberRecentHost(recentHosts: readonly string[], host: string): string[] {
  return [host, ...recentHosts.filter((known) => known !== host)].slice(0, MAX_RECENT_HOSTS);
}

export function clonePreferences(preferences: Preferences): Preferences {
  return {
    ...preferences,
    recentHosts: [...preferences.recentHosts],
    hostKeys: preferences.hostKeys.map((key) => ({ ...key })),
    mentionKeywords: [...preferences.mentionKeywords],
  };
}

/** Preferences in one JSON file, replaced atomically on every save, saves in order. */
export class JsonFilePreferencesStore implements PreferencesStore {
  private readonly file: JsonFileWriter;

  constructor(private readonly filePath: string) {
    this.file = new JsonFileWriter(filePath);
  }

  async load(): Promise<Preferences> {
    return sanitizePreferences(await readJsonFile(this.filePath));
  }

  save(preferences: Preferences): Promise<void> {
    return this.file.write(sanitizePreferences(preferences));
  }
}

/** Keeps preferences in memory only: tests, and the fallback when userData is unwritable. */
export class MemoryPreferencesStore implements PreferencesStore {
  private stored: Preferences;

  constructor(initial: Preferences = defaultPreferences()) {
    this.stored = clonePreferences(initial);
  }

  load(): Promise<Preferences> {
    return Promise.resolve(clonePreferences(this.stored));
  }

  save(preferences: Preferences): Promise<void> {
    this.stored = clonePreferences(preferences);
    return Promise.resolve();
  }
}

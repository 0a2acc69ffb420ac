/**
 * What Tincan remembers between runs: last mode, port, scope and room name, the recent hosts,
 * whether it has hosted for the network before, and the history and notification settings.
 * Pure Node (fs only), no Electron: main passes a path under userData, tests a temp dir.
 */
import { DEFAULT_PORT } from '../common/constants';
import { RETENTIONS, type Retention } from '../common/history';
import { NOTIFICATION_PRIVACY_LEVELS, type HostScope, type Mode, type NotificationPrivacy, type Preferences } from '../common/ipc-contract';
import { sanitizeKeywords } from '../common/mentions';
import { cleanPersonName } from '../common/person-name';
import os from 'node:os';
import { JsonFileWriter, readJsonFile } from './json-file';
import { sanitizeHostKeys } from './join';

export const MAX_RECENT_HOSTS = 8;
/** A remembered host is a normalised `host:port`; anything longer came from a damaged file. */
const MAX_RECENT_HOST_CHARS = 300;
/** A remembered room name was checked when it was hosted under; anything longer came from a damaged file. */
const MAX_ROOM_NAME_CHARS = 200;

export interface PreferencesStore {
  /** Never rejects: a missing or damaged file yields the defaults. */
  load(): Promise<Preferences>;
  save(preferences: Preferences): Promise<void>;
}

export function defaultPreferences(): Preferences {
  return {
    lastMode: 'host',
    lastPort: DEFAULT_PORT,
    lastScope: 'lan',
    recentHosts: [],
    hostKeys: [],
    roomName: '',
    lastEncryptedOnly: false,
    hostedBefore: false,
    historyRetention: 'forever',
    // Who wrote, not what: a notification can be read by whoever passes the screen.
    notificationPrivacy: 'sender',
    mentionsOnly: false,
    mentionKeywords: [],
    doNotDisturb: false,
    displayName: systemDisplayName(),
  };
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
  const result = defaultPreferences();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return result;
  const record = value as Record<string, unknown>;
  const mode = record.lastMode;
  if (mode === 'host' || mode === 'join') result.lastMode = mode satisfies Mode;
  const port = record.lastPort;
  if (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535) result.lastPort = port;
  const scope = record.lastScope;
  if (scope === 'lan' || scope === 'local') result.lastScope = scope satisfies HostScope;
  const roomName = record.roomName;
  if (typeof roomName === 'string' && roomName.length <= MAX_ROOM_NAME_CHARS) result.roomName = roomName;
  if (typeof record.hostedBefore === 'boolean') result.hostedBefore = record.hostedBefore;
  if (typeof record.lastEncryptedOnly === 'boolean') result.lastEncryptedOnly = record.lastEncryptedOnly;
  const hosts = record.recentHosts;
  if (Array.isArray(hosts)) {
    for (const host of hosts) {
      if (typeof host !== 'string' || host.length === 0 || host.length > MAX_RECENT_HOST_CHARS) continue;
      if (!result.recentHosts.includes(host)) result.recentHosts.push(host);
      if (result.recentHosts.length >= MAX_RECENT_HOSTS) break;
    }
  }
  result.hostKeys = sanitizeHostKeys(record.hostKeys);
  const retention = record.historyRetention;
  if (RETENTIONS.includes(retention as Retention)) result.historyRetention = retention as Retention;
  const privacy = record.notificationPrivacy;
  if (NOTIFICATION_PRIVACY_LEVELS.includes(privacy as NotificationPrivacy)) result.notificationPrivacy = privacy as NotificationPrivacy;
  if (typeof record.mentionsOnly === 'boolean') result.mentionsOnly = record.mentionsOnly;
  if (typeof record.doNotDisturb === 'boolean') result.doNotDisturb = record.doNotDisturb;
  result.mentionKeywords = sanitizeKeywords(record.mentionKeywords);
  const displayName = record.displayName;
  if (typeof displayName === 'string' && displayName.length <= 1000) {
    const cleaned = cleanPersonName(displayName);
    if (displayName === '' || cleaned.ok) result.displayName = cleaned.ok ? cleaned.text : '';
  }
  return result;
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

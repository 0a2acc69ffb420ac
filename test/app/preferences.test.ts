import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultPreferences,
  JsonFilePreferencesStore,
  MAX_RECENT_HOSTS,
  rememberRecentHost,
  sanitizePreferences,
} from '../../main/app/preferences';

let directory = '';
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'tincan-prefs-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('JsonFilePreferencesStore', () => {
  it('gives defaults when the file is missing, then round-trips a save', async () => {
    const file = path.join(directory, 'nested', 'preferences.json');
    const store = new JsonFilePreferencesStore(file);
    expect(await store.load()).toEqual(defaultPreferences());
    const saved = {
      ...defaultPreferences(),
      lastMode: 'join' as const,
      lastPort: 4000,
      lastScope: 'local' as const,
      recentHosts: ['10.0.0.5:60003'],
      roomName: 'Lab 3',
      lastEncryptedOnly: true,
      hostedBefore: true,
      historyRetention: 'days30' as const,
      notificationPrivacy: 'full' as const,
      mentionsOnly: true,
      mentionKeywords: ['Ann', 'bob smith'],
      doNotDisturb: true,
    };
    await store.save(saved);
    expect(await new JsonFilePreferencesStore(file).load()).toEqual(saved);
    // Atomic write leaves no temporary files behind.
    expect(await readdir(path.dirname(file))).toEqual(['preferences.json']);
  });

  it.each([
    ['garbage', '{not json'],
    ['an empty file', ''],
    ['an array', '[1,2,3]'],
    ['null', 'null'],
    ['half a write', '{"lastMode":"join","lastPo'],
  ])('tolerates %s', async (_name, content) => {
    const file = path.join(directory, 'preferences.json');
    await writeFile(file, content);
    expect(await new JsonFilePreferencesStore(file).load()).toEqual(defaultPreferences());
  });

  it('keeps the good fields of a damaged file', async () => {
    const file = path.join(directory, 'preferences.json');
    await writeFile(
      file,
      JSON.stringify({
        lastMode: 'join',
        lastPort: 99999,
        lastScope: 'everywhere',
        recentHosts: ['a:1', 7, 'a:1', 'x'.repeat(400), 'b:2'],
        roomName: 'x'.repeat(201),
        hostedBefore: 'yes',
        lastEncryptedOnly: 'yes',
      }),
    );
    expect(await new JsonFilePreferencesStore(file).load()).toEqual({
      ...defaultPreferences(),
      lastMode: 'join',
      lastPort: 60003,
      lastScope: 'lan',
      recentHosts: ['a:1', 'b:2'],
      roomName: '',
      hostedBefore: false,
      lastEncryptedOnly: false,
    });
  });

  it('refuses to parse a huge file and treats a directory as missing', async () => {
    const file = path.join(directory, 'preferences.json');
    await writeFile(file, `{"recentHosts":[${'"a:1",'.repeat(100_000)}"b:2"]}`);
    expect(await new JsonFilePreferencesStore(file).load()).toEqual(defaultPreferences());
    expect(await new JsonFilePreferencesStore(directory).load()).toEqual(defaultPreferences());
  });

  it('applies concurrent saves in order', async () => {
    const file = path.join(directory, 'preferences.json');
    const store = new JsonFilePreferencesStore(file);
    await Promise.all(
      Array.from({ length: 20 }, (_, index) => store.save({ ...defaultPreferences(), lastPort: 1000 + index })),
    );
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ lastPort: 1019 });
  });

  it('reports a save that cannot be written', async () => {
    const blocker = path.join(directory, 'file');
    await writeFile(blocker, 'x');
    const store = new JsonFilePreferencesStore(path.join(blocker, 'preferences.json'));
    await expect(store.save(defaultPreferences())).rejects.toThrow();
    // and the queue keeps working afterwards
    await expect(store.save(defaultPreferences())).rejects.toThrow();
  });
});

describe('recent hosts', () => {
  it('puts the newest first, without duplicates, at most eight', () => {
    let hosts: string[] = [];
    for (let index = 0; index < 12; index += 1) hosts = rememberRecentHost(hosts, `10.0.0.${index}:60003`);
    hosts = rememberRecentHost(hosts, '10.0.0.7:60003');
    expect(hosts).toHaveLength(MAX_RECENT_HOSTS);
    expect(hosts[0]).toBe('10.0.0.7:60003');
    expect(hosts[1]).toBe('10.0.0.11:60003');
    expect(new Set(hosts).size).toBe(hosts.length);
    expect(sanitizePreferences({ recentHosts: Array.from({ length: 20 }, (_, i) => `h${i}:1`) }).recentHosts).toHaveLength(8);
  });
});

describe('history and notification settings', () => {
  it('default to keeping history, naming the sender only, no keywords, notifications on', () => {
    expect(defaultPreferences()).toMatchObject({
      historyRetention: 'forever',
      notificationPrivacy: 'sender',
      mentionsOnly: false,
      mentionKeywords: [],
      doNotDisturb: false,
    });
  });

  it('keep every well-formed field and replace each bad one with its default', () => {
    expect(
      sanitizePreferences({
        lastPort: 4000,
        historyRetention: 'session',
        notificationPrivacy: 'full',
        mentionsOnly: true,
        doNotDisturb: true,
        mentionKeywords: ['  Ann ', 'ann', 42, 'x'.repeat(100), 'Bob'],
      }),
    ).toMatchObject({ lastPort: 4000, historyRetention: 'session', notificationPrivacy: 'full', mentionsOnly: true, doNotDisturb: true, mentionKeywords: ['Ann', 'Bob'] });
    expect(
      sanitizePreferences({
        historyRetention: 'forever and ever',
        notificationPrivacy: 'loud',
        mentionsOnly: 'yes',
        doNotDisturb: 1,
        mentionKeywords: 'Ann',
      }),
    ).toMatchObject({ historyRetention: 'forever', notificationPrivacy: 'sender', mentionsOnly: false, doNotDisturb: false, mentionKeywords: [] });
  });

  it('bound the keyword list', () => {
    expect(sanitizePreferences({ mentionKeywords: Array.from({ length: 500 }, (_, i) => `k${i}`) }).mentionKeywords).toHaveLength(20);
  });

  it('an older file without them gets the defaults', () => {
    expect(sanitizePreferences({ lastMode: 'join', lastPort: 5000, lastScope: 'lan', recentHosts: [] })).toEqual({
      ...defaultPreferences(),
      lastMode: 'join',
      lastPort: 5000,
    });
  });
});

/**
 * The server under test for `npm run bench -- history`: the desktop app's host, i.e. a
 * ChatSession hosting a room (server + its own loopback client) in plain Node, optionally
 * with its transcript stored (the session's history: HistoryService, the store on its worker
 * thread), as main runs it.
 *
 *   node --import tsx bench/history-host.ts --history off|fts5|like [--db FILE] --host 127.0.0.1 --port 0
 *
 * Prints `Listening on HOST:PORT` once the room is up. Each `stats` line on stdin is
 * answered with `stats {json}` on stdout (lines the host's session saw, lines stored, time
 * spent storing). Exits when stdin closes or on SIGTERM.
 */
import { parseArgs } from 'node:util';
import { HistoryService } from '../main/app/history/service';
import { MemoryPreferencesStore, defaultPreferences } from '../main/app/preferences';
import { ChatSession } from '../main/app/session';

export type HistoryMode = 'off' | 'fts5' | 'like';
const HISTORY_MODES: readonly HistoryMode[] = ['off', 'fts5', 'like'];

/** The room counts as quiet after this long without a new line. */
const QUIET_MS = 250;
const QUIET_DEADLINE_MS = 8_000;

export interface HostStats {
  /** Lines the host's session got (what the window would show, and lines its flow control skipped for it). */
  received: number;
  stored: number;
  /** Lines not stored: the worker fell too far behind, or history was unavailable. */
  dropped: number;
  /** Lines posted to the worker and not stored yet. */
  pending: number;
  /** The most lines ever waiting for the worker at once. */
  pendingHighWater: number;
  appendBatches: number;
  appendMsTotal: number;
  appendMsMax: number;
  engine: string | null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      history: { type: 'string', default: 'off' },
      db: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      'max-clients': { type: 'string' },
    },
  });
  const mode = values.history;
  if (!HISTORY_MODES.includes(mode as HistoryMode)) throw new Error(`--history must be off, fts5 or like (got ${mode})`);
  if (values.host !== '127.0.0.1') throw new Error('the bench host listens on 127.0.0.1 only');
  // The host's own loopback connection is a client of its server too.
  const maxClients = values['max-clients'] === undefined ? 0 : Number(values['max-clients']) + 1;
  let store: HistoryService | null = null;
  if (mode !== 'off') {
    if (values.db === undefined) throw new Error('--db FILE is needed with history on');
    store = await HistoryService.open({ file: values.db, search: mode === 'like' ? 'like' : 'auto' });
    if (!store.status.available) throw new Error(`history unavailable: ${store.status.reason}`);
  }
  // The whole load comes from one address (127.0.0.1), as for the headless server in the bench:
  // the per-address and line-rate limits are lifted so the figures measure the history.
  const serverOptions = { maxClients, maxConnectionsPerAddress: 0, joinsPerAddressPerMinute: 0, maxLinesPerSecond: 0 };
  // No name: the host's own `/name` line would count as one more line received.
  const preferences = new MemoryPreferencesStore({ ...defaultPreferences(), displayName: '' });
  const session = new ChatSession({ serverOptions, preferences, ...(store === null ? {} : { history: store }) });
  let shown = 0;
  session.onEvents((batch) => {
    for (const event of batch.events) {
      if (event.type === 'lines') for (const line of event.lines) if (line.kind !== 'skipped') shown += 1;
    }
    // A window that takes every batch at once, as the preload acknowledges them.
    session.acknowledge(batch.id);
  });
  // What the session saw: what it sent the window, and what its flow control skipped for it.
  const seen = (): number => shown + session.flowStats.skippedLines;
  const hosted = await session.host({ port: Number(values.port), scope: 'local' });
  if (!hosted.ok) throw new Error(hosted.error);
  process.stdout.write(`Listening on 127.0.0.1:${hosted.value.port}\n`);

  /** Figures once the room is quiet: nothing new for a while and nothing waiting for the worker. */
  const stats = async (): Promise<HostStats> => {
    const deadline = Date.now() + QUIET_DEADLINE_MS;
    let last = seen();
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (seen() !== last) {
        last = seen();
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= QUIET_MS && ((await store?.stats())?.pendingLines ?? 0) === 0) {
        break;
      }
    }
    const appended = await store?.stats();
    return {
      received: seen(),
      stored: appended?.stored ?? 0,
      dropped: (appended?.dropped ?? 0) + (appended?.droppedBehind ?? 0),
      pending: appended?.pendingLines ?? 0,
      pendingHighWater: appended?.pendingHighWater ?? 0,
      appendBatches: appended?.batches ?? 0,
      appendMsTotal: appended?.appendMsTotal ?? 0,
      appendMsMax: appended?.appendMsMax ?? 0,
      engine: store?.status.available ? store.status.engine : null,
    };
  };
  let input = '';
  const stop = (): void => {
    void session
      .close()
      .then(() => store?.close())
      .finally(() => process.exit(0));
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    input += chunk;
    let newline = input.indexOf('\n');
    while (newline >= 0) {
      const command = input.slice(0, newline).trim();
      input = input.slice(newline + 1);
      if (command === 'stats') void stats().then((figures) => process.stdout.write(`stats ${JSON.stringify(figures)}\n`));
      newline = input.indexOf('\n');
    }
  });
  process.stdin.on('end', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

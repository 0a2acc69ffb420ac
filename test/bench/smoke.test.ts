/**
 * The load generator end to end, tiny: a real Tincan server (main/headless/serve.ts via tsx),
 * two generator worker processes, a handful of clients. Proves the bench still measures
 * something true after changes to either side.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runAttack } from '../../bench/attack';
import { runLoad, type LoadResult, type LoadSpec } from '../../bench/coordinator';
import { renderTable, type RunRecord } from '../../bench/report';
import { benchCertificate, type ServerKind } from '../../bench/servers';
import { useCleanup } from '../support/cleanup';

const tiny: Omit<LoadSpec, 'load' | 'durationMs'> = {
  clients: 5,
  senders: 2,
  lineBytes: 64,
  connectBudgetMs: 10_000,
  workers: 2,
  connectConcurrency: 8,
  drainStallMs: 3_000,
};

const quiet = (): void => {};
const defer = useCleanup();

describe('bench smoke run against the real server', () => {
  it('open loop: every line reaches every client once, in order, with sane figures', async () => {
    // 2 senders x 200 lines/s x 0.5 s = about 200 lines.
    const r = await runLoad(
      { kind: 'tincan', host: '127.0.0.1', maxClients: 0, fromSource: true },
      { ...tiny, load: { mode: 'open', linesPerSecond: 400 }, durationMs: 500 },
      quiet,
    );
    expect(r.storm.connected).toBe(5);
    expect(r.storm.noticesExact).toBe(true);
    expect(r.storm.stormMs).toBeGreaterThan(0);
    const t = r.traffic!;
    expect(t.sent).toBeGreaterThanOrEqual(180);
    expect(t.sent).toBeLessThanOrEqual(220);
    expect(t.expected).toBe(t.sent * 5); // Tincan echoes to the sender too
    expect(t.completeness).toBe(1);
    expect(t.duplicates).toBe(0);
    expect(t.outOfOrder).toBe(0);
    expect(t.otherLines).toBe(0);
    expect(t.latency.count).toBe(t.delivered);
    expect(t.latency.p50Ms).toBeGreaterThan(0);
    expect(t.latency.p50Ms!).toBeLessThanOrEqual(t.latency.p99Ms!);
    expect(t.latency.p99Ms!).toBeLessThanOrEqual(t.latency.maxMs!);
    expect(t.deliveriesPerSec).toBeGreaterThan(0);
    expect(r.rssKiB.before).toBeGreaterThan(1000);
    expect(r.serverDied).toBe(false);
  });

  it('closed loop: senders keep going on acknowledgements and nothing is lost', async () => {
    const r = await runLoad(
      { kind: 'tincan', host: '127.0.0.1', maxClients: 0, fromSource: true },
      { ...tiny, load: { mode: 'closed', window: 4 }, durationMs: 300 },
      quiet,
    );
    const t = r.traffic!;
    // Far more than one window each: acknowledgements came back and refilled it.
    expect(t.sent).toBeGreaterThan(2 * 4 * 10);
    expect(t.completeness).toBe(1);
    expect(t.duplicates + t.outOfOrder).toBe(0);
  });

  it('attack: a small pause attack runs end to end; the honest pair loses nothing and is not cut', async () => {
    const a = await runAttack(
      { kind: 'tincan', host: '127.0.0.1', maxClients: 0, fromSource: true },
      { nonReaders: 4, floodBytesPerSecond: 1024 * 1024, honestLinesPerSecond: 50, honestLineBytes: 64, durationMs: 1000, drainMs: 3000 },
      quiet,
    );
    expect(a.honest.sent).toBeGreaterThan(50);
    expect(a.honest.expected).toBe(a.honest.sent * 2);
    expect(a.honest.lost).toBe(0);
    expect(a.honest.cut).toBe(0);
    expect(a.honest.duplicates + a.honest.outOfOrder).toBe(0);
    expect(a.honest.latency.count).toBe(a.honest.received);
    expect(a.attacker.floodMB).toBeGreaterThan(0);
    expect(a.serverDied).toBe(false);
  });

  it('tls: Tincan, the C reference behind stunnel and ncat --ssl each deliver every line to TLS clients; the table compares them', async () => {
    const certificate = benchCertificate();
    defer(() => rmSync(certificate.dir, { recursive: true, force: true }));
    const records: RunRecord[] = [];
    for (const server of ['tincan', 'ref-c', 'ncat'] as ServerKind[]) {
      const result: LoadResult = await runLoad(
        { kind: server, host: '127.0.0.1', maxClients: 0, fromSource: true, tls: certificate },
        { ...tiny, connectConcurrency: 4, load: { mode: 'closed', window: 4 }, durationMs: 300 },
        quiet,
      );
      expect(result.storm.connected).toBe(5);
      expect(result.storm.noticesExact).toBe(true);
      const t = result.traffic!;
      expect(t.completeness).toBe(1);
      expect(t.duplicates + t.outOfOrder).toBe(0);
      expect(t.sent).toBeGreaterThan(2 * 4);
      expect(t.serverCpuPerDeliveryUs).toBeGreaterThanOrEqual(0);
      records.push({ server, scenario: 'tls-saturate', description: 'tiny', quick: true, result, storm10k: null, attack: null });
    }
    const table = renderTable(records);
    expect(table).toContain('| figure | tincan (TLS) | stunnel + ref-c | ncat --ssl | Tincan/stunnel + ref-c |');
    expect(table).toMatch(/\| server CPU per delivery \(µs\) \|/);
    expect(table).toMatch(/deliveries\/s >= 0\.8x stunnel \+ ref-c: \*\*(PASS|FAIL)\*\*/);
  }, 90_000); // three servers, each with its TLS join storm

  it('tls attack: TLS attackers and a TLS honest pair; the honest pair loses nothing and is not cut', async () => {
    const certificate = benchCertificate();
    defer(() => rmSync(certificate.dir, { recursive: true, force: true }));
    const a = await runAttack(
      { kind: 'tincan', host: '127.0.0.1', maxClients: 0, fromSource: true, tls: certificate },
      { nonReaders: 4, floodBytesPerSecond: 1024 * 1024, honestLinesPerSecond: 50, honestLineBytes: 64, durationMs: 1000, drainMs: 3000 },
      quiet,
    );
    expect(a.honest.sent).toBeGreaterThan(50);
    expect(a.honest.lost).toBe(0);
    expect(a.honest.cut).toBe(0);
    expect(a.attacker.floodMB).toBeGreaterThan(0);
    expect(a.serverDied).toBe(false);
  });
});

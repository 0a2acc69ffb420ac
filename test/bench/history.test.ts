/**
 * `npm run bench -- history`, tiny: a desktop host (ChatSession + HistoryService on its
 * worker) under a short saturating load, and the store part on a small history. Proves the
 * benchmark still measures something true after changes to the store or the session.
 */
import { describe, expect, it } from 'vitest';
import { runHistoryBench } from '../../bench/history';

const quiet = (): void => {};

describe('history bench smoke run', () => {
  it('the host stores every line it saw, and the store part compares all three', async () => {
    const outcome = await runHistoryBench(['--hosts', 'fts5', '--duration', '0.5', '--lines', '2000', '--quick'], quiet, true);
    const [record] = outcome.load;
    const report = record!.result!.serverReport!;
    expect(record!.result!.traffic!.completeness).toBe(1);
    expect(report.received).toBeGreaterThan(1000);
    expect(report.stored).toBe(report.received);
    expect(report.dropped).toBe(0);
    expect(report.engine).toBe('fts5');
    expect(outcome.table).toContain('### history (a)');
    expect(outcome.table).toContain('### history (b): 2,000-line history');
    expect(outcome.table).toMatch(/same results on all three: \*\*PASS\*\*/);
  }, 120_000);
});

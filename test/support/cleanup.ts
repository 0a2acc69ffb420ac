/** Everything a test opens is closed after it, last opened first, even when the test failed. */
import { afterEach } from 'vitest';

export type Cleanup = () => unknown;

/**
 * Call once at the top of a test file; returns `defer(cleanup)`, which schedules `cleanup`
 * for the end of the current test. One failing cleanup does not skip the others.
 */
export function useCleanup(): (cleanup: Cleanup) => void {
  const pending: Cleanup[] = [];
  afterEach(async () => {
    const errors: unknown[] = [];
    for (const cleanup of pending.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} cleanup(s) failed`);
  });
  return (cleanup) => {
    pending.push(cleanup);
  };
}

/** Reading a `Result` in a test: its value, or a failure that names the error. */
import { expect } from 'vitest';

/** The value of an ok result; a failed one fails the test with its error. */
export function value<T>(result: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!result.ok) throw new Error(`expected ok, got: ${result.error}`);
  return result.value;
}

/** The error of a result that must have failed. */
export function errorOf(result: { ok: boolean; error?: string }): string {
  expect(result.ok).toBe(false);
  return result.error ?? '';
}

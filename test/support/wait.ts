/**
 * Waiting in tests: always for a condition, always with a timeout that says what was awaited
 * (never a sleep for luck).
 */

/** How long a test waits for something that should happen at once. */
export const WAIT_MS = 5000;

export type Describe = string | (() => string);

function describe(what: Describe): string {
  return typeof what === 'string' ? what : what();
}

/**
 * Something tests wait on: the owner calls `notify()` whenever its state changes (bytes
 * arrived, a batch was recorded, a process wrote), and `until` re-checks then.
 */
export class Signal {
  private readonly waiters = new Set<() => void>();

  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /**
   * Resolves once `holds()` is true (checked now and after every notify). Rejects after
   * `timeoutMs`, or as soon as `hopeless()` returns a reason (say, the process exited).
   */
  until(holds: () => boolean, what: Describe, timeoutMs = WAIT_MS, hopeless: () => string | null = () => null): Promise<void> {
    if (holds()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (holds()) {
          done();
          resolve();
          return;
        }
        const reason = hopeless();
        if (reason !== null) {
          done();
          reject(new Error(`Gave up waiting for ${describe(what)}: ${reason}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${describe(what)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}

/** For conditions nothing announces (server state, files): polls every 5 ms. */
export function waitUntil(check: () => boolean, what: Describe, timeoutMs = WAIT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) {
      resolve();
      return;
    }
    const started = Date.now();
    const poll = setInterval(() => {
      if (check()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${describe(what)}`));
      }
    }, 5);
  });
}

/** One turn of the event loop (lets queued I/O callbacks run). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * One owner for many things that must be undone together (listeners, timers, sockets), after
 * VS Code's DisposableStore: whatever a long-lived thing starts is added to its store as it
 * is started, and one dispose() undoes all of it, newest first. Pure.
 */

export interface Disposable {
  dispose(): void;
}

/** A Disposable that runs `undo` once. */
export function toDisposable(undo: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      undo();
    },
  };
}

export class DisposableStore implements Disposable {
  private readonly held = new Set<Disposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Number of things held (tests, leak checks). */
  get size(): number {
    return this.held.size;
  }

  /**
   * Holds `thing` until dispose(). Added after dispose(), it is disposed at once: whatever
   * was started late is not left running.
   */
  add<T extends Disposable>(thing: T): T {
    if (this.disposed) thing.dispose();
    else this.held.add(thing);
    return thing;
  }

  /**
   * Disposes of everything held, newest first, and of anything added later. One that throws
   * does not keep the others from being disposed; the first error is thrown afterwards.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const things = [...this.held].reverse();
    this.held.clear();
    let failure: { error: unknown } | null = null;
    for (const thing of things) {
      try {
        thing.dispose();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}

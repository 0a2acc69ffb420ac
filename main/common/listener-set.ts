/**
 * Who wants to hear of something. `add` returns the function that removes the listener
 * again; a listener that throws never keeps the others from hearing (its failure is its own),
 * and one that unsubscribes while hearing does not disturb the round.
 */
export class ListenerSet<T> {
  private readonly listeners = new Set<(value: T) => void>();

  get size(): number {
    return this.listeners.size;
  }

  add(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch {
        // Its own failure: the emitter and the other listeners go on.
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

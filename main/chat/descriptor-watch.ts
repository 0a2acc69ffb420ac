/**
 * When descriptors run out, libuv accepts and closes the waiting connections itself (so the
 * loop neither spins nor crashes) and tells nobody. To tell the operator, we watch how close
 * the open descriptors are to the limit; Linux only (reads /proc), silent elsewhere.
 */
import fs from 'node:fs';

/** Below `limit - DESCRIPTOR_MARGIN` open descriptors nothing is read from /proc at all. */
const DESCRIPTOR_MARGIN = 32;

export class DescriptorWatch {
  private warned = false;

  private constructor(
    readonly limit: number,
    private baseline: number,
  ) {}

  /** Null where the limits cannot be read (not Linux). */
  static forThisProcess(): DescriptorWatch | null {
    try {
      const limits = fs.readFileSync('/proc/self/limits', 'utf8');
      const match = /^Max open files\s+(\d+)/m.exec(limits);
      if (!match) return null;
      return new DescriptorWatch(Number(match[1]), DescriptorWatch.openNow());
    } catch {
      return null;
    }
  }

  private static openNow(): number {
    return fs.readdirSync('/proc/self/fd').length;
  }

  /** After an accept; true once per episode when the process has reached its limit. */
  taken(connections: number): boolean {
    if (this.warned || this.baseline + connections < this.limit - DESCRIPTOR_MARGIN) return false;
    const open = DescriptorWatch.openNow(); // exact count, only near the limit
    this.baseline = open - connections;
    // libuv keeps one descriptor in reserve for its accept-and-close trick.
    if (open < this.limit - 2) return false;
    this.warned = true;
    return true;
  }

  released(connections: number): void {
    if (this.warned && this.baseline + connections < this.limit - DESCRIPTOR_MARGIN) this.warned = false;
  }
}

/**
 * Limits per source address: how many connections one may have open at once, and how often
 * it may join (a TokenBucket: `joinsPerMinute` at once, then that many a minute), so one
 * machine can neither take the room's descriptors nor churn `(connected)`/`(disconnected)`
 * pairs through everyone's screen. A connection over a limit is turned away before it hears
 * or says anything and is never announced: the notices never lie about who was in the room.
 *
 * An IPv6 source is its /64 (one machine can pick any address in its /64), except
 * link-local addresses, which all share fe80::/64 and are counted one by one.
 */
import net from 'node:net';
import { TokenBucket } from '../common/token-bucket';

export type AddressRefusal = 'address-limit' | 'join-rate';

interface AddressRecord {
  open: number;
  /** Joins it may still make; null when joins are not limited. */
  joins: TokenBucket | null;
}

/** Entries of addresses with nothing open are swept once the map has this many. */
const SWEEP_ABOVE = 4096;

/** The group an address is limited as: the IPv4 address, or an IPv6 /64 (`2001:db8:1:2::/64`). */
export function sourceKey(address: string): string {
  const plain = address.replace(/%.*$/, '');
  const lower = plain.toLowerCase();
  if (lower.startsWith('::ffff:') && net.isIPv4(plain.slice(7))) return plain.slice(7);
  if (!net.isIPv6(plain) || /^fe[89ab]/.test(lower) || lower === '::1') return lower;
  const halves = lower.split('::');
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(':') : [];
  // An embedded IPv4 tail (64:ff9b::1.2.3.4) stands for two groups.
  const groups = tail.at(-1)?.includes('.') || head.at(-1)?.includes('.') ? 7 : 8;
  const full = halves.length > 1 ? [...head, ...Array<string>(Math.max(0, groups - head.length - tail.length)).fill('0'), ...tail] : head;
  return `${full.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** A source on the host itself (127/8, ::1), as `sourceKey` names it. */
export function isLoopbackSource(key: string): boolean {
  return key.startsWith('127.') || key === '::1';
}

export class AddressLimits {
  private readonly records = new Map<string, AddressRecord>();

  /** 0 means no limit, for either. */
  constructor(
    private readonly maxPerAddress: number,
    private readonly joinsPerMinute: number,
  ) {}

  /** A connection from `key` wants in: null when it may (it is then counted), else why not. */
  admit(key: string, now: number): AddressRefusal | null {
    if (this.maxPerAddress === 0 && this.joinsPerMinute === 0) return null;
    let record = this.records.get(key);
    if (!record) {
      if (this.records.size >= SWEEP_ABOVE) this.sweep(now);
      record = { open: 0, joins: this.joinsPerMinute > 0 ? new TokenBucket(this.joinsPerMinute / 60, this.joinsPerMinute, now) : null };
      this.records.set(key, record);
    }
    if (this.maxPerAddress > 0 && record.open >= this.maxPerAddress) return 'address-limit';
    if (record.joins !== null && !record.joins.take(now)) return 'join-rate';
    record.open++;
    return null;
  }

  /** A connection counted by `admit` closed. */
  release(key: string): void {
    const record = this.records.get(key);
    if (record && record.open > 0) record.open--;
  }

  /** Connections open from `key` (for tests and logs). */
  openFrom(key: string): number {
    return this.records.get(key)?.open ?? 0;
  }

  // Forget addresses with nothing open whose bucket has refilled: they are as good as new.
  private sweep(now: number): void {
    for (const [key, record] of this.records) {
      if (record.open === 0 && (record.joins === null || record.joins.full(now))) this.records.delete(key);
    }
  }
}

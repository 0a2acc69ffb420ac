/**
 * A log-linear latency histogram (HDR-style): 32 sub-buckets per power of two, so any
 * recorded value is known to within ~3%. Values are nanoseconds, clamped to 2^32-1
 * (4.29 s) so the bucket index comes from Math.clz32 without floating point.
 * Counts live in a plain number array so worker processes can ship them as JSON.
 */

const SUB_BITS = 5;
const SUB_COUNT = 1 << SUB_BITS; // 32
export const HISTOGRAM_BUCKETS = (32 - SUB_BITS + 1) * SUB_COUNT; // 896

const MAX_VALUE = 0xffffffff;

export function bucketOf(valueNs: number): number {
  if (valueNs < SUB_COUNT) return valueNs < 0 ? 0 : valueNs | 0;
  const v = valueNs > MAX_VALUE ? MAX_VALUE : valueNs >>> 0;
  const exponent = 31 - Math.clz32(v); // >= SUB_BITS here
  return (exponent - SUB_BITS + 1) * SUB_COUNT + ((v >>> (exponent - SUB_BITS)) & (SUB_COUNT - 1));
}

/** Largest value that falls into a bucket (reporting the upper edge keeps percentiles honest). */
export function bucketUpperNs(bucket: number): number {
  if (bucket < SUB_COUNT) return bucket;
  const exponent = (bucket >> SUB_BITS) + SUB_BITS - 1;
  const mantissa = bucket & (SUB_COUNT - 1);
  const step = 2 ** (exponent - SUB_BITS);
  return (SUB_COUNT + mantissa + 1) * step - 1;
}

export function newCounts(): number[] {
  return new Array<number>(HISTOGRAM_BUCKETS).fill(0);
}

export function mergeCounts(into: number[], from: readonly number[]): void {
  for (let i = 0; i < HISTOGRAM_BUCKETS; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
}

export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** Percentiles in milliseconds; `maxNs` is the exact maximum tracked next to the buckets. */
export function summarize(counts: readonly number[], maxNs: number): LatencySummary {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return { count: 0, p50Ms: null, p90Ms: null, p99Ms: null, maxMs: null };
  const at = (q: number): number => {
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i] ?? 0;
      if (seen >= rank) return Math.min(bucketUpperNs(i), maxNs) / 1e6;
    }
    return maxNs / 1e6;
  };
  return { count: total, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), maxMs: maxNs / 1e6 };
}

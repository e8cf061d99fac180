// The latency histogram every request rollup keeps. The bounds are fixed: rollups written
// with other bounds could not be added up, so changing them needs a migration of the
// stored rows (and of the CHECK on request_rollups.buckets).
//
// A rollup's `buckets` holds LATENCY_BUCKETS_MS.length + 1 counts, NOT cumulative:
//   buckets[0] counts requests with            duration <= 1 ms
//   buckets[i] counts requests with bound[i-1] < duration <= bound[i]
//   buckets[N] counts requests with bound[N-1] < duration           (+Inf)
// Comparisons are exact, in integer nanoseconds. "Requests at most T ms" is exact only for a
// T that is one of the bounds (Prometheus `le` semantics): see countAtMost.

export const LATENCY_BUCKETS_MS = [
  1, 2.5, 5, 10, 25, 50, 100, 200, 250, 300, 500, 750, 1000, 2000, 2500, 5000, 10000, 30000, 60000,
] as const;

export const BUCKET_COUNT = LATENCY_BUCKETS_MS.length + 1;

const BOUNDS_NS = LATENCY_BUCKETS_MS.map((ms) => BigInt(Math.round(ms * 1000)) * 1000n);

/** Index of the bucket a duration in nanoseconds falls in. */
export function bucketIndex(durationNs: bigint): number {
  let lo = 0;
  let hi = BOUNDS_NS.length;
  // first bound >= duration
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (BOUNDS_NS[mid]! >= durationNs) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function emptyBuckets(): number[] {
  return new Array<number>(BUCKET_COUNT).fill(0);
}

export class NotABucketBoundError extends Error {
  readonly statusCode = 400;
}

/**
 * Requests with duration <= `thresholdMs`, from non-cumulative bucket counts. Exact, so the
 * threshold must be one of LATENCY_BUCKETS_MS; any other value throws rather than guess.
 */
export function countAtMost(buckets: readonly number[], thresholdMs: number): number {
  const i = LATENCY_BUCKETS_MS.indexOf(thresholdMs as (typeof LATENCY_BUCKETS_MS)[number]);
  if (i < 0) {
    throw new NotABucketBoundError(`latency threshold ${thresholdMs} ms is not a bucket bound: use one of ${LATENCY_BUCKETS_MS.join(', ')} ms`);
  }
  let n = 0;
  for (let k = 0; k <= i; k++) n += buckets[k] ?? 0;
  return n;
}

/** Cumulative `le` counts (Prometheus histogram style), the last one being +Inf (= total). */
export function cumulative(buckets: readonly number[]): { le: number; count: number }[] {
  let n = 0;
  return buckets.map((c, i) => {
    n += c;
    return { le: i < LATENCY_BUCKETS_MS.length ? LATENCY_BUCKETS_MS[i]! : Infinity, count: n };
  });
}

/**
 * The q-quantile estimated from bucket counts (linear inside the bucket, as Prometheus's
 * histogram_quantile does). For display only: SLOs use countAtMost, which is exact.
 * With `maxMs`, the slowest request seen, the top of the bucket holding it is that request
 * rather than the bucket bound: a route whose slowest request took 11.8 s never shows a p99
 * of 29 s interpolated towards the 30 s bound (nor in +Inf, beyond the last bound).
 */
export function quantileMs(buckets: readonly number[], q: number, maxMs?: number | null): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const c = buckets[i] ?? 0;
    if (seen + c >= rank && c > 0) {
      const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1]!;
      const seenMax = maxMs ?? null;
      if (i === LATENCY_BUCKETS_MS.length) return seenMax !== null && seenMax > lower ? seenMax : lower;
      const bound = LATENCY_BUCKETS_MS[i]!;
      const upper = seenMax !== null && seenMax >= lower && seenMax < bound ? seenMax : bound;
      const v = lower + (upper - lower) * ((rank - seen) / c);
      return seenMax !== null ? Math.min(v, seenMax) : v;
    }
    seen += c;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!;
}

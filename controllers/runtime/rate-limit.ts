// A token bucket per controller: at most `burst` actions at once, refilled at `perMinute`.
// Pure: the runtime keeps the state and passes the clock.

export interface BucketConfig {
  perMinute: number;
  burst: number;
}

export interface Bucket {
  tokens: number;
  at: number;
}

export const DEFAULT_RATE: BucketConfig = { perMinute: 60, burst: 20 };

export function fullBucket(cfg: BucketConfig, nowMs: number): Bucket {
  return { tokens: cfg.burst, at: nowMs };
}

export function refill(b: Bucket, cfg: BucketConfig, nowMs: number): Bucket {
  const elapsed = Math.max(0, nowMs - b.at);
  return { tokens: Math.min(cfg.burst, b.tokens + (elapsed * cfg.perMinute) / 60_000), at: nowMs };
}

/** Takes one token if there is one: the new bucket and whether the action may go. */
export function take(b: Bucket, cfg: BucketConfig, nowMs: number): { bucket: Bucket; allowed: boolean } {
  const r = refill(b, cfg, nowMs);
  if (r.tokens >= 1) return { bucket: { tokens: r.tokens - 1, at: nowMs }, allowed: true };
  return { bucket: r, allowed: false };
}

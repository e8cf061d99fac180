// Per-app rate limit for /collect, with Grafana Alloy's faro.receiver defaults: 50 requests
// a second, bursts of 100, the bucket full at first. A bounded map: the least recently
// created buckets go first when it is full.
import { TokenBucket } from 'limiter';

export const FARO_RATE = 50;
export const FARO_BURST = 100;
const MAX_BUCKETS = 10_000;

export class AppRateLimit {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly rate: number;
  private readonly burst: number;

  constructor(rate = FARO_RATE, burst = FARO_BURST) {
    this.rate = rate;
    this.burst = burst;
  }

  /** Takes a token for `key`; undefined when allowed, else seconds to wait before retrying. */
  take(key: string): number | undefined {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = new TokenBucket({ bucketSize: this.burst, tokensPerInterval: this.rate, interval: 'second' });
      bucket.content = this.burst;
      this.buckets.set(key, bucket);
    }
    if (bucket.tryRemoveTokens(1)) return undefined;
    return Math.max(1, Math.ceil(bucket.getWaitTime(1) / 1000));
  }
}

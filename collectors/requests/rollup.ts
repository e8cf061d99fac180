// Spans → per tenant, service, route and minute request rollups. Pure: the store adds the
// result to what is already there, so rolling up each newly stored span once is exact.
import { BUCKET_COUNT, bucketIndex } from './buckets.ts';

/** What a rollup needs of a span: a server span with its route (others are not requests). */
export interface RequestSpan {
  tenantId: string | null;
  service: string;
  route: string;
  startUnixNano: bigint;
  durationNs: bigint;
  isError: boolean;
}

export interface RequestRollup {
  tenantId: string | null;
  service: string;
  route: string;
  /** the minute the requests started in, as an ISO string */
  minute: string;
  requests: number;
  errors: number;
  durationSumNs: bigint;
  /** the slowest request of the group */
  maxDurationNs: bigint;
  buckets: number[];
}

const NS_PER_MINUTE = 60_000_000_000n;

export function minuteOf(unixNano: bigint): string {
  return new Date(Number((unixNano / NS_PER_MINUTE) * 60_000n)).toISOString();
}

export function rollUp(spans: Iterable<RequestSpan>): RequestRollup[] {
  const groups = new Map<string, RequestRollup>();
  for (const s of spans) {
    const minute = minuteOf(s.startUnixNano);
    const key = JSON.stringify([s.tenantId, s.service, s.route, minute]);
    let g = groups.get(key);
    if (!g) {
      g = { tenantId: s.tenantId, service: s.service, route: s.route, minute, requests: 0, errors: 0, durationSumNs: 0n, maxDurationNs: 0n, buckets: new Array<number>(BUCKET_COUNT).fill(0) };
      groups.set(key, g);
    }
    g.requests++;
    if (s.isError) g.errors++;
    g.durationSumNs += s.durationNs;
    if (s.durationNs > g.maxDurationNs) g.maxDurationNs = s.durationNs;
    g.buckets[bucketIndex(s.durationNs)]!++;
  }
  return [...groups.values()];
}

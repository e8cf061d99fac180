// SLI events from a Prometheus server's HTTP API: increase() of the spec's counters over each
// range, evaluated at the range's end.
import type { EventCounts } from '../math/sli.ts';
import type { TimeRange } from '../math/calendar.ts';
import { counters } from '../rules/promql.ts';
import type { SloDefinition } from '../openslo/types.ts';
import { SourceUnavailableError, type SliSource } from './source.ts';

/** Prometheus refuses range queries of more than 11,000 points. */
const MAX_POINTS = 10_000;

interface PromResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
}

export class PrometheusClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  constructor(baseUrl: string, timeoutMs = 10_000) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
  }

  private async call(path: string, params: Record<string, string>): Promise<NonNullable<PromResponse['data']>> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new SourceUnavailableError(`Prometheus at ${this.base} did not answer: ${(err as Error).message}`);
    }
    const body = (await res.json().catch(() => ({ status: 'error', error: `HTTP ${res.status}` }))) as PromResponse;
    if (body.status !== 'success' || !body.data) throw new SourceUnavailableError(`Prometheus refused ${params.query}: ${body.error ?? `HTTP ${res.status}`}`);
    return body.data;
  }

  /** A scalar from an instant query: the single sample, 0 when the result is empty. */
  async scalar(query: string, at: Date): Promise<number> {
    const data = await this.call('/api/v1/query', { query, time: String(at.getTime() / 1000) });
    const v = data.result[0]?.value?.[1];
    return v === undefined || v === 'NaN' ? 0 : Number(v);
  }

  /** The one number an instant query answers; an empty or multi-series result is an error, not 0. */
  async single(query: string, at: Date): Promise<number> {
    const data = await this.call('/api/v1/query', { query, time: String(at.getTime() / 1000) });
    if (data.resultType === 'scalar') return Number((data.result as unknown as [number, string])[1]);
    if (data.result.length !== 1) throw new SourceUnavailableError(`${query} answered ${data.result.length} series; it must answer exactly one`);
    const v = Number(data.result[0]!.value?.[1]);
    if (!Number.isFinite(v)) throw new SourceUnavailableError(`${query} answered ${data.result[0]!.value?.[1]}`);
    return v;
  }

  /** Samples of a single-series range query keyed by their time in ms. */
  async range(query: string, start: Date, end: Date, stepMs: number): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (let t = start.getTime(); t <= end.getTime(); t += MAX_POINTS * stepMs) {
      const chunkEnd = Math.min(end.getTime(), t + (MAX_POINTS - 1) * stepMs);
      const data = await this.call('/api/v1/query_range', { query, start: String(t / 1000), end: String(chunkEnd / 1000), step: `${stepMs / 1000}s` });
      for (const [ts, v] of data.result[0]?.values ?? []) out.set(Math.round(ts * 1000), v === 'NaN' ? 0 : Number(v));
    }
    return out;
  }
}

const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))}s`;
const inc = (selector: string, ms: number) => `sum(increase(${selector}[${seconds(ms)}]))`;

export class PrometheusSource implements SliSource {
  private readonly client: PrometheusClient;
  constructor(client: PrometheusClient) {
    this.client = client;
  }

  async counts(slo: SloDefinition, ranges: readonly TimeRange[]): Promise<EventCounts[]> {
    const c = counters(slo.indicator);
    return Promise.all(ranges.map(async (r) => {
      const ms = r.to.getTime() - r.from.getTime();
      const [total, other] = await Promise.all([
        this.client.scalar(inc(c.total, ms), r.to),
        this.client.scalar(inc(c.bad ?? c.good!, ms), r.to),
      ]);
      return { total, bad: c.bad ? other : Math.max(0, total - other) };
    }));
  }

  async slices(slo: SloDefinition, range: TimeRange, sliceMs: number): Promise<EventCounts[]> {
    const c = counters(slo.indicator);
    const first = new Date(range.from.getTime() + sliceMs);
    const [total, other] = await Promise.all([
      this.client.range(inc(c.total, sliceMs), first, range.to, sliceMs),
      this.client.range(inc(c.bad ?? c.good!, sliceMs), first, range.to, sliceMs),
    ]);
    const out: EventCounts[] = [];
    for (let t = first.getTime(); t <= range.to.getTime(); t += sliceMs) {
      const tot = total.get(t) ?? 0;
      const o = other.get(t) ?? 0;
      out.push({ total: tot, bad: c.bad ? o : Math.max(0, tot - o) });
    }
    return out;
  }
}

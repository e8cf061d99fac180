// SLI events from Pilothouse's own PostgreSQL: the telemetry request rollups
// (request_rollups), workspace transition timestamps (workspace_transitions) and usage
// events (usage_events). Each dataset is a row source with a time column and per-row good
// and total amounts; windows are summed with FILTER so one query answers every range.
import type { Queryable } from '../../db/pool.ts';
// The rollups' fixed bucket bounds: a threshold must be one of them to be counted exactly.
import { LATENCY_BUCKETS_MS } from '../../collectors/requests/buckets.ts';
import type { EventCounts } from '../math/sli.ts';
import type { TimeRange } from '../math/calendar.ts';
import type { Indicator, PgQuery, SloDefinition } from '../openslo/types.ts';
import { InvalidSliError } from './errors.ts';
import { RequestRings, type RingRow } from './request-rings.ts';
import { periodAt } from '../math/calendar.ts';
import { alertWindows } from '../evaluate/measure.ts';
import type { SliSource } from './source.ts';

interface RowSource {
  /** a FROM item (table or subquery) aliased `r` */
  from: string;
  /** time column of `r` */
  time: string;
  /** per-row amount of events */
  total: string;
  /** per-row amount of good events (threshold datasets); adds its parameters only when used */
  good?: (params: Params) => string;
  where: string[];
}

type Params = unknown[];
const param = (params: Params, v: unknown) => `$${params.push(v)}`;
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/**
 * Startups (tenancy's workspace_startups view): each start that ended in running (good if
 * fast enough) or error (bad), and those still under way, bad once the threshold has passed
 * and counted from that moment. Starts abandoned by a pause or an archive do not count.
 */
const STARTUPS = `(
  SELECT s.workspace_id, s.ended_at AS at, s.outcome = 'running' AS ok, s.seconds
    FROM workspace_startups s WHERE s.outcome IN ('running', 'error')
  UNION ALL
  SELECT s.workspace_id, s.requested_at + make_interval(secs => $THRESHOLD), false, NULL
    FROM workspace_startups s
   WHERE s.outcome IS NULL AND s.requested_at + make_interval(secs => $THRESHOLD) <= now()
) r JOIN workspaces ws ON ws.id = r.workspace_id`;

const OPS = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

function rowSource(q: PgQuery, ind: Indicator, params: Params): RowSource {
  const f = q.filters;
  const where: string[] = [];
  switch (q.dataset) {
    case 'requests': {
      if (f.service) where.push(`r.service = ANY(${param(params, list(f.service))})`);
      if (f.route) where.push(`r.route = ANY(${param(params, list(f.route))})`);
      // Routes are span names such as "GET /healthz": a path excludes it whatever the method.
      if (f.excludeRoute) {
        const ex = param(params, list(f.excludeRoute));
        where.push(`NOT (r.route = ANY(${ex}) OR regexp_replace(r.route, '^[A-Z]+ ', '') = ANY(${ex}))`);
      }
      const total = f.outcome === 'error' ? 'r.errors' : f.outcome === 'success' ? 'r.requests - r.errors' : 'r.requests';
      if (ind.kind === 'ratio') return { from: 'request_rollups r', time: 'r.minute', total, where };
      const ms = ind.value * 1000;
      const i = LATENCY_BUCKETS_MS.indexOf(ms as (typeof LATENCY_BUCKETS_MS)[number]);
      if (i < 0) throw new InvalidSliError(`latency threshold ${ind.value} s is not a bucket bound of the request rollups: use one of ${LATENCY_BUCKETS_MS.map((b) => b / 1000).join(', ')} s`);
      if (ind.op === 'lt' || ind.op === 'gt') throw new InvalidSliError(`request rollups count durations at or below a bound: use op ${ind.op === 'lt' ? 'lte' : 'gte'}`);
      const atMost = `(SELECT coalesce(sum(b), 0) FROM unnest(r.buckets[1:${i + 1}]) b)`;
      return { from: 'request_rollups r', time: 'r.minute', total: 'r.requests', good: () => (ind.op === 'lte' ? atMost : `r.requests - ${atMost}`), where };
    }
    case 'workspace_startup': {
      if (ind.kind !== 'threshold') throw new InvalidSliError('workspace_startup is a thresholdMetric dataset');
      if (f.region) where.push(`ws.region = ANY(${param(params, list(f.region))})`);
      if (f.nodePool) where.push(`ws.node_pool = ANY(${param(params, list(f.nodePool))})`);
      const threshold = param(params, ind.value);
      return {
        from: STARTUPS.replaceAll('$THRESHOLD', `${threshold}::float8`), time: 'r.at', total: '1',
        good: () => `(r.ok AND r.seconds ${OPS[ind.op]} ${threshold}::float8)::int`, where,
      };
    }
    case 'usage_ingestion': {
      if (ind.kind !== 'threshold') throw new InvalidSliError('usage_ingestion is a thresholdMetric dataset');
      if (f.meter) where.push(`r.meter = ANY(${param(params, list(f.meter))})`);
      return { from: 'usage_events r', time: 'r.received_at', total: '1', good: (p) => `(extract(epoch FROM r.received_at - r.time) ${OPS[ind.op]} ${param(p, ind.value)}::float8)::int`, where };
    }
    case 'usage': {
      for (const [k, v] of Object.entries(f)) {
        if (k === 'meter') where.push(`r.meter = ANY(${param(params, list(v))})`);
        else where.push(`r.dimensions ->> ${param(params, k)} = ANY(${param(params, list(v))})`);
      }
      // Cancelled events no longer count (corrections are new rows, so they simply add up).
      return { from: 'counted_usage_events r', time: 'r.time', total: 'r.quantity', where };
    }
    default:
      throw new InvalidSliError(`unknown dataset ${q.dataset}`);
  }
}

function usesRequestsOnly(ind: Indicator): boolean {
  const qs = ind.kind === 'threshold' ? [ind.metric] : [ind.good, ind.bad, ind.total];
  return qs.every((q) => q === undefined || (q.type === 'PostgreSQL' && q.dataset === 'requests'));
}

interface Bound {
  src: RowSource;
  params: Params;
}

/** The (good or bad, total) row sources of an indicator, each with its own parameters. */
function sources(ind: Indicator): { bad?: Bound; good?: Bound; total: Bound } {
  const bind = (q: PgQuery, pick: (s: RowSource, p: Params) => RowSource = (s) => s): Bound => {
    const params: Params = [];
    return { src: pick(rowSource(q, ind, params), params), params };
  };
  if (ind.kind === 'threshold') {
    const q = ind.metric as PgQuery;
    return { good: bind(q, (s, p) => ({ ...s, total: s.good!(p) })), total: bind(q) };
  }
  return {
    bad: ind.bad ? bind(ind.bad as PgQuery) : undefined,
    good: ind.good ? bind(ind.good as PgQuery) : undefined,
    total: bind(ind.total as PgQuery),
  };
}

/** The request-rollup rows a `requests` query keeps, and the amount each row adds, for RequestRings. */
function ringReader(q: PgQuery, ind: Indicator, amount: 'total' | 'good'): { keep: (r: RingRow) => boolean; amount: (r: RingRow) => number; services?: Set<string> } {
  rowSource(q, ind, []); // the same checks as a direct query (bucket bounds, operators)
  const f = q.filters;
  const services = f.service ? new Set(list(f.service)) : undefined;
  const routes = f.route ? new Set(list(f.route)) : undefined;
  const excluded = f.excludeRoute ? new Set(list(f.excludeRoute)) : undefined;
  const keep = (r: RingRow) => (!services || services.has(r.service)) && (!routes || routes.has(r.route))
    && (!excluded || !(excluded.has(r.route) || excluded.has(r.route.replace(/^[A-Z]+ /, ''))));
  const base = (r: RingRow) => (f.outcome === 'error' ? r.errors : f.outcome === 'success' ? r.requests - r.errors : r.requests);
  if (amount === 'total' || ind.kind !== 'threshold') return { keep, amount: base, services };
  const i = LATENCY_BUCKETS_MS.indexOf((ind.value * 1000) as (typeof LATENCY_BUCKETS_MS)[number]);
  return { keep, amount: ind.op === 'lte' ? (r) => r.atMost[i]! : (r) => r.requests - r.atMost[i]!, services };
}

export class PostgresSource implements SliSource {
  private readonly db: Queryable;
  private rings?: RequestRings;
  constructor(db: Queryable) {
    this.db = db;
  }

  /**
   * Before a pass: one scan of the request rollups answers every Occurrences SLO on the
   * `requests` dataset whose ranges end at `now` (see RequestRings).
   */
  async prepare(slos: readonly SloDefinition[], now: Date): Promise<void> {
    const starts: number[] = [];
    for (const slo of slos) {
      if (slo.sourceType !== 'PostgreSQL' || slo.budgeting.method !== 'Occurrences' || !usesRequestsOnly(slo.indicator)) continue;
      starts.push(periodAt(slo.period, now).from.getTime(), ...alertWindows(slo).map((w) => now.getTime() - w));
    }
    this.rings = starts.length ? await RequestRings.load(this.db, starts, now.getTime()) : undefined;
  }

  private fromRings(slo: SloDefinition, ranges: readonly TimeRange[]): EventCounts[] | undefined {
    const rings = this.rings;
    if (!rings || !usesRequestsOnly(slo.indicator) || !ranges.every((r) => rings.covers(r.from.getTime(), r.to.getTime()))) return undefined;
    const ind = slo.indicator;
    const pick = ind.kind === 'threshold'
      ? { total: ringReader(ind.metric as PgQuery, ind, 'total'), other: ringReader(ind.metric as PgQuery, ind, 'good'), bad: false }
      : { total: ringReader(ind.total as PgQuery, ind, 'total'), other: ringReader((ind.bad ?? ind.good) as PgQuery, ind, 'total'), bad: !!ind.bad };
    return ranges.map((r) => {
      const total = rings.sum(r.from.getTime(), pick.total.keep, pick.total.amount, pick.total.services);
      const other = rings.sum(r.from.getTime(), pick.other.keep, pick.other.amount, pick.other.services);
      return { total, bad: pick.bad ? other : Math.max(0, total - other) };
    });
  }

  private async sums({ src, params }: Bound, ranges: readonly TimeRange[]): Promise<number[]> {
    const p = [...params];
    const lo = param(p, new Date(Math.min(...ranges.map((r) => r.from.getTime()))));
    const hi = param(p, new Date(Math.max(...ranges.map((r) => r.to.getTime()))));
    const cols = ranges.map((r) => `coalesce(sum((${src.total})::float8) FILTER (WHERE ${src.time} >= ${param(p, r.from)} AND ${src.time} < ${param(p, r.to)}), 0) AS "${p.length}"`);
    const where = [...src.where, `${src.time} >= ${lo}`, `${src.time} < ${hi}`];
    const { rows } = await this.db.query(`SELECT ${cols.join(', ')} FROM ${src.from} WHERE ${where.join(' AND ')}`, p);
    return Object.values(rows[0] as Record<string, number>).map(Number);
  }

  async counts(slo: SloDefinition, ranges: readonly TimeRange[]): Promise<EventCounts[]> {
    if (ranges.length === 0) return [];
    const ringed = this.fromRings(slo, ranges);
    if (ringed) return ringed;
    const s = sources(slo.indicator);
    const [total, other] = await Promise.all([this.sums(s.total, ranges), this.sums((s.bad ?? s.good)!, ranges)]);
    return ranges.map((_, i) => ({ total: total[i]!, bad: s.bad ? other[i]! : Math.max(0, total[i]! - other[i]!) }));
  }

  private async bins({ src, params }: Bound, range: TimeRange, sliceMs: number): Promise<Map<number, number>> {
    const p = [...params];
    const origin = param(p, range.from);
    const sql = `SELECT date_bin(${param(p, `${sliceMs / 1000} seconds`)}::interval, ${src.time}, ${origin}) AS slice, sum((${src.total})::float8) AS n
      FROM ${src.from} WHERE ${[...src.where, `${src.time} >= ${origin}`, `${src.time} < ${param(p, range.to)}`].join(' AND ')} GROUP BY 1`;
    const { rows } = await this.db.query<{ slice: Date; n: number }>(sql, p);
    return new Map(rows.map((r) => [r.slice.getTime(), Number(r.n)]));
  }

  async slices(slo: SloDefinition, range: TimeRange, sliceMs: number): Promise<EventCounts[]> {
    const s = sources(slo.indicator);
    const [total, other] = await Promise.all([this.bins(s.total, range, sliceMs), this.bins((s.bad ?? s.good)!, range, sliceMs)]);
    const out: EventCounts[] = [];
    for (let t = range.from.getTime(); t < range.to.getTime(); t += sliceMs) {
      const tot = total.get(t) ?? 0;
      const o = other.get(t) ?? 0;
      out.push({ total: tot, bad: s.bad ? o : Math.max(0, tot - o) });
    }
    return out;
  }
}

/** One bad event of a PostgreSQL SLI, or one minute of a route's bad requests: what burned the budget. */
export interface BadEvent {
  at: Date;
  dataset: string;
  tenantId: string | null;
  /** workspace_startup: the workspace that started slowly or failed */
  workspaceId: string | null;
  workspaceName: string | null;
  /** requests: the service and route of the bad requests */
  service: string | null;
  route: string | null;
  /** how many bad events this row stands for (requests: in that minute) */
  count: number;
  /** seconds: a startup's duration or an event's ingestion delay; null when it never finished */
  seconds: number | null;
  /** usage_ingestion: the meter */
  meter: string | null;
  /** workspace_startup: too slow, failed, or still starting past the threshold */
  outcome: 'slow' | 'failed' | 'stuck' | null;
}

/**
 * The bad events of an indicator in a range, worst first (most recent first for single
 * events): the startups over the threshold, the route minutes with errors or slow requests,
 * the usage events ingested late. Empty for datasets that have no event of their own (usage
 * ratios), and for ratio indicators given only as good/total.
 */
export async function badEvents(db: Queryable, slo: SloDefinition, range: TimeRange, limit: number): Promise<BadEvent[]> {
  const ind = slo.indicator;
  const q = (ind.kind === 'threshold' ? ind.metric : ind.bad) as PgQuery | undefined;
  if (q?.type !== 'PostgreSQL') return [];
  const params: Params = [];
  const src = rowSource(q, ind, params);
  const good = src.good?.(params);
  const bad = good ? `((${src.total})::float8 - (${good})::float8)` : `(${src.total})::float8`;
  const where = [...src.where, `${src.time} >= ${param(params, range.from)}`, `${src.time} < ${param(params, range.to)}`, `${bad} > 0`];
  const lim = param(params, limit);
  const base = { tenantId: null, workspaceId: null, workspaceName: null, service: null, route: null, seconds: null, meter: null, outcome: null };
  switch (q.dataset) {
    case 'workspace_startup': {
      const { rows } = await db.query(`SELECT r.at, ws.tenant_id, r.workspace_id, ws.name, r.seconds, r.ok FROM ${src.from} WHERE ${where.join(' AND ')} ORDER BY r.at DESC LIMIT ${lim}`, params);
      return rows.map((r) => ({
        ...base, at: r.at, dataset: q.dataset, tenantId: r.tenant_id, workspaceId: r.workspace_id, workspaceName: r.name, count: 1,
        seconds: r.seconds === null ? null : Number(r.seconds), outcome: r.ok ? 'slow' : r.seconds === null ? 'stuck' : 'failed',
      }));
    }
    case 'requests': {
      const { rows } = await db.query(`SELECT r.minute AS at, r.tenant_id, r.service, r.route, ${bad} AS n FROM ${src.from} WHERE ${where.join(' AND ')} ORDER BY n DESC, r.minute DESC LIMIT ${lim}`, params);
      return rows.map((r) => ({ ...base, at: r.at, dataset: q.dataset, tenantId: r.tenant_id, service: r.service, route: r.route, count: Number(r.n) }));
    }
    case 'usage_ingestion': {
      const { rows } = await db.query(`SELECT r.received_at AS at, r.tenant_id, r.meter, extract(epoch FROM r.received_at - r.time)::float8 AS delay FROM ${src.from} WHERE ${where.join(' AND ')} ORDER BY delay DESC LIMIT ${lim}`, params);
      return rows.map((r) => ({ ...base, at: r.at, dataset: q.dataset, tenantId: r.tenant_id, meter: r.meter, count: 1, seconds: Number(r.delay) }));
    }
    default:
      return [];
  }
}

// One scan of the request rollups for a whole evaluation pass. Every Occurrences SLO reads
// ranges that end at the same instant (now): its period so far and its alert windows. The
// starts of all those ranges cut the time before now into disjoint rings; one query sums
// requests, errors and each latency bucket per (service, route, ring), and each SLO's
// counts are then added up from the rings its ranges cover, for the services and routes
// its filters select. A thousand SLOs cost one scan instead of two thousand, and hours
// older than a few hours are read from hourly sums (slo_request_hours) kept for this.
import type { Queryable } from '../../db/pool.ts';
import { BUCKET_COUNT } from '../../collectors/requests/buckets.ts';

export interface RingRow {
  service: string;
  route: string;
  /** index into the ring starts (ring i is [starts[i], starts[i-1]) with starts[-1] = end) */
  ring: number;
  requests: number;
  errors: number;
  /** per-bucket counts (not cumulative), BUCKET_COUNT of them */
  buckets: number[];
  /** atMost[i]: requests in buckets 0..i (at most the i-th bound) */
  atMost: number[];
}

const HOUR = 3_600_000;
/** Rollups of spans that arrive late land in recent minutes; hours this old are final. */
export const FINAL_AFTER_MS = 3 * HOUR;
/** The UTC hour of a timestamptz, whatever the session's time zone. */
const HOUR_OF = (col: string) => `date_bin('1 hour', ${col}, timestamptz '1970-01-01 00:00:00+00')`;

/**
 * Sums the hours in [from, to) not summed yet, once each: the marker rows decide which
 * replica sums an hour when two evaluate at once.
 */
async function fillHours(db: Queryable, from: Date, to: Date): Promise<void> {
  const sums = Array.from({ length: BUCKET_COUNT }, (_, i) => `sum(buckets[${i + 1}])::float8`).join(', ');
  await db.query(
    `WITH todo AS (
       INSERT INTO slo_request_hours_filled (hour)
       SELECT h FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 hour', interval '1 hour') h
       ON CONFLICT DO NOTHING RETURNING hour
     )
     INSERT INTO slo_request_hours (service, route, hour, requests, errors, buckets)
     SELECT service, route, ${HOUR_OF('minute')}, sum(requests)::float8, sum(errors)::float8, ARRAY[${sums}]
       FROM request_rollups
      WHERE minute >= $1 AND minute < $2 AND ${HOUR_OF('minute')} IN (SELECT hour FROM todo)
      GROUP BY 1, 2, 3
     ON CONFLICT DO NOTHING`,
    [from, to]);
}

export class RequestRings {
  /** ring starts, newest first (descending times) */
  readonly starts: number[];
  readonly end: number;
  readonly rows: RingRow[];
  private readonly byService = new Map<string, RingRow[]>();
  constructor(starts: number[], end: number, rows: RingRow[]) {
    this.starts = starts;
    this.end = end;
    this.rows = rows;
    for (const r of rows) {
      const list = this.byService.get(r.service);
      if (list) list.push(r);
      else this.byService.set(r.service, [r]);
    }
  }

  static async load(db: Queryable, starts: readonly number[], end: number): Promise<RequestRings> {
    const desc = [...new Set(starts)].filter((s) => s < end).sort((a, b) => b - a);
    if (desc.length === 0) return new RequestRings([], end, []);
    const lo = desc.at(-1)!;
    // Whole hours older than FINAL_AFTER_MS, and not cut by a ring start, come from the
    // hourly sums; the rest (the first and last hours, hours holding a start) from minutes.
    const hourFrom = Math.ceil(lo / HOUR) * HOUR;
    const hourTo = Math.max(hourFrom, Math.floor((end - FINAL_AFTER_MS) / HOUR) * HOUR);
    const cut = [...new Set(desc.filter((s) => s % HOUR !== 0).map((s) => Math.floor(s / HOUR) * HOUR))].map((h) => new Date(h));
    if (hourTo > hourFrom) await fillHours(db, new Date(hourFrom), new Date(hourTo));
    const sums = (col: string) => Array.from({ length: BUCKET_COUNT }, (_, i) => `sum(${col}[${i + 1}])::float8`).join(', ');
    // The ring of a row: how many starts lie after its time (0 for the newest ring);
    // width_bucket over the starts in ascending order counts those at or before it.
    const { rows } = await db.query<{ service: string; route: string; ring: number; requests: number; errors: number; b: number[] }>(
      `SELECT service, route, $4::int - width_bucket(t, $1::timestamptz[]) AS ring,
              sum(requests)::float8 AS requests, sum(errors)::float8 AS errors, ARRAY[${sums('b')}] AS b
         FROM (SELECT service, route, hour AS t, requests, errors, buckets AS b FROM slo_request_hours
                WHERE hour >= $5 AND hour < $6 AND hour <> ALL($7::timestamptz[])
               UNION ALL
               -- minutes before the first whole hour and after the last final one
               SELECT service, route, minute, requests, errors, buckets::float8[] FROM request_rollups
                WHERE (minute >= $2 AND minute < $5) OR (minute >= $6 AND minute < $3)
               UNION ALL
               -- minutes of the hours a ring start cuts (each an index range of its own)
               SELECT r.service, r.route, r.minute, r.requests, r.errors, r.buckets::float8[]
                 FROM unnest($7::timestamptz[]) h JOIN request_rollups r ON r.minute >= h AND r.minute < h + interval '1 hour'
                WHERE h >= $5 AND h < $6) x
        GROUP BY 1, 2, 3`,
      [[...desc].reverse().map((s) => new Date(s)), new Date(lo), new Date(end), desc.length, new Date(hourFrom), new Date(hourTo), cut]);
    return new RequestRings(desc, end, rows.map((r) => {
      const buckets = r.b.map(Number);
      let run = 0;
      return { service: r.service, route: r.route, ring: r.ring, requests: Number(r.requests), errors: Number(r.errors), buckets, atMost: buckets.map((b) => (run += b)) };
    }));
  }

  /** Whether a range [from, to) can be answered: it ends at `end` and starts at a ring start. */
  covers(from: number, to: number): boolean {
    return to === this.end && this.starts.includes(from);
  }

  /** Sum of `amount` over rows matching `keep` in rings newer than `from` (only `services`' rows when given). */
  sum(from: number, keep: (row: RingRow) => boolean, amount: (row: RingRow) => number, services?: ReadonlySet<string>): number {
    const last = this.starts.indexOf(from);
    let total = 0;
    const lists = services ? [...services].map((s) => this.byService.get(s) ?? []) : [this.rows];
    for (const list of lists) for (const row of list) if (row.ring <= last && keep(row)) total += amount(row);
    return total;
  }
}

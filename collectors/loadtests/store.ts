// Imported load-test runs: stored with their scenario and judged figures, listed newest first.
import type { Queryable } from '../../db/pool.ts';
import type { ParsedRun } from './summary.ts';

export interface StoredRun extends ParsedRun {
  id: string;
  scenario: string;
  createdAt: Date;
  createdBy: string;
}

const COLUMNS = `id, scenario, format, profile, target, revision, p50_ms, p95_ms, p99_ms, error_rate, throughput, requests,
  duration_s, checks, thresholds, passed, created_by, created_at`;

function toRun(r: Record<string, any>): StoredRun {
  return {
    id: r.id, scenario: r.scenario, format: r.format, profile: r.profile, target: r.target, revision: r.revision,
    p50Ms: r.p50_ms, p95Ms: r.p95_ms, p99Ms: r.p99_ms, errorRate: r.error_rate, throughput: r.throughput, requests: Number(r.requests),
    durationS: r.duration_s, checks: r.checks, thresholds: r.thresholds, passed: r.passed, createdBy: r.created_by, createdAt: r.created_at,
  };
}

export async function storeRun(db: Queryable, scenario: string, run: ParsedRun, summary: unknown, createdBy: string): Promise<StoredRun> {
  const { rows } = await db.query(
    `INSERT INTO loadtest_runs (scenario, format, profile, target, revision, p50_ms, p95_ms, p99_ms, error_rate, throughput, requests,
       duration_s, checks, thresholds, passed, summary, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING ${COLUMNS}`,
    [scenario, run.format, run.profile, run.target, run.revision, run.p50Ms, run.p95Ms, run.p99Ms, run.errorRate, run.throughput, run.requests,
      run.durationS, run.checks === null ? null : JSON.stringify(run.checks), JSON.stringify(run.thresholds), run.passed, JSON.stringify(summary), createdBy],
  );
  return toRun(rows[0]);
}

export async function listRuns(db: Queryable, opts: { scenario?: string; limit: number }): Promise<StoredRun[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM loadtest_runs WHERE ($1::text IS NULL OR scenario = $1) ORDER BY created_at DESC, id DESC LIMIT $2`,
    [opts.scenario ?? null, opts.limit],
  );
  return rows.map(toRun);
}

/** Scenarios with runs, and how many each. */
export async function listScenarios(db: Queryable): Promise<{ scenario: string; runs: number; latest: Date }[]> {
  const { rows } = await db.query(`SELECT scenario, count(*)::int AS runs, max(created_at) AS latest FROM loadtest_runs GROUP BY scenario ORDER BY scenario`);
  return rows;
}

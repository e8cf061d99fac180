// Per-workload usage each minute, from the same metrics.k8s.io read as the fleet cost
// (fleet-collector.ts aggregates it): the history rightsizing learns from. A workload is a
// workspace or a Deployment; usage and requests are per pod. A rerun of a minute replaces it.
import type { Queryable } from '../../db/pool.ts';
/** how long samples are kept: the VPA's histograms look at about a week (half-life 24 h) */
export const SAMPLE_RETENTION_DAYS = 8;

export interface WorkloadMinute {
  namespace: string;
  workload: string;
  kind: 'workspace' | 'deployment';
  tenantId: string | null;
  cpuUsage: number;
  memoryUsage: number;
  cpuRequest: number;
  memoryRequest: number;
  pods: number;
}

export async function storeWorkloadSamples(db: Queryable, minute: Date, rows: readonly WorkloadMinute[]): Promise<number> {
  const m = new Date(Math.floor(minute.getTime() / 60_000) * 60_000);
  if (rows.length) {
    await db.query(
      `INSERT INTO workload_usage_samples (sample_minute, namespace, workload, kind, tenant_id, cpu_usage, memory_usage, cpu_request, memory_request, pods)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::uuid[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::int[])
       ON CONFLICT (namespace, workload, sample_minute) DO UPDATE SET cpu_usage = excluded.cpu_usage, memory_usage = excluded.memory_usage,
         cpu_request = excluded.cpu_request, memory_request = excluded.memory_request, pods = excluded.pods`,
      [m, rows.map((r) => r.namespace), rows.map((r) => r.workload), rows.map((r) => r.kind), rows.map((r) => r.tenantId),
        rows.map((r) => r.cpuUsage), rows.map((r) => r.memoryUsage), rows.map((r) => r.cpuRequest), rows.map((r) => r.memoryRequest), rows.map((r) => r.pods)],
    );
  }
  await db.query(`DELETE FROM workload_usage_samples WHERE sample_minute < $1::timestamptz - make_interval(days => $2)`, [m, SAMPLE_RETENTION_DAYS]);
  return rows.length;
}

export interface StoredSample {
  namespace: string;
  workload: string;
  kind: 'workspace' | 'deployment';
  tenantId: string | null;
  at: number;
  cpu: number;
  memory: number;
  cpuRequest: number;
  memoryRequest: number;
  pods: number;
}

/** The samples of the retention window, for every workload or one tenant's. */
export async function readWorkloadSamples(db: Queryable, now: Date, tenantId?: string): Promise<StoredSample[]> {
  const { rows } = await db.query(
    `SELECT namespace, workload, kind, tenant_id, sample_minute, cpu_usage, memory_usage, cpu_request, memory_request, pods
       FROM workload_usage_samples
      WHERE sample_minute > $1::timestamptz - make_interval(days => $2) AND sample_minute <= $1 AND ($3::uuid IS NULL OR tenant_id = $3)
      ORDER BY namespace, workload, sample_minute`,
    [now, SAMPLE_RETENTION_DAYS, tenantId ?? null],
  );
  return rows.map((r) => ({
    namespace: r.namespace, workload: r.workload, kind: r.kind, tenantId: r.tenant_id, at: r.sample_minute.getTime(),
    cpu: r.cpu_usage, memory: r.memory_usage, cpuRequest: r.cpu_request, memoryRequest: r.memory_request, pods: r.pods,
  }));
}

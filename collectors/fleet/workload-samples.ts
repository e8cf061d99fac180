// Per-workload usage each minute, from the same metrics.k8s.io read as the fleet cost: the
// history rightsizing learns from. A workload is a workspace or a Deployment; its usage and
// requests are the mean per running pod that has metrics. A rerun of a minute replaces it.
import type { Queryable } from '../../db/pool.ts';
import type { FleetSnapshot } from '../cost/fleet-collector.ts';
import { tenantOfNamespace } from '../cost/fleet-collector.ts';

const GB = 1024 ** 3;
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

export function workloadMinutes(snap: FleetSnapshot): WorkloadMinute[] {
  const by = new Map<string, WorkloadMinute>();
  for (const p of snap.pods) {
    if (!p.workload || !p.hasMetrics) continue;
    const k = `${p.namespace}/${p.workload.kind}/${p.workload.name}`;
    const w = by.get(k) ?? { namespace: p.namespace, workload: p.workload.name, kind: p.workload.kind, tenantId: tenantOfNamespace(p.namespace) ?? null, cpuUsage: 0, memoryUsage: 0, cpuRequest: 0, memoryRequest: 0, pods: 0 };
    w.cpuUsage += p.cpuUsage;
    w.memoryUsage += p.memoryUsageGb * GB;
    w.cpuRequest += p.cpuRequest;
    w.memoryRequest += p.memoryRequestGb * GB;
    w.pods++;
    by.set(k, w);
  }
  return [...by.values()].map((w) => ({ ...w, cpuUsage: w.cpuUsage / w.pods, memoryUsage: w.memoryUsage / w.pods, cpuRequest: w.cpuRequest / w.pods, memoryRequest: w.memoryRequest / w.pods }));
}

export async function storeWorkloadSamples(db: Queryable, minute: Date, snap: FleetSnapshot): Promise<number> {
  const m = new Date(Math.floor(minute.getTime() / 60_000) * 60_000);
  const rows = workloadMinutes(snap);
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

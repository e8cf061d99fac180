// Applying rightsizing, a policy an operator switches on (autoscaling_settings key
// 'rightsizing', {"apply": true}; off by default): the platform's single-container
// Deployments get the recommended requests, never below what their pods use now, when the
// change is worth it (10 % or more). Workspaces are left to their resource factor, the
// headroom placeholders to their base size, and the reactive autoscaler's CPU/memory
// targets alone (changing requests under a utilisation target fights it, as VPA and HPA do).
import type { Queryable } from '../../db/pool.ts';
import { readObject, updateObject } from '../../kube/objects.ts';
import { formatBytes, formatCpu, parseQuantity } from '../../kube/quantity.ts';
import type { Controller, Decision } from '../runtime/types.ts';
import { HEADROOM_NAMESPACE } from '../autoscaler/decide.ts';
import { listTargets } from '../reactive/store.ts';
import { applicableRequests, recommend, type Estimate, type Recommendation, type UsageSample } from './recommend.ts';

export const RIGHTSIZER = 'rightsizer';
export const RIGHTSIZING_KEY = 'rightsizing';
export const MIN_CHANGE = 0.1;

export interface RightsizeCandidate {
  namespace: string;
  name: string;
  container: string;
  current: Estimate;
  recommendation: Recommendation;
  latestUsage: Estimate;
}

export interface RightsizerObservation {
  enabled: boolean;
  candidates: RightsizeCandidate[];
}

export interface RightsizeAction {
  namespace: string;
  name: string;
  container: string;
  cpu: string;
  memory: string;
}

export async function readRightsizingPolicy(db: Queryable): Promise<{ apply: boolean }> {
  const { rows: [r] } = await db.query(`SELECT value FROM autoscaling_settings WHERE key = $1`, [RIGHTSIZING_KEY]);
  return { apply: Boolean(r?.value?.apply) };
}

export async function setRightsizingPolicy(db: Queryable, apply: boolean, actor: string): Promise<void> {
  await db.query(
    `INSERT INTO autoscaling_settings (key, value, updated_by) VALUES ($1, $2, $3)
     ON CONFLICT (key) DO UPDATE SET value = $2, updated_by = $3, updated_at = now()`,
    [RIGHTSIZING_KEY, JSON.stringify({ apply }), actor],
  );
}

const changed = (from: number, to: number) => from <= 0 || Math.abs(to - from) / from >= MIN_CHANGE;

/** Rounded up to what a manifest says: whole millicores, whole MiB. */
export function roundedRequests(e: Estimate): { cpu: string; memory: string } {
  return { cpu: formatCpu(Math.ceil(e.cpu * 1000) / 1000), memory: formatBytes(Math.ceil(e.memory / 2 ** 20) * 2 ** 20) };
}

export function decideRightsizing(o: RightsizerObservation): Decision<RightsizeAction>[] {
  if (!o.enabled) return [];
  const out: Decision<RightsizeAction>[] = [];
  for (const c of o.candidates) {
    const next = applicableRequests(c.recommendation, c.latestUsage);
    if (!changed(c.current.cpu, next.cpu) && !changed(c.current.memory, next.memory)) continue;
    const r = roundedRequests(next);
    const floor = next.cpu > c.recommendation.target.cpu || next.memory > c.recommendation.target.memory;
    out.push({
      target: { kind: 'Deployment', name: `${c.namespace}/${c.name}` },
      decision: `requests ${c.namespace}/${c.name} cpu ${formatCpu(c.current.cpu)}→${r.cpu}, memory ${formatBytes(c.current.memory)}→${r.memory}`,
      reason: `VPA-style recommendation from ${c.recommendation.samples} sample(s) over ${c.recommendation.historyDays.toFixed(2)} day(s): target p90 + 15 %${floor ? '; raised to what the pods use now' : ''}`,
      inputs: { container: c.container, current: c.current, recommendation: c.recommendation, latestUsage: c.latestUsage, applied: next },
      action: { namespace: c.namespace, name: c.name, container: c.container, ...r },
    });
  }
  return out;
}

export function createRightsizerController(opts: { schedule?: string } = {}): Controller<RightsizerObservation, RightsizeAction> {
  return {
    name: RIGHTSIZER,
    description: 'When switched on (off by default), sets the platform Deployments\' requests to their VPA-style recommendation, never below what the pods use',
    schedule: opts.schedule ?? '0 */15 * * * *',
    needsKube: true,
    rate: { perMinute: 5, burst: 5 },
    async observe(ctx) {
      const policy = await readRightsizingPolicy(ctx.db);
      if (!policy.apply) return { enabled: false, candidates: [] };
      const skip = new Set((await listTargets(ctx.db)).filter((t) => t.spec.metrics.some((m) => m.type === 'Resource')).map((t) => `${t.namespace}/${t.name}`));
      const { rows } = await ctx.db.query(
        `SELECT namespace, workload, sample_minute, cpu_usage, memory_usage, cpu_request, memory_request, pods
           FROM workload_usage_samples
          WHERE kind = 'deployment' AND tenant_id IS NULL AND namespace <> $2 AND sample_minute > $1::timestamptz - interval '8 days' AND sample_minute <= $1
          ORDER BY namespace, workload, sample_minute`,
        [ctx.now, HEADROOM_NAMESPACE],
      );
      const groups = new Map<string, UsageSample[]>();
      for (const r of rows) {
        const k = `${r.namespace}/${r.workload}`;
        if (skip.has(k)) continue;
        groups.set(k, [...(groups.get(k) ?? []), { at: r.sample_minute.getTime(), cpu: r.cpu_usage, memory: r.memory_usage, cpuRequest: r.cpu_request, memoryRequest: r.memory_request, pods: r.pods }]);
      }
      const candidates: RightsizeCandidate[] = [];
      for (const [k, samples] of groups) {
        const [namespace, name] = k.split('/') as [string, string];
        const d = await readObject(ctx.kube!, 'Deployment', namespace, name);
        const containers = d?.spec?.template?.spec?.containers ?? [];
        if (containers.length !== 1) continue;
        const req = containers[0].resources?.requests ?? {};
        const rec = recommend(samples, ctx.now.getTime());
        if (!rec) continue;
        const latest = samples.at(-1)!;
        candidates.push({
          namespace, name, container: containers[0].name, recommendation: rec,
          current: { cpu: parseQuantity(req.cpu ?? '0') ?? 0, memory: parseQuantity(req.memory ?? '0') ?? 0 },
          latestUsage: { cpu: latest.cpu, memory: latest.memory },
        });
      }
      return { enabled: true, candidates };
    },
    decide: decideRightsizing,
    async apply(a, ctx) {
      const res = await updateObject(ctx.kube!, 'Deployment', a.namespace, a.name, ctx.epoch, (d) => {
        const c = d.spec?.template?.spec?.containers?.find((x: { name: string }) => x.name === a.container);
        if (!c) return null;
        if (c.resources?.requests?.cpu === a.cpu && c.resources?.requests?.memory === a.memory) return null;
        c.resources = { ...c.resources, requests: { ...c.resources?.requests, cpu: a.cpu, memory: a.memory } };
        return d;
      });
      if (res.gone) throw new Error(`Deployment ${a.namespace}/${a.name} is gone`);
      return res;
    },
  };
}

// The headroom autoscaler controller: observes recent workspace starts with each tenant's
// quota and use, and the placeholder Deployments; decides with decideAutoscaler; applies by
// creating the namespace and PriorityClass once and scaling each placeholder Deployment
// through the fenced object layer (a 409 re-reads; an older epoch never writes).
import { createObject, listObjects, readObject, updateObject } from '../../kube/objects.ts';
import { startsBetween, startsPerHour } from '../../tenancy/workspace-startup.ts';
import type { Controller } from '../runtime/types.ts';
import { quotaTenantOf, usageOf } from '../../admission/usage.ts';
import {
  DEFAULT_HEADROOM, HEADROOM_NAMESPACE, HEADROOM_PRIORITY_CLASS, decideAutoscaler, headroomName,
  type AutoscalerAction, type AutoscalerObservation, type HeadroomSettings, type PoolName, type Start, type TenantDemand,
} from './decide.ts';
import { HEADROOM_SELECTOR, headroomDeploymentManifest, headroomNamespaceManifest, headroomPriorityClassManifest } from './manifests.ts';
import { NODE_POOL_LABEL, REGION_LABEL } from '../workspaces/manifests.ts';
import type { Queryable } from '../../db/pool.ts';
import { HOUR_MS, hourOf } from './forecast.ts';
import { readWarmPoolKnobs } from './knobs.ts';
import { RESET_DAY_IN_FORCE } from '../../tenancy/tenants.ts';

export const AUTOSCALER = 'headroom-autoscaler';

/** the weeks of start history the forecast reads */
export const HISTORY_WEEKS = 4;

/**
 * Base-unit starts per hour by `region/pool` over the last weeks, and the first hour with
 * any start (hours before it are unknown, not quiet).
 */
export async function startHistory(db: Queryable, now: Date): Promise<Map<string, { counts: Map<number, number>; earliestHour: number }>> {
  const since = new Date(now.getTime() - HISTORY_WEEKS * 7 * 24 * HOUR_MS);
  const rows = await startsPerHour(db, since, now);
  const earliest = rows.reduce((m, r) => Math.min(m, r.hour), hourOf(now.getTime()));
  const out = new Map<string, { counts: Map<number, number>; earliestHour: number }>();
  for (const r of rows) {
    const k = `${r.region}/${r.nodePool}`;
    const e = out.get(k) ?? { counts: new Map<number, number>(), earliestHour: earliest };
    e.counts.set(r.hour, r.units);
    out.set(k, e);
  }
  return out;
}

export function createAutoscalerController(opts: { schedule?: string; settings?: Partial<HeadroomSettings> } = {}): Controller<AutoscalerObservation, AutoscalerAction> {
  const settings: HeadroomSettings = { ...DEFAULT_HEADROOM, ...opts.settings };
  return {
    name: AUTOSCALER,
    description: settings.policy === 'predictive'
      ? `Keeps warm headroom per region and node pool: low-priority placeholder pods sized from a forecast of starts (hour-of-week baseline × recent trend) so that a start finds the pool empty with P < ${settings.emptyProbability * 100}% over the ${settings.leadTimeMinutes}-min lead time, damped by a ${settings.stabilizationMinutes}-min scale-down window, within the ceilings`
      : `Keeps warm headroom per region and node pool: low-priority placeholder pods sized for the busiest ${settings.leadTimeMinutes}-min window of workspace starts in the last ${settings.lookbackMinutes} min, never planning past a tenant's remaining quota`,
    schedule: opts.schedule ?? '*/30 * * * * *',
    needsKube: true,
    rate: { perMinute: 30, burst: 10 },
    async observe(ctx) {
      const kube = ctx.kube!;
      const since = new Date(ctx.now.getTime() - settings.lookbackMinutes * 60_000);
      const byTenant = new Map<string, Start[]>();
      for (const r of await startsBetween(ctx.db, since, ctx.now)) {
        const list = byTenant.get(r.tenantId) ?? [];
        list.push({ at: r.at, region: r.region, pool: r.nodePool, resourceFactor: r.resourceFactor });
        byTenant.set(r.tenantId, list);
      }
      const { rows: tenants } = await ctx.db.query(`SELECT id, resource_quota, ${RESET_DAY_IN_FORCE} AS budget_reset_day FROM tenants WHERE id = ANY($1::uuid[])`, [[...byTenant.keys()]]);
      const views = tenants.map(quotaTenantOf);
      const [usage, deployments, namespace, priorityClass] = await Promise.all([
        usageOf(ctx.db, views, ctx.now),
        listObjects(kube, 'Deployment', HEADROOM_SELECTOR),
        readObject(kube, 'Namespace', '', HEADROOM_NAMESPACE),
        readObject(kube, 'PriorityClass', '', HEADROOM_PRIORITY_CLASS),
      ]);
      const knobs = await readWarmPoolKnobs(ctx.db);
      const history = (knobs.policy ?? settings.policy) === 'predictive' ? await startHistory(ctx.db, ctx.now) : undefined;
      const demand: TenantDemand[] = views.map((v) => ({
        tenantId: v.id, starts: byTenant.get(v.id) ?? [], quota: v.quota,
        used: usage.get(v.id)!,
      }));
      const pools = deployments
        .filter((d) => d.metadata?.namespace === HEADROOM_NAMESPACE)
        .map((d) => ({ region: d.metadata!.labels![REGION_LABEL]!, pool: d.metadata!.labels![NODE_POOL_LABEL] as PoolName, replicas: d.spec?.replicas ?? 0 }))
        .filter((p) => p.region && (p.pool === 'on-demand' || p.pool === 'spot'));
      return { now: ctx.now, settings, tenants: demand, pools, history, knobs, namespaceReady: Boolean(namespace), priorityClassReady: Boolean(priorityClass) };
    },
    decide: decideAutoscaler,
    async apply(a, ctx) {
      const kube = ctx.kube!;
      switch (a.kind) {
        case 'namespace': return createObject(kube, 'Namespace', headroomNamespaceManifest(), ctx.epoch);
        case 'priority-class': return createObject(kube, 'PriorityClass', headroomPriorityClassManifest(), ctx.epoch);
        case 'scale': {
          const name = headroomName(a.region, a.pool);
          const updated = await updateObject(kube, 'Deployment', HEADROOM_NAMESPACE, name, ctx.epoch, (d) => {
            if (d.spec?.replicas === a.to) return null;
            d.spec = { ...d.spec, replicas: a.to };
            return d;
          });
          if (!updated.gone) return { ...updated, replicas: a.to };
          return { ...(await createObject(kube, 'Deployment', headroomDeploymentManifest(a.region, a.pool, a.to), ctx.epoch)), replicas: a.to };
        }
      }
    },
  };
}

// The headroom autoscaler controller: observes recent workspace starts with each tenant's
// quota and use, and the placeholder Deployments; decides with decideAutoscaler; applies by
// creating the namespace and PriorityClass once and scaling each placeholder Deployment
// through the fenced object layer (a 409 re-reads; an older epoch never writes).
import { createObject, listObjects, readObject, updateObject } from '../../kube/objects.ts';
import { startsBetween } from '../../tenancy/workspace-startup.ts';
import type { Controller } from '../runtime/types.ts';
import { quotaTenantOf, usageOf } from '../../admission/usage.ts';
import {
  DEFAULT_HEADROOM, HEADROOM_NAMESPACE, HEADROOM_PRIORITY_CLASS, decideAutoscaler, headroomName,
  type AutoscalerAction, type AutoscalerObservation, type HeadroomSettings, type PoolName, type Start, type TenantDemand,
} from './decide.ts';
import { HEADROOM_SELECTOR, headroomDeploymentManifest, headroomNamespaceManifest, headroomPriorityClassManifest } from './manifests.ts';
import { NODE_POOL_LABEL, REGION_LABEL } from '../workspaces/manifests.ts';
import { RESET_DAY_IN_FORCE } from '../../tenancy/tenants.ts';

export const AUTOSCALER = 'headroom-autoscaler';

export function createAutoscalerController(opts: { schedule?: string; settings?: Partial<HeadroomSettings> } = {}): Controller<AutoscalerObservation, AutoscalerAction> {
  const settings: HeadroomSettings = { ...DEFAULT_HEADROOM, ...opts.settings };
  return {
    name: AUTOSCALER,
    description: `Keeps warm headroom per region and node pool: low-priority placeholder pods sized for the busiest ${settings.leadTimeMinutes}-min window of workspace starts in the last ${settings.lookbackMinutes} min, never planning past a tenant's remaining quota`,
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
      const demand: TenantDemand[] = views.map((v) => ({
        tenantId: v.id, starts: byTenant.get(v.id) ?? [], quota: v.quota,
        used: usage.get(v.id)!,
      }));
      const pools = deployments
        .filter((d) => d.metadata?.namespace === HEADROOM_NAMESPACE)
        .map((d) => ({ region: d.metadata!.labels![REGION_LABEL]!, pool: d.metadata!.labels![NODE_POOL_LABEL] as PoolName, replicas: d.spec?.replicas ?? 0 }))
        .filter((p) => p.region && (p.pool === 'on-demand' || p.pool === 'spot'));
      return { now: ctx.now, settings, tenants: demand, pools, namespaceReady: Boolean(namespace), priorityClassReady: Boolean(priorityClass) };
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

// The quota enforcer controller: observes every tenant with a quota (use, warnings already
// sent, running workspaces, the namespace's ResourceQuota), decides with decideQuota, and
// applies: a warning row (once, by its primary key), a fenced pause, or the ResourceQuota
// written through the fenced object layer.
import { Counter, type Registry } from 'prom-client';
import { type Amounts, type QuotaResource, GAUGE_RESOURCES, QUOTA_NAME, periodStart } from '../../tenancy/quotas.ts';
import { transitionWorkspace } from '../../tenancy/workspaces.ts';
import type { Kube } from '../../kube/client.ts';
import { MANAGED_BY, MANAGER, createObject, deleteObject, listObjects, updateObject } from '../../kube/objects.ts';
import { TENANT_LABEL, namespaceFor } from '../workspaces/manifests.ts';
import type { Controller } from '../runtime/types.ts';
import { type QuotaAction, type QuotaObservation, type RunningWorkspace, type TenantQuotaView, decideQuota, warnKey } from './decide.ts';
import { HOLDING_STATES, meterQueries, quotaTenantOf, usageOf } from '../../admission/usage.ts';
import { RESET_DAY_IN_FORCE } from '../../tenancy/tenants.ts';

export const QUOTA_ENFORCER = 'quota-enforcer';

export function createQuotaController(opts: { schedule?: string; registry?: Registry } = {}): Controller<QuotaObservation, QuotaAction> {
  const warnings = new Counter({
    name: 'pilothouse_quota_warnings_total',
    help: 'Quota warnings sent, by resource and threshold (soft|hard:80|100)',
    labelNames: ['resource', 'threshold'] as const,
    registers: opts.registry ? [opts.registry] : [],
  });
  return {
    name: QUOTA_ENFORCER,
    description: 'Warns at 80 % and 100 % of each tenant quota, pauses the newest running workspaces past a hard limit, and keeps each tenant namespace\'s ResourceQuota in step',
    schedule: opts.schedule ?? '*/10 * * * * *',
    rate: { perMinute: 120, burst: 50 },
    async observe(ctx) {
      const { rows: tenants } = await ctx.db.query(
        `SELECT id, resource_quota, ${RESET_DAY_IN_FORCE} AS budget_reset_day FROM tenants
          WHERE resource_quota ? 'hard' OR resource_quota ? 'soft'`,
      );
      const ids = tenants.map((t) => t.id as string);
      const views = tenants.map(quotaTenantOf);
      const today = periodStart(ctx.now, 'day').toISOString();
      const queries = views.flatMap((v) => meterQueries(v.id, v.quota, v.resetDay, ctx.now));
      const [usage, warned, running, quotas] = await Promise.all([
        usageOf(ctx.db, views, ctx.now),
        ctx.db.query(
          `SELECT tenant_id, resource, period_start, threshold FROM quota_warnings
            WHERE tenant_id = ANY($1::uuid[]) AND period_start >= $2::timestamptz - interval '62 days'`,
          [ids, ctx.now],
        ),
        ctx.db.query(
          `SELECT id, tenant_id, state, version, resource_factor, coalesce(starting_at, pending_at) AS since
             FROM workspaces WHERE tenant_id = ANY($1::uuid[]) AND state = ANY($2::text[])`,
          [ids, HOLDING_STATES],
        ),
        ctx.kube ? listObjects(ctx.kube, 'ResourceQuota', `${MANAGED_BY}=${MANAGER}`) : Promise.resolve(undefined),
      ]);
      const namespaces = ctx.kube ? new Set((await listObjects(ctx.kube, 'Namespace', '')).map((n) => n.metadata?.name)) : undefined;
      const warnedBy = new Map<string, Set<string>>();
      for (const w of warned.rows) {
        const set = warnedBy.get(w.tenant_id) ?? new Set<string>();
        set.add(warnKey(w.resource, w.period_start.toISOString(), w.threshold));
        warnedBy.set(w.tenant_id, set);
      }
      const runningBy = new Map<string, RunningWorkspace[]>();
      for (const r of running.rows) {
        const list = runningBy.get(r.tenant_id) ?? [];
        list.push({ id: r.id, state: r.state, version: r.version, resourceFactor: r.resource_factor, since: r.since });
        runningBy.set(r.tenant_id, list);
      }
      const rqBy = new Map<string, Record<string, string>>();
      for (const q of quotas ?? []) {
        if (q.metadata?.name === QUOTA_NAME && q.metadata.namespace) rqBy.set(q.metadata.namespace, q.spec?.hard ?? {});
      }
      const out: TenantQuotaView[] = views.map((v) => {
        const periods: Partial<Record<QuotaResource, string>> = Object.fromEntries(GAUGE_RESOURCES.map((r) => [r, today]));
        for (const q of queries) if (q.tenantId === v.id) periods[q.resource] = q.from.toISOString();
        const used: Amounts = usage.get(v.id)!;
        const ns = namespaceFor(v.id);
        return {
          tenantId: v.id, quota: v.quota, used, periods,
          warned: warnedBy.get(v.id) ?? new Set(),
          running: runningBy.get(v.id) ?? [],
          resourceQuota: namespaces?.has(ns) ? rqBy.get(ns) ?? null : undefined,
        };
      });
      return { now: ctx.now, tenants: out };
    },
    decide: decideQuota,
    async apply(a, ctx) {
      switch (a.type) {
        case 'warn': {
          const inserted = await ctx.fenced(async (client) => (await client.query(
            `INSERT INTO quota_warnings (tenant_id, resource, period_start, threshold, used, quota)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
            [a.tenantId, a.resource, a.periodStart, a.threshold, a.used, a.quota],
          )).rowCount === 1);
          if (inserted) warnings.inc({ resource: a.resource, threshold: a.threshold });
          return { warned: inserted };
        }
        case 'pause': {
          const ws = await ctx.fenced((client) => transitionWorkspace(client, a.tenantId, a.workspaceId, {
            to: 'paused', reason: a.reason, actor: `controller:${QUOTA_ENFORCER}`, expectedVersion: a.expectedVersion,
          }));
          return { state: ws.state, version: ws.version };
        }
        case 'sync-resource-quota': {
          const kube = ctx.kube as Kube;
          if (!a.hard) return deleteObject(kube, 'ResourceQuota', a.namespace, QUOTA_NAME, ctx.epoch);
          const hard = a.hard;
          const updated = await updateObject(kube, 'ResourceQuota', a.namespace, QUOTA_NAME, ctx.epoch, (rq) => ({ ...rq, spec: { ...rq.spec, hard } }));
          if (!updated.gone) return updated;
          return createObject(kube, 'ResourceQuota', {
            apiVersion: 'v1', kind: 'ResourceQuota',
            metadata: { name: QUOTA_NAME, namespace: a.namespace, labels: { [MANAGED_BY]: MANAGER, [TENANT_LABEL]: a.tenantId } },
            spec: { hard },
          }, ctx.epoch);
        }
      }
    },
  };
}

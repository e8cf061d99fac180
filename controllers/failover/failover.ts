// The regional failover controller: checks each region on its own cadence (30 s, 10 s after
// a failure), keeps the checks as the regions' health history, and switches the routing
// ConfigMap when the active region has failed, when a person asks, or (where allowed) to
// fail back. Each switch is stored with its measured RTO: first failed check → routing switched.
//
// The checks are observations: observe() probes the regions that are due and records the
// results, so the history is there whether or not anything is decided.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Controller } from '../runtime/types.ts';
import { nextCheckAt } from './health.ts';
import { decideFailover, failoverSettings, type FailoverAction, type FailoverObserved, type FailoverSettings } from './decide.ts';
import { DEFAULT_PROBE_TIMEOUT_MS, probe } from './probe.ts';
import { readRouting, ROUTING_CONFIGMAP, ROUTING_NAMESPACE, switchRouting } from './routing.ts';
import { lastSwitchAt, listRegions, openRequests, recentChecks, recordCheck, regionBurnRate, type CheckRow } from './store.ts';

export const REGION_FAILOVER = 'region-failover';
/** the page tier's factor: a region whose SLOs burn this fast is failing whatever its probe says */
export const DEFAULT_BURN_RATE_LIMIT = 14.4;

export interface RegionFailoverOptions {
  schedule?: string;
  settings?: Partial<FailoverSettings>;
  probeTimeoutMs?: number;
  burnRateLimit?: number;
  /** the clock checks and switches are timed by (tests inject one) */
  clock?: () => number;
  routingNamespace?: string;
  registry?: Registry;
}

export function createRegionFailoverController(o: RegionFailoverOptions = {}): Controller<FailoverObserved, FailoverAction> {
  const s = failoverSettings(o.settings);
  const clock = o.clock ?? Date.now;
  const timeoutMs = o.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const burnLimit = o.burnRateLimit ?? DEFAULT_BURN_RATE_LIMIT;
  const namespace = o.routingNamespace ?? ROUTING_NAMESPACE;
  const registers = o.registry ? [o.registry] : [];
  const up = new Gauge({ name: 'pilothouse_region_up', help: '1 while the region\'s last health check passed', labelNames: ['region'] as const, registers });
  const active = new Gauge({ name: 'pilothouse_region_active', help: '1 for the region traffic is routed to', labelNames: ['region'] as const, registers });
  const switches = new Counter({ name: 'pilothouse_region_failovers_total', help: 'Switches of the active region by kind (automatic, manual, failback)', labelNames: ['kind'] as const, registers });
  const rto = new Histogram({ name: 'pilothouse_region_failover_rto_seconds', help: 'Measured RTO of automatic failovers: first failed check to routing switched', buckets: [10, 20, 30, 45, 60, 90, 120, 300], registers });
  return {
    name: REGION_FAILOVER,
    description: `health-checks each region (every ${s.intervalMs / 1000} s, ${s.retryIntervalMs / 1000} s after a failure, HTTP probe and SLO burn rate) and switches the routing ConfigMap ${namespace}/${ROUTING_CONFIGMAP} to the highest-priority healthy standby after ${s.failuresToFailover} failures in a row; failback is manual unless a region allows it`,
    // Every second, so a check is never late by more than a second; most runs only look.
    schedule: o.schedule ?? '* * * * * *',
    needsKube: true,
    rate: { perMinute: 10, burst: 3 },
    async observe(ctx) {
      const now = clock();
      const regions = await listRegions(ctx.db);
      // No regions configured (a single-region install): nothing to check or route.
      if (!regions.length) return { now, regions: [], routed: null, lastSwitchAt: null, requests: [] };
      const checks = await recentChecks(ctx.db);
      await Promise.all(regions.map(async (r) => {
        const history = checks.get(r.name) ?? [];
        if (now < nextCheckAt(history, s)) return;
        const [p, burn] = await Promise.all([probe(r.probeUrl, timeoutMs), regionBurnRate(ctx.db, r.slos, new Date(now))]);
        const burning = burn !== null && burn >= burnLimit;
        const row: CheckRow = {
          region: r.name, at: now, ok: p.ok && !burning, probeOk: p.ok, httpStatus: p.status, latencyMs: p.latencyMs, burnRate: burn,
          error: p.error ?? (burning ? `SLO burn rate ${burn!.toFixed(1)} ≥ ${burnLimit}` : null),
        };
        await recordCheck(ctx.db, row);
        checks.set(r.name, [row, ...history]);
      }));
      for (const r of regions) {
        up.set({ region: r.name }, checks.get(r.name)?.[0]?.ok ? 1 : 0);
        active.set({ region: r.name }, r.active ? 1 : 0);
      }
      return {
        now,
        regions: regions.map((r) => ({ name: r.name, priority: r.priority, active: r.active, autoFailback: r.autoFailback, checks: checks.get(r.name) ?? [] })),
        routed: await readRouting(ctx.kube!, namespace),
        lastSwitchAt: await lastSwitchAt(ctx.db),
        requests: (await openRequests(ctx.db)).map((q) => ({ id: q.id, toRegion: q.toRegion, reason: q.reason, actor: q.actor })),
      };
    },
    decide: (observed) => decideFailover(observed, s),
    async apply(a, ctx) {
      if (a.type === 'refuse-request') {
        await ctx.fenced((c) => c.query(`UPDATE region_failover_requests SET done_at = $2, error = $3 WHERE id = $1 AND done_at IS NULL`, [a.requestId, new Date(clock()), a.error]));
        return { refused: a.requestId, error: a.error };
      }
      const routing = await switchRouting(ctx.kube!, ctx.epoch, { to: a.to, from: a.from, reason: a.reason, at: new Date(clock()) }, namespace);
      const switchedAt = clock();
      const rtoMs = a.firstFailedAt === null ? null : Math.max(0, switchedAt - a.firstFailedAt);
      const steps = [
        { step: 'routing', object: `ConfigMap ${namespace}/${ROUTING_CONFIGMAP}`, activeRegion: a.to, changed: routing.changed, resourceVersion: routing.resourceVersion, at: new Date(switchedAt).toISOString() },
        { step: 'regions', active: a.to, standby: a.from },
      ];
      const failoverId = await ctx.fenced(async (c) => {
        await c.query(`UPDATE regions SET active = false, updated_at = now() WHERE active AND name <> $1`, [a.to]);
        await c.query(`UPDATE regions SET active = true, updated_at = now() WHERE name = $1`, [a.to]);
        if (a.kind === 'initial') return null;
        const { rows } = await c.query(
          `INSERT INTO region_failovers (from_region, to_region, kind, reason, actor, first_failed_at, switched_at, rto_ms, steps, epoch)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
          [a.from, a.to, a.kind, a.reason, a.actor, a.firstFailedAt === null ? null : new Date(a.firstFailedAt), new Date(switchedAt), rtoMs, JSON.stringify(steps), ctx.epoch],
        );
        const id = Number(rows[0].id);
        if (a.requestId !== undefined) await c.query(`UPDATE region_failover_requests SET done_at = $2, failover_id = $3 WHERE id = $1`, [a.requestId, new Date(switchedAt), id]);
        return id;
      });
      if (a.from) active.set({ region: a.from }, 0);
      active.set({ region: a.to }, 1);
      if (a.kind !== 'initial') switches.inc({ kind: a.kind });
      if (rtoMs !== null) rto.observe(rtoMs / 1000);
      return { failoverId, from: a.from, to: a.to, kind: a.kind, rtoMs, steps };
    },
  };
}

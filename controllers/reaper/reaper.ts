// The idle reaper controller: reads running and paused workspaces with their tenant's
// limits, and applies decideReaper's transitions in fenced transactions (the lifecycle
// controller then scales or deletes the objects).
import { transitionWorkspace } from '../../tenancy/workspaces.ts';
import type { Controller } from '../runtime/types.ts';
import { IDLE_PAUSE_CAP_MINUTES, readTunings } from '../runtime/tunings.ts';
import { decideReaper, reaperLimits, type ReaperAction, type ReaperObservation } from './decide.ts';

export const REAPER = 'idle-reaper';

export function createReaperController(opts: { schedule?: string } = {}): Controller<ReaperObservation, ReaperAction> {
  return {
    name: REAPER,
    description: 'Pauses workspaces idle past their tenant\'s idle timeout (default 30 min), stops sessions past the maximum run time (12 h), archives workspaces paused past the retention time (30 days)',
    schedule: opts.schedule ?? '*/15 * * * * *',
    async observe(ctx) {
      const { rows } = await ctx.db.query(
        `SELECT w.id, w.tenant_id, w.state, w.version, w.running_at, w.paused_at, w.last_activity_at, t.config
           FROM workspaces w JOIN tenants t ON t.id = w.tenant_id
          WHERE w.state IN ('running', 'paused')`,
      );
      // The cost guard may cap the idle time fleet-wide (never below a minute).
      const cap = (await readTunings(ctx.db)).get(IDLE_PAUSE_CAP_MINUTES)?.value;
      const capped = (l: ReturnType<typeof reaperLimits>) => (cap !== undefined && cap >= 1 && cap < l.idleMinutes ? { ...l, idleMinutes: cap } : l);
      return {
        now: ctx.now,
        workspaces: rows.map((r) => ({
          id: r.id, tenantId: r.tenant_id, state: r.state, version: r.version, runningAt: r.running_at,
          pausedAt: r.paused_at, lastActivityAt: r.last_activity_at, limits: capped(reaperLimits(r.config)),
        })),
      };
    },
    decide: decideReaper,
    async apply(a, ctx) {
      const ws = await ctx.fenced((client) => transitionWorkspace(client, a.tenantId, a.workspaceId, {
        to: a.to, reason: a.reason, actor: `controller:${REAPER}`, expectedVersion: a.expectedVersion,
      }));
      return { state: ws.state, version: ws.version };
    },
  };
}

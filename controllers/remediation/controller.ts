// The remediation controller: firing alerts × policies → approval requests, actions through
// the action registry, verification after a delay, the breaker. Runs in the controller
// runtime, so only the lease holder acts, every step is a controller_actions row written
// before it is applied (linked to the alert, runbook and policy in its inputs), and dry run
// and fencing come for free.
import type { Controller } from '../runtime/types.ts';
import { firingAlerts, getAlert, type AlertInstance } from '../../slo/alerts/store.ts';
import { decideRemediations, type ObservedAlert, type RemediationAction, type RemediationObserved } from './decide.ts';
import { listPolicies, tripPolicy } from './policy.ts';
import { observedRemediations } from './store.ts';
import type { ActionRegistry, FleetHealth } from './actions/plugin.ts';

export const REMEDIATION = 'remediation';
export const REQUESTER = 'controller:remediation';

export type Notify = (subject: string, text: string, labels: Record<string, string>) => Promise<void>;

export interface RemediationOptions {
  registry: ActionRegistry;
  schedule?: string;
  /** where "it did not work" and "approval needed" go (controllers/notifications) */
  notify?: Notify;
  /** re-evaluate an SLO now (Keptn's re-evaluation) before reading its alert's state */
  recheckSlo?: (slo: string, now: Date) => Promise<void>;
}

const toObserved = (a: AlertInstance): ObservedAlert => ({
  id: a.id, status: a.status, source: a.source, alertname: a.alertname, labels: a.labels, annotations: a.annotations, runbookUrl: a.runbookUrl, slo: a.slo,
});

export function createRemediationController(o: RemediationOptions): Controller<RemediationObserved, RemediationAction> {
  const notify: Notify = o.notify ?? (async () => {});
  let now = new Date();
  return {
    name: REMEDIATION,
    description: 'Acts on firing alerts by policy (scale, restart crash-looping pods, drain, warm pool, failover, pause, webhook, notify): approvals for risky actions, cooldowns, rate and blast-radius limits, maxUnhealthy, a breaker, and verification after acting',
    // Every 2 s; an alert arriving also wakes it at once (server/main.ts).
    schedule: o.schedule ?? '*/2 * * * * *',
    rate: { perMinute: 30, burst: 10 },
    async observe(ctx) {
      now = ctx.now;
      const [firing, policies, remediations] = await Promise.all([firingAlerts(ctx.db), listPolicies(ctx.db), observedRemediations(ctx.db, ctx.now)]);
      const alerts = new Map(firing.map((a) => [a.id, toObserved(a)]));
      for (const r of remediations) {
        if (r.alertId !== null && !alerts.has(r.alertId) && ['verifying', 'approved', 'pending_approval'].includes(r.status)) {
          const a = await getAlert(ctx.db, r.alertId);
          if (a) alerts.set(a.id, toObserved(a));
        }
      }
      const actions = new Map(o.registry.list().map((a) => [a.name, a]));
      const fleet: Record<string, FleetHealth> = {};
      if (ctx.kube && firing.length) {
        for (const a of new Set(policies.filter((p) => p.enabled).map((p) => actions.get(p.action)).filter((a) => a?.fleetHealth))) {
          fleet[a!.kind] ??= await a!.fleetHealth!(ctx.kube);
        }
      }
      return { now: ctx.now, alerts: [...alerts.values()], policies, actions, remediations, fleet };
    },
    decide: decideRemediations,
    async apply(a, ctx) {
      switch (a.type) {
        case 'request': {
          const id = await ctx.fenced(async (c) => (await c.query<{ id: number }>(
            `INSERT INTO remediations (alert_id, policy, action, target, kind, params, risky, status, requested_by, expires_at, runbook_url, epoch)
             VALUES ($1, $2, $3, $4, $5, $6, true, 'pending_approval', $7, $8, $9, $10)
             ON CONFLICT (alert_id, policy) WHERE alert_id IS NOT NULL DO NOTHING RETURNING id::int`,
            [a.alertId, a.policy, a.action, a.target, a.kind, a.params, REQUESTER, a.expiresAt, a.runbookUrl, ctx.epoch])).rows[0]?.id ?? null);
          if (id !== null) await notify(`[approval needed] ${a.action} ${a.target}`, `Policy ${a.policy} asks to run ${a.action} on ${a.target} for alert #${a.alertId}. Approve it in the console before ${a.expiresAt.toISOString()}.`, { policy: a.policy, severity: 'approval' });
          return { remediationId: id, status: 'pending_approval', expiresAt: a.expiresAt };
        }
        case 'act': {
          const plugin = o.registry.get(a.action);
          if (!plugin) throw new Error(`no action named ${a.action}`);
          const alert = a.alertId ? await getAlert(ctx.db, a.alertId) : null;
          const record = async (status: string, result: unknown, error: string | null) => ctx.fenced(async (c) => {
            const verifyAt = status === 'verifying' ? a.verifyAt : null;
            if (a.remediationId !== null) {
              await c.query(`UPDATE remediations SET status = $2, applied_at = $3, verify_at = $4, result = $5, error = $6, epoch = $7, dry_run = $8 WHERE id = $1`,
                [a.remediationId, status, now, verifyAt, JSON.stringify(result ?? null), error, ctx.epoch, a.dryRun]);
              return a.remediationId;
            }
            const r = await c.query<{ id: number }>(
              `INSERT INTO remediations (alert_id, policy, action, target, kind, params, risky, dry_run, status, requested_by, runbook_url, applied_at, verify_at, result, error, epoch)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
               ON CONFLICT (alert_id, policy) WHERE alert_id IS NOT NULL DO NOTHING RETURNING id::int`,
              [a.alertId, a.policy, a.action, a.target, a.kind, a.params, a.risky, a.dryRun, status, REQUESTER, a.runbookUrl, now, verifyAt, JSON.stringify(result ?? null), error, ctx.epoch]);
            return r.rows[0]?.id ?? null;
          });
          let result: unknown;
          try {
            result = await plugin.apply(ctx.kube, a.dryRun, ctx.epoch, a.params, {
              db: ctx.db, fenced: ctx.fenced, now, policy: a.policy, notify,
              alert: alert ? { id: alert.id, alertname: alert.alertname, labels: alert.labels, annotations: alert.annotations } : undefined,
            });
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            if (!(err as { fenced?: boolean }).fenced) {
              await record('failed', null, message).catch(() => {});
              await notify(`[remediation failed] ${a.action} ${a.target}`, `Policy ${a.policy} could not run ${a.action} on ${a.target}: ${message}`, { policy: a.policy, severity: 'page' });
            }
            throw err;
          }
          const id = await record(a.dryRun ? 'dry_run' : 'verifying', result, null);
          return { remediationId: id, result };
        }
        case 'verify': {
          if (a.slo && a.source === 'slo' && o.recheckSlo) await o.recheckSlo(a.slo, now);
          const alert = a.alertId !== null ? await getAlert(ctx.db, a.alertId) : null;
          const worked = !alert || alert.status === 'resolved';
          await ctx.fenced((c) => c.query(`UPDATE remediations SET status = $2, verified_at = $3, error = $4 WHERE id = $1 AND status = 'verifying'`,
            [a.remediationId, worked ? 'succeeded' : 'failed', now, worked ? null : `the alert ${alert!.alertname} still fires after acting`]));
          if (!worked) await notify(`[remediation did not work] ${a.action} ${a.target}`, `Policy ${a.policy} ran ${a.action} on ${a.target}, and alert ${alert!.alertname} (#${alert!.id}) still fires.`, { ...alert!.labels, policy: a.policy });
          return { remediationId: a.remediationId, worked, alertStatus: alert?.status ?? null };
        }
        case 'expire':
          await ctx.fenced((c) => c.query(`UPDATE remediations SET status = 'expired', decided_at = $2 WHERE id = $1 AND status = 'pending_approval'`, [a.remediationId, now]));
          return { remediationId: a.remediationId, status: 'expired' };
        case 'trip':
          await ctx.fenced((c) => tripPolicy(c, a.policy, a.reason));
          await notify(`[breaker tripped] ${a.policy}`, `Remediation policy ${a.policy} stopped after ${a.failures} failed remediations in a row. Re-arm it in the console once the cause is understood.`, { policy: a.policy, severity: 'page' });
          return { policy: a.policy, tripped: true };
      }
    },
  };
}

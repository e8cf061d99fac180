// Alert × policy → what to do, as a pure function of what was observed. The brakes live
// here, in the order an SRE would check them: breaker, fleet health (maxUnhealthy), an
// existing remediation of the same alert, the target's cooldown, the policy's rate and its
// blast radius; then a risky action waits for a human, anything else acts. Acted-on
// remediations are verified once their delay has passed; unanswered approvals expire.
import type { Decision } from '../runtime/types.ts';
import { matchesAll } from '../../slo/alerts/matchers.ts';
import type { CompiledPolicy } from './policy.ts';
import { renderParams } from './template.ts';
import type { FleetHealth } from './actions/plugin.ts';

export type RemediationStatus = 'pending_approval' | 'approved' | 'rejected' | 'expired' | 'verifying' | 'succeeded' | 'failed' | 'dry_run';

export interface ObservedAlert {
  id: number;
  status: 'firing' | 'resolved';
  source: 'alertmanager' | 'slo';
  alertname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runbookUrl: string | null;
  slo: string | null;
}

export interface ObservedRemediation {
  id: number;
  alertId: number | null;
  policy: string;
  action: string;
  target: string;
  kind: string;
  params: Record<string, unknown>;
  status: RemediationStatus;
  dryRun: boolean;
  requestedAt: Date;
  expiresAt: Date | null;
  appliedAt: Date | null;
  verifyAt: Date | null;
  decidedAt: Date | null;
  runbookUrl: string | null;
}

export interface ActionInfo {
  name: string;
  risky: boolean;
  kind: string;
  target(params: unknown): string;
  check(params: unknown): string | null;
}

export interface RemediationObserved {
  now: Date;
  /** firing alerts, and any alert a remediation in flight refers to */
  alerts: ObservedAlert[];
  policies: CompiledPolicy[];
  actions: ReadonlyMap<string, ActionInfo>;
  /** the last day's remediations and every one still open */
  remediations: ObservedRemediation[];
  fleet: Readonly<Record<string, FleetHealth>>;
}

interface Planned {
  alertId: number;
  policy: string;
  action: string;
  target: string;
  kind: string;
  params: Record<string, unknown>;
  risky: boolean;
  runbookUrl: string | null;
  slo: string | null;
}

export type RemediationAction =
  | ({ type: 'request'; expiresAt: Date } & Planned)
  | ({ type: 'act'; remediationId: number | null; dryRun: boolean; verifyAt: Date } & Planned)
  | { type: 'verify'; remediationId: number; alertId: number | null; policy: string; action: string; target: string; slo: string | null; source: ObservedAlert['source'] | null }
  | { type: 'expire'; remediationId: number; policy: string; target: string }
  | { type: 'trip'; policy: string; reason: string; failures: number };

const HOUR = 3_600_000;
const OPEN: readonly RemediationStatus[] = ['pending_approval', 'approved', 'verifying'];

/** Failed remediations in a row, newest first, since the policy was last re-armed. */
export function consecutiveFailures(policy: CompiledPolicy, rs: readonly ObservedRemediation[]): number {
  const finished = rs
    .filter((r) => r.policy === policy.name && (r.status === 'failed' || r.status === 'succeeded'))
    .filter((r) => policy.rearmedAfterId === null || r.id > policy.rearmedAfterId)
    .sort((a, b) => (b.decidedAt ?? b.appliedAt ?? b.requestedAt).getTime() - (a.decidedAt ?? a.appliedAt ?? a.requestedAt).getTime() || b.id - a.id);
  let n = 0;
  for (const r of finished) {
    if (r.status !== 'failed') break;
    n++;
  }
  return n;
}

const pct = (n: number) => Math.round(n * 10) / 10;

export function decideRemediations(o: RemediationObserved): Decision<RemediationAction>[] {
  const out: Decision<RemediationAction>[] = [];
  const now = o.now.getTime();
  const alertById = new Map(o.alerts.map((a) => [a.id, a]));
  const tripped = new Set(o.policies.filter((p) => p.trippedAt).map((p) => p.name));
  const policyBy = new Map(o.policies.map((p) => [p.name, p]));

  // 1. Approvals nobody answered in time.
  for (const r of o.remediations) {
    if (r.status === 'pending_approval' && r.expiresAt && r.expiresAt.getTime() <= now) {
      out.push({
        target: { kind: 'Remediation', name: r.target }, action: { type: 'expire', remediationId: r.id, policy: r.policy, target: r.target },
        decision: `expire approval #${r.id}`, reason: `nobody approved ${r.action} on ${r.target} before ${r.expiresAt.toISOString()}`,
        inputs: { remediationId: r.id, policy: r.policy, alertId: r.alertId },
      });
    }
  }

  // 2. Verification: act, then look again (Keptn's re-evaluation).
  for (const r of o.remediations) {
    if (r.status !== 'verifying' || !r.verifyAt || r.verifyAt.getTime() > now) continue;
    const alert = r.alertId !== null ? alertById.get(r.alertId) : undefined;
    out.push({
      target: { kind: 'Remediation', name: r.target },
      action: { type: 'verify', remediationId: r.id, alertId: r.alertId, policy: r.policy, action: r.action, target: r.target, slo: alert?.slo ?? null, source: alert?.source ?? null },
      decision: `verify #${r.id} ${r.action} ${r.target}`, reason: `the alert ${alert?.alertname ?? `#${r.alertId}`} is re-checked ${Math.round((now - (r.appliedAt?.getTime() ?? now)) / 1000)} s after acting`,
      inputs: { remediationId: r.id, policy: r.policy, alertId: r.alertId, runbook: r.runbookUrl, slo: alert?.slo ?? null },
    });
  }

  // 3. The breaker: repeated failures stop the policy until a human re-arms it.
  for (const p of o.policies) {
    if (tripped.has(p.name)) continue;
    const failures = consecutiveFailures(p, o.remediations);
    if (failures >= p.breakerFailures) {
      tripped.add(p.name);
      out.push({
        target: { kind: 'RemediationPolicy', name: p.name }, action: { type: 'trip', policy: p.name, reason: `${failures} failed remediations in a row`, failures },
        decision: `trip breaker of ${p.name}`, reason: `${failures} failed remediations in a row (limit ${p.breakerFailures}); a human must re-arm it`,
        inputs: { policy: p.name, failures, limit: p.breakerFailures },
      });
    }
  }

  // The brakes' bookkeeping: what already happened in the last hour, plus what this run plans.
  const recent = o.remediations.filter((r) => r.status !== 'rejected' && r.status !== 'expired' && now - (r.appliedAt ?? r.requestedAt).getTime() < HOUR);
  const actionsOf = new Map<string, number>();
  const targetsOf = new Map<string, Set<string>>();
  for (const r of recent) {
    actionsOf.set(r.policy, (actionsOf.get(r.policy) ?? 0) + 1);
    targetsOf.set(r.policy, (targetsOf.get(r.policy) ?? new Set()).add(r.target));
  }
  const busyTargets = new Set(o.remediations.filter((r) => OPEN.includes(r.status)).map((r) => `${r.action}|${r.target}`));
  const lastActed = new Map<string, number>();
  for (const r of o.remediations) {
    if (!r.appliedAt || r.dryRun) continue;
    const k = `${r.action}|${r.target}`;
    lastActed.set(k, Math.max(lastActed.get(k) ?? 0, r.appliedAt.getTime()));
  }
  const taken = new Set(o.remediations.filter((r) => r.alertId !== null).map((r) => `${r.alertId}|${r.policy}`));

  const unhealthyBrake = (p: CompiledPolicy, kind: string): string | null => {
    const f = o.fleet[kind];
    if (!f || f.total === 0) return null;
    const share = (f.unhealthy / f.total) * 100;
    return share > p.maxUnhealthyPercent ? `${f.unhealthy} of ${f.total} ${kind}s unhealthy (${pct(share)} % > ${p.maxUnhealthyPercent} %)` : null;
  };

  // 4. Approved remediations act (the brakes that protect the fleet still hold).
  for (const r of o.remediations) {
    if (r.status !== 'approved') continue;
    const p = policyBy.get(r.policy);
    if (!p?.enabled || tripped.has(p.name)) continue;
    if (unhealthyBrake(p, r.kind)) continue;
    const alert = r.alertId !== null ? alertById.get(r.alertId) : undefined;
    out.push({
      target: { kind: 'Remediation', name: r.target },
      action: {
        type: 'act', remediationId: r.id, alertId: r.alertId ?? 0, policy: p.name, action: r.action, target: r.target, kind: r.kind, params: r.params,
        risky: true, runbookUrl: r.runbookUrl, slo: alert?.slo ?? null, dryRun: p.dryRun, verifyAt: new Date(now + p.verifyAfterSeconds * 1000),
      },
      decision: `${r.action} ${r.target} (approved #${r.id})`, reason: `approved remediation of policy ${p.name}`,
      inputs: { remediationId: r.id, policy: p.name, alertId: r.alertId, runbook: r.runbookUrl, params: r.params },
    });
    lastActed.set(`${r.action}|${r.target}`, now);
  }

  // 5. Firing alerts meet policies.
  for (const alert of o.alerts) {
    if (alert.status !== 'firing') continue;
    for (const p of o.policies) {
      if (!p.enabled || tripped.has(p.name) || !matchesAll(p.matchers, alert.labels)) continue;
      if (taken.has(`${alert.id}|${p.name}`)) continue;
      const action = o.actions.get(p.action);
      if (!action) continue;
      const params = renderParams(p.params, alert);
      if (action.check(params) !== null) continue;
      const target = action.target(params);
      const key = `${action.name}|${target}`;
      if (unhealthyBrake(p, action.kind)) continue;
      if (busyTargets.has(key)) continue;
      const last = lastActed.get(key);
      if (last !== undefined && now - last < p.cooldownSeconds * 1000) continue;
      if ((actionsOf.get(p.name) ?? 0) >= p.maxActionsPerHour) continue;
      const targets = targetsOf.get(p.name) ?? new Set<string>();
      if (!targets.has(target)) {
        if (targets.size >= p.maxTargetsPerHour) continue;
        const f = o.fleet[action.kind];
        if (f && f.total > 0 && targets.size + 1 > Math.max(1, Math.floor((f.total * p.maxTargetsPercent) / 100))) continue;
      }
      const runbookUrl = p.runbook ?? alert.runbookUrl;
      const planned: Planned = { alertId: alert.id, policy: p.name, action: action.name, target, kind: action.kind, params, risky: action.risky || p.requireApproval, runbookUrl, slo: alert.slo };
      const inputs = { alertId: alert.id, alertname: alert.alertname, policy: p.name, runbook: runbookUrl, slo: alert.slo, params };
      if (planned.risky) {
        out.push({
          target: { kind: 'Remediation', name: target }, action: { type: 'request', ...planned, expiresAt: new Date(now + p.approvalTtlSeconds * 1000) },
          decision: `ask approval: ${action.name} ${target}`, reason: `${alert.alertname} matched ${p.name}; ${action.risky ? `${action.name} is risky` : 'the policy requires approval'}`,
          inputs,
        });
      } else {
        out.push({
          target: { kind: 'Remediation', name: target }, action: { type: 'act', remediationId: null, ...planned, dryRun: p.dryRun, verifyAt: new Date(now + p.verifyAfterSeconds * 1000) },
          decision: `${p.dryRun ? '(dry run) ' : ''}${action.name} ${target}`, reason: `${alert.alertname} matched policy ${p.name}`,
          inputs,
        });
        lastActed.set(key, now);
      }
      busyTargets.add(key);
      taken.add(`${alert.id}|${p.name}`);
      actionsOf.set(p.name, (actionsOf.get(p.name) ?? 0) + 1);
      targetsOf.set(p.name, targets.add(target));
    }
  }
  return out;
}

// Regional failover, decided: from the regions' recent checks, the routing object the
// gateway follows, the last switch and people's requests, what (if anything) to switch.
// Pure: the controller observes and applies; tests feed cases.
//
// - The active region failed (N consecutive failed checks): switch to the highest-priority
//   standby that is healthy now; never to one that is not; if none is, stay.
// - A person asked for a region: switch to it if it is healthy, refuse otherwise.
// - Failback to a higher-priority region is manual unless that region allows it; then only
//   after M consecutive good checks and once the hold-down since the last switch has passed.
// - At most one switch per run; the routing object is made to agree with the active region.
import type { Decision } from '../runtime/types.ts';
import { healthOf, streak, type Check, type HealthSettings, type RegionHealth } from './health.ts';

export interface RegionObserved {
  name: string;
  /** 1 is the first choice */
  priority: number;
  active: boolean;
  autoFailback: boolean;
  /** newest first */
  checks: Check[];
}

export interface FailoverRequest {
  id: number;
  toRegion: string;
  reason: string;
  actor: string;
}

export interface FailoverObserved {
  now: number;
  regions: RegionObserved[];
  /** the region the routing ConfigMap sends traffic to; null when there is none */
  routed: string | null;
  lastSwitchAt: number | null;
  requests: FailoverRequest[];
}

export interface FailoverSettings extends HealthSettings {
  /** after a switch, no automatic failback before this */
  holdDownMs: number;
}

export const DEFAULT_FAILOVER: FailoverSettings = {
  intervalMs: 30_000,
  retryIntervalMs: 10_000,
  failuresToFailover: 3,
  successesToFailback: 5,
  holdDownMs: 10 * 60_000,
};

/** Declared bounds of every setting (a value outside is refused at start). */
export const FAILOVER_BOUNDS: Record<keyof FailoverSettings, [number, number]> = {
  intervalMs: [1_000, 300_000],
  retryIntervalMs: [1_000, 300_000],
  failuresToFailover: [2, 20],
  successesToFailback: [1, 100],
  holdDownMs: [0, 24 * 3_600_000],
};

export function failoverSettings(partial: Partial<FailoverSettings> = {}): FailoverSettings {
  const s = { ...DEFAULT_FAILOVER, ...partial };
  for (const [k, [lo, hi]] of Object.entries(FAILOVER_BOUNDS) as [keyof FailoverSettings, [number, number]][]) {
    const v = s[k];
    if (!Number.isFinite(v) || v < lo || v > hi) throw new Error(`failover setting ${k} must be between ${lo} and ${hi}, got ${v}`);
  }
  return s;
}

export type FailoverAction =
  | {
    type: 'switch';
    kind: 'automatic' | 'manual' | 'failback' | 'initial';
    from: string | null;
    to: string;
    reason: string;
    actor: string;
    /** the first failed check of the active region's failure run: where RTO starts */
    firstFailedAt: number | null;
    requestId?: number;
  }
  | { type: 'refuse-request'; requestId: number; error: string };

const byPriority = (a: RegionObserved, b: RegionObserved) => a.priority - b.priority || a.name.localeCompare(b.name);

export function decideFailover(o: FailoverObserved, s: FailoverSettings): Decision<FailoverAction>[] {
  const regions = [...o.regions].sort(byPriority);
  const health = new Map<string, RegionHealth>(regions.map((r) => [r.name, healthOf(r.checks, s)]));
  const active = regions.find((r) => r.active);
  const healthy = (r: RegionObserved) => health.get(r.name) === 'healthy';
  const inputs = (extra: Record<string, unknown> = {}) => ({
    routed: o.routed,
    regions: regions.map((r) => ({ name: r.name, priority: r.priority, active: r.active, health: health.get(r.name), streak: streak(r.checks) })),
    ...extra,
  });
  const decision = (a: FailoverAction, decision: string, reason: string, extra?: Record<string, unknown>): Decision<FailoverAction> => ({
    target: { kind: 'Region', name: a.type === 'switch' ? a.to : String(a.requestId) }, action: a, decision, reason, inputs: inputs(extra),
  });

  // No active region recorded: keep the one the routing already names if it is healthy (a
  // restored database must not move traffic), else the first healthy one by priority.
  if (!active) {
    const routed = regions.find((r) => r.name === o.routed && healthy(r));
    if (routed) {
      return [decision({ type: 'switch', kind: 'initial', from: routed.name, to: routed.name, reason: 'adopted the routing in place', actor: 'region-failover', firstFailedAt: null },
        `adopt ${routed.name} as active`, `no region is recorded as active; the routing ConfigMap already sends traffic to ${routed.name}, which is healthy`)];
    }
    const first = regions.find(healthy) ?? regions[0];
    if (!first) return [];
    return [decision({ type: 'switch', kind: 'initial', from: null, to: first.name, reason: 'no region was active', actor: 'region-failover', firstFailedAt: null },
      `route to ${first.name}`, `no region is active; ${first.name} is the first ${healthy(first) ? 'healthy ' : ''}region by priority`)];
  }

  // 1. The active region has failed: fail over.
  const run = streak(active.checks);
  if (health.get(active.name) === 'failed') {
    const to = regions.find((r) => r !== active && healthy(r));
    if (to) {
      return [decision({
        type: 'switch', kind: 'automatic', from: active.name, to: to.name, actor: 'region-failover', firstFailedAt: run.since,
        reason: `${active.name} failed ${run.length} consecutive checks`,
      }, `fail over ${active.name} → ${to.name}`, `${active.name} failed ${run.length} checks in a row (threshold ${s.failuresToFailover}); ${to.name} is the highest-priority healthy standby`)];
    }
    // Nowhere better to go: stay, and let people's requests be refused below rather than sent to a sick region.
  }

  const out: Decision<FailoverAction>[] = [];
  // 2. People's requests, oldest first: one switch per run, the rest wait or are refused.
  let switched = false;
  for (const req of o.requests) {
    const to = regions.find((r) => r.name === req.toRegion);
    const refuse = (error: string) => out.push(decision({ type: 'refuse-request', requestId: req.id, error }, `refuse failover to ${req.toRegion}`, error, { request: req }));
    if (!to) refuse(`region ${req.toRegion} is not configured`);
    else if (to.active) refuse(`${to.name} is already active`);
    else if (!healthy(to)) refuse(`${to.name} is not healthy (${health.get(to.name)}): failing over to it would move traffic to a region that is down`);
    else if (!switched) {
      switched = true;
      out.push(decision({ type: 'switch', kind: 'manual', from: active.name, to: to.name, reason: req.reason, actor: req.actor, firstFailedAt: null, requestId: req.id },
        `fail over ${active.name} → ${to.name} (asked by ${req.actor})`, `${req.actor}: ${req.reason}`, { request: req }));
    }
  }
  if (switched) return out;

  // 3. Automatic failback to a region preferred over the active one.
  const preferred = regions.find((r) => r.autoFailback && r.priority < active.priority && healthy(r));
  if (preferred) {
    const good = streak(preferred.checks);
    const sinceSwitch = o.lastSwitchAt === null ? Infinity : o.now - o.lastSwitchAt;
    if (good.length >= s.successesToFailback && sinceSwitch >= s.holdDownMs) {
      out.push(decision({ type: 'switch', kind: 'failback', from: active.name, to: preferred.name, reason: `${preferred.name} passed ${good.length} checks in a row`, actor: 'region-failover', firstFailedAt: null },
        `fail back ${active.name} → ${preferred.name}`, `${preferred.name} passed ${good.length} checks in a row (needs ${s.successesToFailback}) and the hold-down of ${Math.round(s.holdDownMs / 1000)} s since the last switch has passed`));
      return out;
    }
  }

  // 4. The routing object disagrees with the active region (lost, or edited by hand): restore it.
  if (o.routed !== active.name) {
    out.push(decision({ type: 'switch', kind: 'initial', from: o.routed, to: active.name, reason: 'the routing object did not name the active region', actor: 'region-failover', firstFailedAt: null },
      `route to ${active.name}`, `the routing ConfigMap names ${o.routed ?? 'no region'}, the active region is ${active.name}`));
  }
  return out;
}

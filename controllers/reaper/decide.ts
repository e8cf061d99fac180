// The idle reaper, decided: pause a running workspace idle for longer than its tenant's
// idle timeout, stop (pause) one that has run past the maximum run time, and archive one
// paused for longer than the retention time. Pending and starting workspaces are never
// reaped: an unschedulable pod is what makes the cluster autoscaler add a node.
import type { Decision } from '../runtime/types.ts';
import { boundedSetting } from '../../tenancy/tenant-config.ts';

export const DEFAULT_IDLE_MINUTES = 30;
export const DEFAULT_MAX_RUN_HOURS = 12;
export const DEFAULT_RETENTION_DAYS = 30;

export interface ReaperLimits {
  idleMinutes: number;
  maxRunHours: number;
  retentionDays: number;
}

export interface ReaperWorkspace {
  id: string;
  tenantId: string;
  state: 'running' | 'paused';
  version: number;
  runningAt: Date | null;
  pausedAt: Date | null;
  lastActivityAt: Date | null;
  limits: ReaperLimits;
}

export interface ReaperObservation {
  now: Date;
  workspaces: ReaperWorkspace[];
}

export interface ReaperAction {
  tenantId: string;
  workspaceId: string;
  from: 'running' | 'paused';
  to: 'paused' | 'archived';
  reason: string;
  expectedVersion: number;
}

/** A tenant's limits from its config (`idleTimeoutMinutes`, `maxRunHours`, `pausedRetentionDays`), with defaults for values missing or out of bounds. */
export function reaperLimits(config: Record<string, unknown> | null | undefined): ReaperLimits {
  return {
    idleMinutes: boundedSetting(config, 'idleTimeoutMinutes') ?? DEFAULT_IDLE_MINUTES,
    maxRunHours: boundedSetting(config, 'maxRunHours') ?? DEFAULT_MAX_RUN_HOURS,
    retentionDays: boundedSetting(config, 'pausedRetentionDays') ?? DEFAULT_RETENTION_DAYS,
  };
}

const minutes = (ms: number) => Math.floor(ms / 60_000);

export function decideReaper(o: ReaperObservation): Decision<ReaperAction>[] {
  const out: Decision<ReaperAction>[] = [];
  const now = o.now.getTime();
  for (const w of o.workspaces) {
    const target = { kind: 'Workspace', name: w.id, tenantId: w.tenantId };
    const inputs = {
      state: w.state, runningAt: w.runningAt?.toISOString() ?? null, pausedAt: w.pausedAt?.toISOString() ?? null,
      lastActivityAt: w.lastActivityAt?.toISOString() ?? null, limits: w.limits, now: o.now.toISOString(),
    };
    const act = (to: 'paused' | 'archived', decision: string, reason: string) =>
      out.push({ target, decision, reason, inputs, action: { tenantId: w.tenantId, workspaceId: w.id, from: w.state, to, reason, expectedVersion: w.version } });

    if (w.state === 'running' && w.runningAt) {
      const ranMs = now - w.runningAt.getTime();
      // Activity before this run started says nothing about this run.
      const lastActive = Math.max(w.runningAt.getTime(), w.lastActivityAt?.getTime() ?? 0);
      const idleMs = now - lastActive;
      if (ranMs > w.limits.maxRunHours * 3_600_000) {
        act('paused', 'stop: max run time', `running for ${minutes(ranMs)} min, past the maximum run time of ${w.limits.maxRunHours} h`);
      } else if (idleMs > w.limits.idleMinutes * 60_000) {
        act('paused', 'pause: idle', `idle for ${minutes(idleMs)} min, past the idle timeout of ${w.limits.idleMinutes} min`);
      }
    } else if (w.state === 'paused' && w.pausedAt) {
      const pausedMs = now - w.pausedAt.getTime();
      if (pausedMs > w.limits.retentionDays * 86_400_000) {
        act('archived', 'archive: retention', `paused for ${Math.floor(pausedMs / 86_400_000)} days, past the retention of ${w.limits.retentionDays} days`);
      }
    }
  }
  return out;
}

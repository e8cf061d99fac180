// A region's health from its recent checks, as Route 53 health checks and k8gb read theirs:
// a check every 30 s, every 10 s while the last one failed (so three failures take about
// 30 s, not 90 s), and a state that only changes after N failures or M successes in a row,
// so a flapping check (fail, pass, fail, pass) never reaches either.
export interface Check {
  at: number;
  /** the probe answered 2xx in time and the region's SLOs are not burning too fast */
  ok: boolean;
}

export interface HealthSettings {
  /** between checks while the region passes */
  intervalMs: number;
  /** between checks once one has failed */
  retryIntervalMs: number;
  /** consecutive failures that make the active region failed (N) */
  failuresToFailover: number;
  /** consecutive good checks before a region may take traffic back (M) */
  successesToFailback: number;
}

export const DEFAULT_HEALTH: HealthSettings = {
  intervalMs: 30_000,
  retryIntervalMs: 10_000,
  failuresToFailover: 3,
  successesToFailback: 5,
};

export interface Streak {
  /** 'fail' or 'pass' run at the head of the history; 'none' without checks */
  kind: 'fail' | 'pass' | 'none';
  length: number;
  /** when the run began: the first failed check of a failure run is where RTO starts */
  since: number | null;
}

/** The run of equal results at the newest end; `checks` newest first. */
export function streak(checks: readonly Check[]): Streak {
  const head = checks[0];
  if (!head) return { kind: 'none', length: 0, since: null };
  let n = 0;
  while (n < checks.length && checks[n]!.ok === head.ok) n++;
  return { kind: head.ok ? 'pass' : 'fail', length: n, since: checks[n - 1]!.at };
}

/** When the next check is due: sooner after a failure. */
export function nextCheckAt(checks: readonly Check[], s: Pick<HealthSettings, 'intervalMs' | 'retryIntervalMs'>): number {
  const last = checks[0];
  if (!last) return -Infinity;
  return last.at + (last.ok ? s.intervalMs : s.retryIntervalMs);
}

export type RegionHealth = 'healthy' | 'failing' | 'failed' | 'unknown';

/**
 * healthy: the last check passed; failing: it failed, but fewer than N in a row; failed: N
 * or more failures in a row; unknown: never checked.
 */
export function healthOf(checks: readonly Check[], s: Pick<HealthSettings, 'failuresToFailover'>): RegionHealth {
  const run = streak(checks);
  if (run.kind === 'none') return 'unknown';
  if (run.kind === 'pass') return 'healthy';
  return run.length >= s.failuresToFailover ? 'failed' : 'failing';
}

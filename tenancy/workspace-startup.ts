// Startup latency from a workspace's transitions: from the request (created → pending, or a
// resume/retry → starting) to the transition into running. The startup SLO reads these.
import type { WorkspaceState } from './workspace-states.ts';

export interface StateChange {
  from: WorkspaceState | null;
  to: WorkspaceState;
  at: Date;
}

export interface Startup {
  requestedAt: Date;
  runningAt: Date;
  seconds: number;
}

/** Every start in a history (ordered by time): each entry into running, timed from its request. */
export function startups(history: readonly StateChange[]): Startup[] {
  const out: Startup[] = [];
  let requestedAt: Date | null = null;
  for (const h of history) {
    if (h.to === 'pending' || (h.to === 'starting' && h.from !== 'pending')) requestedAt = h.at;
    else if (h.to === 'running' && requestedAt) {
      out.push({ requestedAt, runningAt: h.at, seconds: (h.at.getTime() - requestedAt.getTime()) / 1000 });
      requestedAt = null;
    } else if (h.to === 'paused' || h.to === 'error' || h.to === 'archived') requestedAt = null;
  }
  return out;
}

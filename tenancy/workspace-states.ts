// The workspace state machine: pending → starting → running ⇄ paused → archived, plus error;
// archived → pending only when restored from its volume snapshot.

export const WORKSPACE_STATES = ['pending', 'starting', 'running', 'paused', 'archived', 'error'] as const;
export type WorkspaceState = (typeof WORKSPACE_STATES)[number];

const NEXT: Record<WorkspaceState, readonly WorkspaceState[]> = {
  pending: ['starting', 'archived', 'error'],
  starting: ['running', 'paused', 'archived', 'error'],
  running: ['paused', 'archived', 'error'],
  paused: ['starting', 'archived', 'error'],
  error: ['starting', 'paused', 'archived'],
  archived: ['pending'],
};

export function canTransition(from: WorkspaceState, to: WorkspaceState): boolean {
  return NEXT[from].includes(to);
}

export function allowedTransitions(from: WorkspaceState): readonly WorkspaceState[] {
  return NEXT[from];
}

// One status palette: every state, outcome and severity the console shows maps to one tone,
// so "ticket" is the same colour on every page and a zero is never red.
export type Tone = 'good' | 'warn' | 'bad' | 'info' | 'neutral';

const TONES: Record<string, Tone> = {
  // workspaces
  running: 'good', starting: 'info', pending: 'info', paused: 'warn', error: 'bad', archived: 'neutral',
  // controller outcomes
  applied: 'good', failed: 'bad', interrupted: 'bad', dry_run: 'warn', started: 'info',
  // SLO alerts
  page: 'bad', ticket: 'warn', ok: 'good', unknown: 'neutral', 'no data': 'neutral', firing: 'bad', 'not firing': 'good', held: 'warn',
  // fleet
  ready: 'good', 'not ready': 'bad', cordoned: 'warn', spot: 'info', 'on-demand': 'neutral',
  // switches
  active: 'good', 'dry run': 'warn',
  // Kubernetes events
  Normal: 'neutral', Warning: 'bad',
  // months
  open: 'info', closed: 'neutral',
};

export function toneOf(status: string | null | undefined): Tone {
  return (status && TONES[status]) || 'neutral';
}

/** The tone of a count that is bad only when above zero (pods waiting, errors). */
export const badIfAny = (n: number | null | undefined): Tone => (n ? 'bad' : 'good');

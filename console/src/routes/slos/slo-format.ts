// Numbers on the SLO pages: ratios as percentages with enough digits for the objective.
export function pct(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return `${(v * 100).toFixed(digits)}%`;
}

/** Digits that show an objective exactly: 99.9% → 1, 99.99% → 2, 95% → 0 (at least 1). */
export function digitsFor(objective: number): number {
  for (let d = 1; d <= 4; d++) if (Math.abs(Math.round(objective * 100 * 10 ** d) - objective * 100 * 10 ** d) < 1e-6) return d;
  return 4;
}

export function burn(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

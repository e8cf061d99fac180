// SLOs → Prometheus rule groups, as a pure function. Recording rules keep Sloth's names and
// labels (slo:sli_error:ratio_rate<window>, slo:objective:ratio, …) so dashboards built for
// Sloth work unchanged; two departures, both deliberate:
//  - the period error ratio is total bad ÷ total events (sum_over_time of recorded bad and
//    total rates), not Sloth's mean of 5-minute ratios, which over-weights quiet hours;
//  - alerts need more than one bad event in the long window (low-traffic guard), and tiers
//    whose burn rate needs more than 100% errors are left out rather than never firing.
import { promDuration } from '../math/duration.ts';
import { MIN_BAD_EVENTS_TO_ALERT } from '../math/sli.ts';
import { tierReachable, type AlertTier, type Severity } from '../math/tiers.ts';
import type { SloDefinition } from '../openslo/types.ts';
import { badIncreaseExpr, badRateExpr, errorRatioExpr, idLabels, idMatchers, num, promLabelName, sloId, totalRateExpr } from './promql.ts';

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}
export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: (RecordingRule | AlertingRule)[];
}
export interface RuleFile {
  groups: RuleGroup[];
}

export interface GenerateOptions {
  /** prefix for runbook paths such as runbooks/x.md (a URL ending without "/") */
  runbookBaseUrl: string;
  /** evaluation interval of the groups (Prometheus' global default when absent) */
  interval?: string;
}

export interface Generated {
  file: RuleFile;
  /** alert names per SLO and severity, for tests and docs */
  alerts: { slo: string; objective: number; severity: Severity; alert: string; tiers: AlertTier[] }[];
  /** things the reader should know: skipped SLOs, tiers that cannot fire */
  notes: string[];
}

const ALERT_WINDOWS_FIRST = [5, 30, 60, 120, 360, 1440, 4320].map((m) => m * 60_000);
const FIVE_MINUTES = 5 * 60_000;

export function pascal(name: string): string {
  return name.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((p) => p[0]!.toUpperCase() + p.slice(1)).join('');
}

/** The windows an SLO's ratios are recorded over: Sloth's seven plus any its tiers add. */
export function sliWindows(slo: SloDefinition): number[] {
  // Sloth's windows shorter than the period only: the period's own ratio is recorded apart.
  const set = new Set(ALERT_WINDOWS_FIRST.filter((w) => w < slo.period.ms));
  for (const t of slo.tiers) {
    set.add(t.longMs);
    set.add(t.shortMs);
  }
  return [...set].sort((a, b) => a - b);
}

export function runbookUrl(slo: SloDefinition, severity: Severity, base: string): string | undefined {
  if (!slo.runbook) return undefined;
  const url = /^https?:\/\//.test(slo.runbook) ? slo.runbook : `${base.replace(/\/+$/, '')}/${slo.runbook}`;
  return `${url}#${severity}`;
}

function sliRecordings(slo: SloDefinition): RecordingRule[] {
  const ids = idLabels(slo);
  const m = idMatchers(slo);
  const period = promDuration(slo.period.ms);
  const rules: RecordingRule[] = [];
  if (slo.budgeting.method === 'Occurrences') {
    for (const w of sliWindows(slo)) {
      rules.push({ record: `slo:sli_error:ratio_rate${promDuration(w)}`, expr: errorRatioExpr(slo.indicator, w), labels: { ...ids, sloth_window: promDuration(w) } });
    }
    rules.push({ record: 'slo:sli_bad:rate5m', expr: badRateExpr(slo.indicator, FIVE_MINUTES), labels: { ...ids, sloth_window: '5m' } });
    rules.push({ record: 'slo:sli_total:rate5m', expr: totalRateExpr(slo.indicator, FIVE_MINUTES), labels: { ...ids, sloth_window: '5m' } });
    // Every event weighs the same: sums of rates, not a mean of ratios.
    rules.push({
      record: `slo:sli_error:ratio_rate${period}`,
      expr: `sum_over_time(slo:sli_bad:rate5m{${m}}[${period}])\n/ ignoring (sloth_window)\nsum_over_time(slo:sli_total:rate5m{${m}}[${period}])`,
      labels: { ...ids, sloth_window: period },
    });
    for (const t of slo.tiers) {
      const w = promDuration(t.longMs);
      if (rules.some((r) => r.record === `slo:sli_bad_events:increase${w}`)) continue;
      rules.push({ record: `slo:sli_bad_events:increase${w}`, expr: badIncreaseExpr(slo.indicator, t.longMs), labels: { ...ids, sloth_window: w } });
    }
    return rules;
  }
  // Timeslices: a slice is bad when its own error ratio exceeds 1 − timeSliceTarget; the
  // ratio over a window is the share of bad slices (slices without traffic are good).
  const { sliceMs, sliceTarget } = slo.budgeting;
  const slice = promDuration(sliceMs);
  const limit = num(1 - sliceTarget);
  rules.push({ record: 'slo:timeslice_error:ratio', expr: errorRatioExpr(slo.indicator, sliceMs), labels: { ...ids, sloth_window: slice } });
  const badSlices = `(slo:timeslice_error:ratio{${m}} > bool ${limit})`;
  for (const w of [...sliWindows(slo).filter((x) => x >= sliceMs && x !== slo.period.ms), slo.period.ms]) {
    const name = promDuration(w);
    rules.push({ record: `slo:sli_error:ratio_rate${name}`, expr: `avg_over_time(${badSlices}[${name}:${slice}])`, labels: { ...ids, sloth_window: name } });
  }
  for (const t of slo.tiers) {
    const w = promDuration(t.longMs);
    if (rules.some((r) => r.record === `slo:sli_bad_events:increase${w}`)) continue;
    rules.push({ record: `slo:sli_bad_events:increase${w}`, expr: `sum_over_time(${badSlices}[${w}:${slice}])`, labels: { ...ids, sloth_window: w } });
  }
  return rules;
}

function metaRecordings(slo: SloDefinition): RecordingRule[] {
  const ids = idLabels(slo);
  const m = idMatchers(slo);
  const period = promDuration(slo.period.ms);
  const on = 'on (sloth_id, sloth_slo, sloth_service) group_left';
  return [
    { record: 'slo:objective:ratio', expr: `vector(${num(slo.objective)})`, labels: ids },
    { record: 'slo:error_budget:ratio', expr: `vector(${num(1 - slo.objective)})`, labels: ids },
    { record: 'slo:time_period:days', expr: `vector(${num(slo.period.ms / 86_400_000)})`, labels: ids },
    { record: 'slo:current_burn_rate:ratio', expr: `slo:sli_error:ratio_rate5m{${m}}\n/ ${on}\nslo:error_budget:ratio{${m}}`, labels: ids },
    { record: 'slo:period_burn_rate:ratio', expr: `slo:sli_error:ratio_rate${period}{${m}}\n/ ${on}\nslo:error_budget:ratio{${m}}`, labels: ids },
    { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - slo:period_burn_rate:ratio{${m}}`, labels: ids },
    {
      record: 'sloth_slo_info',
      expr: 'vector(1)',
      labels: { ...ids, sloth_mode: 'cli-gen-openslo', sloth_objective: num(slo.objective * 100), sloth_spec: 'openslo/v1', sloth_version: 'pilothouse' },
    },
  ];
}

/** The SLO's metadata.labels as Prometheus labels: keys made valid names, clashes said and dropped. */
function specLabels(slo: SloDefinition, notes: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const from: Record<string, string> = {};
  for (const [k, v] of Object.entries(slo.labels)) {
    const name = promLabelName(k);
    if (name.startsWith('__')) {
      notes.push(`${slo.name}: label ${k} would become ${name}, a name Prometheus reserves; it is left out of the alerts`);
      continue;
    }
    if (from[name] !== undefined) {
      notes.push(`${slo.name}: labels ${from[name]} and ${k} both become the Prometheus label ${name}; ${k} is left out`);
      continue;
    }
    if (name !== k) notes.push(`${slo.name}: label ${k} is written as ${name} (Prometheus label names allow only letters, digits and _)`);
    from[name] = k;
    out[name] = v;
  }
  return out;
}

function alertRules(slo: SloDefinition, opts: GenerateOptions, notes: string[], out: Generated['alerts']): AlertingRule[] {
  const m = idMatchers(slo);
  const budget = num(1 - slo.objective);
  const rules: AlertingRule[] = [];
  for (const severity of ['page', 'ticket'] as const) {
    const tiers = slo.tiers.filter((t) => t.severity === severity);
    const reachable = tiers.filter((t) => tierReachable(t, slo.objective));
    for (const t of tiers.filter((x) => !reachable.includes(x))) {
      notes.push(`${slo.name}: the ${severity} tier ${promDuration(t.longMs)}/${promDuration(t.shortMs)} needs a burn rate of ${num(t.factor)}, more than the ${num(1 / (1 - slo.objective))} that 100% errors give against a ${num(slo.objective * 100)}% objective; it is left out`);
    }
    if (reachable.length === 0) continue;
    const clause = (t: AlertTier) => {
      const cmp = t.op === 'gte' ? '>=' : '>';
      const cond = (w: number) => `max(slo:sli_error:ratio_rate${promDuration(w)}{${m}} ${cmp} (${num(t.factor)} * ${budget})) without (sloth_window)`;
      const guard = `max(slo:sli_bad_events:increase${promDuration(t.longMs)}{${m}} >= ${MIN_BAD_EVENTS_TO_ALERT}) without (sloth_window)`;
      return `(\n  ${cond(t.shortMs)}\n  and\n  ${cond(t.longMs)}\n  and\n  ${guard}\n)`;
    };
    // One alert per severity: its tiers joined with `or`, like Sloth. A `for` applies only
    // when every tier of the severity agrees on it.
    const fors = new Set(reachable.map((t) => t.forMs));
    const forMs = fors.size === 1 ? [...fors][0]! : Math.min(...fors);
    const name = `${pascal(slo.name)}${slo.objectiveCount > 1 ? `Objective${slo.objectiveIndex}` : ''}${severity === 'page' ? 'Page' : 'Ticket'}BurnRate`;
    const url = runbookUrl(slo, severity, opts.runbookBaseUrl);
    const named = new Set(reachable.map((t) => t.severityName).filter(Boolean));
    rules.push({
      alert: name,
      expr: reachable.map(clause).join('\nor\n'),
      ...(forMs > 0 ? { for: promDuration(forMs) } : {}),
      labels: {
        ...specLabels(slo, notes),
        severity: named.size === 1 ? [...named][0]! : severity, sloth_severity: severity, slo: slo.name, service: slo.service,
        ...(slo.objectiveCount > 1 ? { objective: String(slo.objectiveIndex) } : {}),
      },
      annotations: {
        title: `(${severity}) ${slo.service} ${slo.name} SLO error budget burn rate is too fast.`,
        summary: `${slo.displayName}: the error budget of a ${num(slo.objective * 100)}% objective is burning too fast.`,
        description: `Burn rates over ${reachable.map((t) => `${promDuration(t.longMs)}/${promDuration(t.shortMs)} above ${num(t.factor)}`).join(' or ')}.`,
        ...(url ? { runbook_url: url } : {}),
      },
    });
    out.push({ slo: slo.name, objective: slo.objectiveIndex, severity, alert: name, tiers: reachable });
  }
  return rules;
}

/** Rule groups for every SLO read from Prometheus; the others are named in `notes`. */
export function generateRules(slos: readonly SloDefinition[], opts: GenerateOptions): Generated {
  const notes: string[] = [];
  const alerts: Generated['alerts'] = [];
  const groups: RuleGroup[] = [];
  const interval = opts.interval ? { interval: opts.interval } : {};
  for (const slo of slos) {
    if (slo.sourceType !== 'Prometheus') {
      notes.push(`${slo.name}: its SLI reads ${slo.sourceType}, which Prometheus cannot query; Pilothouse evaluates and alerts on it itself`);
      continue;
    }
    const id = sloId(slo);
    groups.push({ name: `sloth-slo-sli-recordings-${id}`, ...interval, rules: sliRecordings(slo) });
    groups.push({ name: `sloth-slo-meta-recordings-${id}`, ...interval, rules: metaRecordings(slo) });
    const rules = alertRules(slo, opts, notes, alerts);
    if (rules.length > 0) groups.push({ name: `sloth-slo-alerts-${id}`, ...interval, rules });
  }
  return { file: { groups }, alerts, notes };
}

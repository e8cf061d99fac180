// OpenSLO documents → SloDefinitions. Every document is validated first (validate.ts: the
// specification's rules, for referenced and unreferenced documents alike); then each SLO
// objective is resolved into what the engine evaluates. Valid OpenSLO that Pilothouse
// cannot evaluate (a Datadog source, a precomputed ratio, RatioTimeslices, a composite SLO)
// is not an error: it is listed as a warning saying why, and the SLO is not evaluated.
import { DAY, durationMs, isCalendarUnit, parseDuration } from '../math/duration.ts';
import { workbookTiers, type AlertTier } from '../math/tiers.ts';
import { DATASETS } from './datasets.ts';
import { fieldPath, type SpecProblem } from './errors.ts';
import type { RawDoc } from './load.ts';
import type { AlertConditionSpecT, AlertPolicySpecT, Kind, MetricT, ObjectiveT, SliSpecT, SloSpecT } from './openslo.ts';
import { parseSelector } from './selector.ts';
import {
  SOURCE_TYPES, type Indicator, type MetricQuery, type Period, type SloDefinition, type SourceType, type ThresholdOp,
} from './types.ts';
import { validateDocuments, type Entry, type Path } from './validate.ts';

export const RUNBOOK_ANNOTATION = 'pilothouse.dev/runbook';

export interface CompileOptions {
  /** says whether a runbook path (relative to the repository) exists; unchecked when absent */
  runbookExists?: (path: string) => boolean;
  /** origin recorded on each SLO when its file is not a path (such as "api") */
  origin?: string;
}

export interface DocumentSummary {
  kind: Kind;
  name: string;
  file: string;
  line?: number;
  /** AlertNotificationTarget: its target */
  target?: string;
}

export interface CompileResult {
  slos: SloDefinition[];
  /** errors: invalid OpenSLO, or a problem that makes a spec unusable as written */
  problems: SpecProblem[];
  /** warnings (valid, not evaluated) and notices (accepted, with something to know) */
  notices: SpecProblem[];
  /** every valid document read, for listings (`slo validate`) */
  documents: DocumentSummary[];
}

type Index = Map<Kind, Map<string, Entry>>;
type Report = (path: Path, message: string, fix: string, at?: RawDoc, kind?: string, docName?: string) => void;

export function compileSpecs(raws: readonly RawDoc[], opts: CompileOptions = {}): CompileResult {
  const v = validateDocuments(raws);
  const problems = [...v.problems];
  const notices = [...v.notices];
  const slos: SloDefinition[] = [];
  for (const entry of v.index.get('SLO')!.values()) {
    const found: SpecProblem[] = [];
    const warned: SpecProblem[] = [];
    const defs = resolveSlo(entry, v.index, opts, found, warned);
    problems.push(...found);
    notices.push(...warned);
    if (found.length === 0) slos.push(...defs);
  }
  const documents = v.entries.map((e) => ({
    kind: e.kind, name: e.name, file: e.raw.file, line: e.raw.lineOf([]),
    ...(e.kind === 'AlertNotificationTarget' ? { target: String((e.doc.spec as { target: string }).target) } : {}),
  }));
  return { slos, problems, notices, documents };
}

/** What Pilothouse cannot evaluate, said once per SLO: valid OpenSLO, not an error. */
class Unsupported extends Error {
  readonly path: Path;
  readonly fix: string;
  readonly at?: { raw: RawDoc; kind: string; name?: string };
  constructor(path: Path, message: string, fix: string, at?: { raw: RawDoc; kind: string; name?: string }) {
    super(message);
    this.path = path;
    this.fix = fix;
    this.at = at;
  }
}

function resolveSlo(entry: Entry, index: Index, opts: CompileOptions, problems: SpecProblem[], warnings: SpecProblem[]): SloDefinition[] {
  const { raw } = entry;
  const name = entry.name;
  const spec = entry.doc.spec as unknown as SloSpecT;
  const doc = entry.doc;
  const report: Report = (path, message, fix, at = raw, kind = 'SLO', docName = name) =>
    problems.push({ file: at.file, line: at.lineOf(path), kind, name: docName, field: fieldPath(path), message, fix });
  const warn = (u: Unsupported, level: 'warning' | 'notice' = 'warning') => {
    const at = u.at ?? { raw, kind: 'SLO', name };
    warnings.push({ file: at.raw.file, line: at.raw.lineOf(u.path), kind: at.kind, name: at.name, field: fieldPath(u.path), message: u.message, fix: u.fix, level });
  };

  const runbook = doc.metadata.annotations?.[RUNBOOK_ANNOTATION] as string | undefined;
  const rbPath: Path = ['metadata', 'annotations', RUNBOOK_ANNOTATION];
  if (runbook !== undefined) {
    if (/^https?:\/\//.test(runbook)) { /* a URL is taken as it is */ } else if (!/^runbooks\/[a-z0-9][a-z0-9-]*\.md$/.test(runbook)) {
      report(rbPath, `"${runbook}" is neither a URL nor a runbook path`, 'write runbooks/<name>.md (a file of this repository) or an https:// URL');
    } else if (opts.runbookExists && !opts.runbookExists(runbook)) {
      report(rbPath, `${runbook} does not exist`, `write the runbook at ${runbook}, or point at an existing one`);
    }
  }
  if (problems.length > 0) return [];

  try {
    if (spec.objectives.some((o) => o.indicator || o.indicatorRef)) {
      throw new Unsupported(['spec', 'objectives'], 'is a composite SLO (an indicator per objective)', 'Pilothouse does not evaluate composite SLOs: write one SLO per indicator');
    }
    if (spec.budgetingMethod === 'RatioTimeslices') {
      throw new Unsupported(['spec', 'budgetingMethod'], 'RatioTimeslices is not evaluated by Pilothouse (an average of slice ratios weighs quiet slices like busy ones)', 'use Occurrences (bad events ÷ all events) or Timeslices (bad slices ÷ all slices)');
    }
    const sli = spec.indicator
      ? { spec: spec.indicator.spec, name: spec.indicator.metadata.name, at: raw, path: ['spec', 'indicator', 'spec'] as Path, kind: 'SLO' }
      : { spec: index.get('SLI')!.get(spec.indicatorRef!)!.doc.spec as SliSpecT, name: spec.indicatorRef!, at: index.get('SLI')!.get(spec.indicatorRef!)!.raw, path: ['spec'] as Path, kind: 'SLI' };
    const period = resolvePeriod(spec);
    const policyTiers = resolvePolicies(spec.alertPolicies, period.ms, index, raw, warn);
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc.metadata.labels ?? {})) labels[k] = Array.isArray(v) ? v.join(',') : String(v);

    const out: SloDefinition[] = [];
    spec.objectives.forEach((o, i) => {
      const op: Path = ['spec', 'objectives', i];
      const objective = o.target ?? Number((o.targetPercent! / 100).toPrecision(12));
      if (objective === 0) throw new Unsupported([...op, o.target !== undefined ? 'target' : 'targetPercent'], 'is 0, which every SLI meets: there is no budget to burn', 'set the objective you promise, such as 0.999');
      const budgeting = resolveBudgeting(spec, o, op);
      const indicator = resolveIndicator(sli, o, op, index);
      out.push({
        name,
        objectiveIndex: i,
        objectiveCount: spec.objectives.length,
        objectiveName: o.displayName ?? `${Number((objective * 100).toPrecision(12))}%${o.op !== undefined && o.value !== undefined ? ` with ${o.op} ${o.value}` : ''}`,
        displayName: doc.metadata.displayName ?? name,
        description: spec.description ?? '',
        service: spec.service,
        origin: opts.origin ?? raw.file,
        objective,
        period,
        budgeting,
        indicatorName: sli.name,
        indicator: indicator.indicator,
        sourceType: indicator.sourceType,
        tiers: policyTiers ?? workbookTiers(period.ms),
        runbook,
        labels,
      });
    });
    return out;
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    warn(new Unsupported(err.path, `${err.message}; this SLO is valid OpenSLO but is not evaluated`, err.fix, err.at));
    return [];
  }
}

function resolvePeriod(spec: SloSpecT): Period {
  const w = spec.timeWindow[0]!;
  const d = parseDuration(w.duration)!;
  const at: Path = ['spec', 'timeWindow', 0, 'duration'];
  if (w.calendar) {
    if (d.unit === 'm' || d.unit === 'h' || d.count === 0) throw new Unsupported(at, `${w.duration} is too short for a calendar window`, 'use days or longer: 1d, 1w, 1M, 1Q or 1Y');
    return { kind: 'calendar', duration: w.duration, unit: d.unit as 'd' | 'w' | 'M' | 'Q' | 'Y', count: d.count, startTime: w.calendar.startTime, timeZone: w.calendar.timeZone, ms: durationMs(d) };
  }
  if (isCalendarUnit(d.unit)) throw new Unsupported(at, `${w.duration} has no fixed length for a rolling window`, 'use days or weeks such as 30d or 4w, or make the window calendar-aligned');
  if (durationMs(d) < DAY) throw new Unsupported(at, `${w.duration} is shorter than a day, too short for burn-rate alerts`, 'use a period of at least 1d; 28d or 30d are usual');
  return { kind: 'rolling', duration: w.duration, ms: durationMs(d) };
}

function resolveBudgeting(spec: SloSpecT, o: ObjectiveT, op: Path): SloDefinition['budgeting'] {
  if (spec.budgetingMethod !== 'Timeslices') return { method: 'Occurrences' };
  const w = o.timeSliceWindow!;
  const sliceMs = typeof w === 'number' ? w * 60_000 : durationMs(w);
  // The shortest alert window (5m) must hold at least one whole slice.
  if (sliceMs < 60_000 || sliceMs > 300_000 || sliceMs % 60_000 !== 0) {
    throw new Unsupported([...op, 'timeSliceWindow'], `${w} is not a whole number of minutes from 1m to 5m, the slices Pilothouse evaluates`, 'use a slice of 1m to 5m, such as 1m or 5m');
  }
  return { method: 'Timeslices', sliceMs, sliceTarget: o.timeSliceTarget! };
}

function resolveIndicator(
  sli: { spec: SliSpecT; name: string; at: RawDoc; path: Path; kind: string },
  o: ObjectiveT, objectivePath: Path, index: Index,
): { indicator: Indicator; sourceType: SourceType } {
  const at = { raw: sli.at, kind: sli.kind, name: sli.kind === 'SLI' ? sli.name : undefined };
  const here = (p: Path, message: string, fix: string) => new Unsupported([...sli.path, ...p], message, fix, at);
  const { thresholdMetric, ratioMetric } = sli.spec;
  const types = new Set<SourceType>();
  const query = (m: MetricT, p: Path, use: 'ratio' | 'threshold'): MetricQuery => {
    const q = resolveMetric(m, use, index, (f, msg, fix) => here([...p, 'metricSource', ...f], msg, fix));
    types.add(q.type);
    return q;
  };

  if (ratioMetric) {
    if (ratioMetric.raw) throw here(['ratioMetric', 'raw'], 'is a precomputed ratio, which cannot be weighed into a budget (its traffic is unknown)', 'give event counts instead: good or bad, with total');
    const good = ratioMetric.good && query(ratioMetric.good, ['ratioMetric', 'good'], 'ratio');
    const bad = ratioMetric.bad && query(ratioMetric.bad, ['ratioMetric', 'bad'], 'ratio');
    const total = query(ratioMetric.total!, ['ratioMetric', 'total'], 'ratio');
    if (types.size > 1) throw here(['ratioMetric'], 'mixes data source types', 'read good/bad and total from the same kind of source');
    // PostgreSQL datasets count events whatever `counter` says; Prometheus series are read with rate().
    if (types.has('Prometheus') && ratioMetric.counter !== true) {
      throw here(['ratioMetric', 'counter'], `is ${ratioMetric.counter === false ? 'false' : 'omitted (false)'}, but Pilothouse reads Prometheus good/bad/total with rate(), as counters`, 'set counter: true and give counters');
    }
    return { indicator: { kind: 'ratio', good: good || undefined, bad: bad || undefined, total }, sourceType: [...types][0]! };
  }

  const metric = query(thresholdMetric!, ['thresholdMetric'], 'threshold');
  const op = o.op as ThresholdOp;
  const value = o.value!;
  if (metric.type === 'Prometheus' && (op === 'gt' || op === 'gte')) {
    throw new Unsupported([...objectivePath, 'op'], `${op} cannot be read from histogram buckets, which count values at or below a bound`, 'use op: lte (or lt) with a bucket bound as value');
  }
  if (!(value > 0) && metric.type === 'Prometheus') throw new Unsupported([...objectivePath, 'value'], `${value} is not a histogram bucket bound`, 'use a positive bucket bound, such as 0.2');
  return { indicator: { kind: 'threshold', metric, op, value }, sourceType: metric.type };
}

function resolveMetric(m: MetricT, use: 'ratio' | 'threshold', index: Index, fail: (p: Path, message: string, fix: string) => Unsupported): MetricQuery {
  const src = m.metricSource;
  let type = src.type;
  if (src.metricSourceRef) {
    const dsType = (index.get('DataSource')!.get(src.metricSourceRef)!.doc.spec as { type: string }).type;
    if (type && type !== dsType) throw fail(['type'], `${type} disagrees with DataSource ${src.metricSourceRef} (${dsType})`, 'remove type, or make it match the DataSource');
    type = dsType;
  }
  if (!(SOURCE_TYPES as readonly string[]).includes(type!)) throw fail(['type'], `${type} is not a source Pilothouse reads`, `use one of ${SOURCE_TYPES.join(', ')}`);
  const spec = src.spec;
  if (type === 'Prometheus') {
    const extra = Object.keys(spec).filter((k) => k !== 'query');
    if (extra.length) throw fail(['spec', extra[0]!], 'is not a Prometheus metric field Pilothouse reads', 'give only query: <series selector>');
    if (typeof spec.query !== 'string') throw fail(['spec', 'query'], 'is required', use === 'ratio' ? 'add query: a counter selector such as http_requests_total{code=~"5.."}' : 'add query: a histogram bucket selector such as http_request_duration_seconds_bucket{job="api"}');
    let sel: ReturnType<typeof parseSelector>;
    try {
      sel = parseSelector(spec.query);
    } catch (err) {
      throw fail(['spec', 'query'], `is not a series selector: ${(err as Error).message}`, 'write a selector such as metric_name{label="value"}; Pilothouse adds rate(), sum() and the windows');
    }
    if (use === 'threshold' && sel.matchers.some((x) => x.label === 'le')) throw fail(['spec', 'query'], 'selects an le bucket itself', 'remove the le matcher: it comes from the objective\'s value');
    if (use === 'ratio' && sel.matchers.some((x) => x.label === 'le')) throw fail(['spec', 'query'], 'selects one histogram bucket (le) in a ratio', 'count events with the histogram\'s _count series, or make this a thresholdMetric with the bound as the objective\'s value');
    if (use === 'threshold' && !sel.name.endsWith('_bucket')) throw fail(['spec', 'query'], `${sel.name} is not a histogram bucket series`, `select the histogram's _bucket series, such as ${sel.name.replace(/_(count|sum|total)$/, '')}_bucket`);
    if (use === 'ratio' && sel.name.endsWith('_bucket')) throw fail(['spec', 'query'], 'selects histogram buckets in a ratio', 'count events with the _count series, or use a thresholdMetric for latency');
    return { type, selector: spec.query.trim() };
  }
  const dataset = typeof spec.dataset === 'string' ? DATASETS[spec.dataset] : undefined;
  if (!dataset) throw fail(['spec', 'dataset'], spec.dataset === undefined ? 'is required' : `${JSON.stringify(spec.dataset)} is not a dataset`, `use one of ${Object.keys(DATASETS).join(', ')}`);
  if (use === 'ratio' ? !dataset.ratio : !dataset.threshold) {
    const fit = Object.entries(DATASETS).filter(([, d]) => (use === 'ratio' ? d.ratio : d.threshold)).map(([n]) => n);
    throw fail(['spec', 'dataset'], `${spec.dataset} cannot be used in a ${use === 'ratio' ? 'ratioMetric' : 'thresholdMetric'}`, `use ${fit.join(' or ')}, or make this a ${use === 'ratio' ? 'thresholdMetric' : 'ratioMetric'}`);
  }
  const filters: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(spec)) {
    if (k === 'dataset') continue;
    if (!dataset.filters.includes(k) && !dataset.filters.includes('*')) throw fail(['spec', k], `is not a filter of ${spec.dataset}`, `use ${dataset.filters.join(', ')}`);
    if (!(typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')))) throw fail(['spec', k], `${JSON.stringify(v)} is not a string or a list of strings`, `write ${k}: value, or ${k}: [a, b]`);
    if (k === 'outcome' && !(v === 'error' || v === 'success')) throw fail(['spec', k], `${JSON.stringify(v)} is not an outcome`, 'write outcome: error or outcome: success');
    filters[k] = v;
  }
  for (const r of dataset.required ?? []) if (!(r in filters)) throw fail(['spec', r], `is required for ${spec.dataset}`, `add ${r}`);
  return { type: 'PostgreSQL', dataset: spec.dataset as string, filters };
}

const PAGE_SEVERITIES = /^(page|critical|crit|sev-?[01]|p[01]|high|urgent|emergency)$/i;

/**
 * The SLO's alert policies as burn-rate tiers; undefined when it has none (the Workbook's
 * tiers apply). Conditions Pilothouse cannot alert on are left out, each said so.
 */
function resolvePolicies(policies: SloSpecT['alertPolicies'], periodMs: number, index: Index, sloRaw: RawDoc, warn: (u: Unsupported, level?: 'warning' | 'notice') => void): AlertTier[] | undefined {
  if (!policies || policies.length === 0) return undefined;
  const tiers: AlertTier[] = [];
  policies.forEach((p, i) => {
    let policy: AlertPolicySpecT;
    let at = { raw: sloRaw, path: ['spec', 'alertPolicies', i, 'spec'] as Path, name: undefined as string | undefined, kind: 'SLO' };
    if (p.alertPolicyRef) {
      const ref = index.get('AlertPolicy')!.get(p.alertPolicyRef)!;
      policy = ref.doc.spec as unknown as AlertPolicySpecT;
      at = { raw: ref.raw, path: ['spec'], name: p.alertPolicyRef, kind: 'AlertPolicy' };
    } else policy = p.spec!;
    policy.conditions.forEach((c, j) => {
      let cond: AlertConditionSpecT;
      let cAt = { raw: at.raw, path: [...at.path, 'conditions', j, 'spec'] as Path, name: at.name, kind: at.kind };
      if (c.conditionRef) {
        const ref = index.get('AlertCondition')!.get(c.conditionRef)!;
        cond = ref.doc.spec as unknown as AlertConditionSpecT;
        cAt = { raw: ref.raw, path: ['spec'], name: c.conditionRef, kind: 'AlertCondition' };
      } else cond = c.spec!;
      const left = (path: Path, message: string, fix: string) => warn(new Unsupported([...cAt.path, ...path], `${message}; Pilothouse leaves this condition out`, fix, { raw: cAt.raw, kind: cAt.kind, name: cAt.name }));
      const { op, threshold, lookbackWindow, alertAfter } = cond.condition;
      if (op === 'lt' || op === 'lte') return left(['condition', 'op'], `${op} alerts while the budget burns slowly, which Pilothouse does not alert on`, 'use op: gt (or gte) to alert when the burn rate exceeds the threshold');
      if (!(threshold > 0)) return left(['condition', 'threshold'], `${threshold} is not a positive burn rate`, 'use a burn rate such as 14.4 (the budget gone in 2 days of 30)');
      const longMs = durationMs(lookbackWindow);
      if (isCalendarUnit(parseDuration(lookbackWindow)!.unit) || longMs < 12 * 60_000 || longMs >= periodMs) {
        return left(['condition', 'lookbackWindow'], `${lookbackWindow} is not between 12m and the SLO period`, 'use a window such as 1h, 6h, 1d or 3d (the short window is 1/12 of it)');
      }
      const page = cond.severity === 'page' || PAGE_SEVERITIES.test(cond.severity);
      if (cond.severity !== 'page' && cond.severity !== 'ticket') {
        warn(new Unsupported([...cAt.path, 'severity'], `"${cond.severity}" is routed as ${page ? 'page' : 'ticket'} (its alerts keep severity "${cond.severity}")`, 'write page or ticket to choose the route yourself', { raw: cAt.raw, kind: cAt.kind, name: cAt.name }), 'notice');
      }
      tiers.push({
        severity: page ? 'page' : 'ticket',
        ...(cond.severity !== 'page' && cond.severity !== 'ticket' ? { severityName: cond.severity } : {}),
        factor: threshold, longMs, shortMs: Math.max(60_000, Math.round(longMs / 12 / 60_000) * 60_000),
        forMs: alertAfter ? durationMs(alertAfter) : 0, op: op as 'gt' | 'gte',
      });
    });
  });
  return tiers;
}

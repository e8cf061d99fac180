// OpenSLO documents → SloDefinitions: structure checked against the schemas, references
// followed, the OpenSLO rules enforced (one time window, target or targetPercent, good or
// bad, …), and every problem reported with its file, line, field and fix.
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { DAY, durationMs, isCalendarUnit, parseDuration } from '../math/duration.ts';
import { workbookTiers, type AlertTier } from '../math/tiers.ts';
import { DATASETS } from './datasets.ts';
import { fieldPath, type SpecProblem } from './errors.ts';
import type { RawDoc } from './load.ts';
import {
  KINDS, SCHEMAS, type AlertConditionSpecT, type AlertPolicyDoc, type AnyDoc, type DataSourceDoc, type Kind, type MetricT,
  type SliSpecT, type SloDoc,
} from './openslo.ts';
import { parseSelector } from './selector.ts';
import {
  SOURCE_TYPES, type Indicator, type MetricQuery, type Period, type SloDefinition, type SourceType, type ThresholdOp,
} from './types.ts';

export const RUNBOOK_ANNOTATION = 'pilothouse.dev/runbook';

export interface CompileOptions {
  /** says whether a runbook path (relative to the repository) exists; unchecked when absent */
  runbookExists?: (path: string) => boolean;
  /** origin recorded on each SLO when its file is not a path (such as "api") */
  origin?: string;
}

export interface CompileResult {
  slos: SloDefinition[];
  problems: SpecProblem[];
}

type Path = (string | number)[];
interface Entry<D> {
  doc: D;
  raw: RawDoc;
}

/** The most specific `description` along a TypeBox error's schema path: the fix to print. */
function describe(schema: TSchema, schemaPath: string): string | undefined {
  let node: unknown = schema;
  let found = (schema as { description?: string }).description;
  for (const token of schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = (node as Record<string, unknown> | undefined)?.[token.replace(/~1/g, '/').replace(/~0/g, '~')];
    const d = (node as { description?: string } | undefined)?.description;
    if (typeof d === 'string') found = d;
  }
  return found;
}

function structureProblems(raw: RawDoc, kind: Kind, schema: TSchema, name: string | undefined): SpecProblem[] {
  const seen = new Set<string>();
  const out: SpecProblem[] = [];
  for (const err of Value.Errors(schema, raw.value)) {
    if (err.keyword === 'additionalProperties' || err.keyword === 'anyOf' && seen.has(err.instancePath)) continue;
    if (seen.has(err.instancePath)) continue;
    seen.add(err.instancePath);
    const path: Path = err.instancePath.split('/').slice(1).map((t) => (/^\d+$/.test(t) ? Number(t) : t));
    const field = fieldPath(path);
    if (err.keyword === 'boolean') {
      out.push({ file: raw.file, line: raw.lineOf(path), kind, name, field, message: 'is not an OpenSLO field here', fix: 'remove it or correct its spelling' });
      continue;
    }
    if (err.keyword === 'required') {
      const missing = (err.params as { requiredProperties?: string[] }).requiredProperties ?? [];
      for (const m of missing) {
        const desc = describe(schema, `${err.schemaPath}/properties/${m}`);
        out.push({ file: raw.file, line: raw.lineOf(path), kind, name, field: fieldPath([...path, m]), message: 'is required', fix: `add ${m}${desc ? `: ${desc}` : ''}` });
      }
      continue;
    }
    const got = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], raw.value);
    out.push({
      file: raw.file, line: raw.lineOf(path), kind, name, field,
      message: `${JSON.stringify(got)} ${err.message}`,
      fix: `write ${describe(schema, err.schemaPath) ?? 'a valid value'}`,
    });
  }
  return out;
}

export function compileSpecs(raws: readonly RawDoc[], opts: CompileOptions = {}): CompileResult {
  const problems: SpecProblem[] = [];
  const index = new Map<Kind, Map<string, Entry<AnyDoc>>>(KINDS.map((k) => [k, new Map()]));

  for (const raw of raws) {
    const v = raw.value as { kind?: unknown; metadata?: { name?: unknown } } | null;
    const name = typeof v?.metadata?.name === 'string' ? v.metadata.name : undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push({ file: raw.file, line: raw.lineOf([]), field: '(document)', message: 'is not a mapping', fix: 'write an OpenSLO document with apiVersion, kind, metadata and spec' });
      continue;
    }
    const kind = v.kind as Kind;
    if (!KINDS.includes(kind)) {
      problems.push({ file: raw.file, line: raw.lineOf(['kind']), name, field: 'kind', message: `${JSON.stringify(v.kind)} is not a kind Pilothouse reads`, fix: `use one of ${KINDS.join(', ')}` });
      continue;
    }
    const found = structureProblems(raw, kind, SCHEMAS[kind], name);
    problems.push(...found);
    if (found.length > 0 || !name) continue;
    const byName = index.get(kind)!;
    const prior = byName.get(name);
    if (prior) {
      problems.push({ file: raw.file, line: raw.lineOf(['metadata', 'name']), kind, name, field: 'metadata.name', message: `is also the name of a ${kind} in ${prior.raw.file}`, fix: `give each ${kind} a unique name` });
      continue;
    }
    byName.set(name, { doc: raw.value as AnyDoc, raw });
  }

  const slos: SloDefinition[] = [];
  for (const entry of index.get('SLO')!.values()) {
    const found: SpecProblem[] = [];
    const slo = resolveSlo(entry as Entry<SloDoc>, index, opts, found);
    problems.push(...found);
    if (slo && found.length === 0) slos.push(slo);
  }
  return { slos, problems };
}

function resolveSlo(entry: Entry<SloDoc>, index: Map<Kind, Map<string, Entry<AnyDoc>>>, opts: CompileOptions, problems: SpecProblem[]): SloDefinition | undefined {
  const { doc, raw } = entry;
  const name = doc.metadata.name;
  const report = (path: Path, message: string, fix: string, at: RawDoc = raw, kind = 'SLO', docName = name) =>
    problems.push({ file: at.file, line: at.lineOf(path), kind, name: docName, field: fieldPath(path), message, fix });
  const spec = doc.spec;

  if (!index.get('Service')!.has(spec.service)) {
    report(['spec', 'service'], `no Service named "${spec.service}"`, `add a Service document named ${spec.service}, or name an existing one`);
  }

  // The indicator: inline or by reference, exactly one.
  let sli: { spec: SliSpecT; name: string; at: RawDoc; path: Path; kind: string } | undefined;
  if (spec.indicator && spec.indicatorRef) report(['spec', 'indicatorRef'], 'is given together with spec.indicator', 'keep either the inline indicator or indicatorRef, not both');
  else if (spec.indicator) sli = { spec: spec.indicator.spec, name: spec.indicator.metadata.name, at: raw, path: ['spec', 'indicator', 'spec'], kind: 'SLO' };
  else if (spec.indicatorRef) {
    const ref = index.get('SLI')!.get(spec.indicatorRef);
    if (!ref) report(['spec', 'indicatorRef'], `no SLI named "${spec.indicatorRef}"`, `add an SLI document named ${spec.indicatorRef}, or name an existing one`);
    else sli = { spec: (ref.doc as { spec: SliSpecT }).spec, name: spec.indicatorRef, at: ref.raw, path: ['spec'], kind: 'SLI' };
  } else report(['spec'], 'has neither indicator nor indicatorRef', 'add indicatorRef: <name of an SLI document>, or an inline indicator');

  // Exactly one time window.
  let period: Period | undefined;
  if (spec.timeWindow.length !== 1) {
    report(['spec', 'timeWindow'], `has ${spec.timeWindow.length} time windows`, 'give exactly one time window');
  } else {
    const w = spec.timeWindow[0]!;
    const d = parseDuration(w.duration)!;
    const at: Path = ['spec', 'timeWindow', 0];
    if (w.calendar) {
      if (w.isRolling === true) report([...at, 'isRolling'], 'is true on a calendar-aligned window', 'remove isRolling (or set it to false) for a calendar window, or remove calendar for a rolling one');
      else if (d.unit === 's' || d.unit === 'm' || d.unit === 'h') report([...at, 'duration'], `${w.duration} is too short for a calendar window`, 'use days or longer: 1d, 1w, 1M, 1Q or 1Y');
      else if (!validTimeZone(w.calendar.timeZone)) report([...at, 'calendar', 'timeZone'], `"${w.calendar.timeZone}" is not a known time zone`, 'use an IANA time zone such as UTC, Europe/Paris or America/New_York');
      else if (!validLocalTime(w.calendar.startTime)) report([...at, 'calendar', 'startTime'], `"${w.calendar.startTime}" is not a real date and time`, 'write a valid local time such as 2026-01-01 00:00:00');
      else period = { kind: 'calendar', duration: w.duration, unit: d.unit, count: d.count, startTime: w.calendar.startTime, timeZone: w.calendar.timeZone, ms: durationMs(d) };
    } else if (w.isRolling !== true) {
      report([...at, 'isRolling'], 'is not true and no calendar is given', 'set isRolling: true for a rolling window, or add calendar: {startTime, timeZone}');
    } else if (isCalendarUnit(d.unit)) {
      report([...at, 'duration'], `${w.duration} has no fixed length for a rolling window`, 'use days or weeks such as 30d or 4w, or make the window calendar-aligned');
    } else if (durationMs(d) < DAY) {
      report([...at, 'duration'], `${w.duration} is shorter than a day`, 'use a period of at least 1d; 28d or 30d are usual');
    } else period = { kind: 'rolling', duration: w.duration, ms: durationMs(d) };
  }

  // One objective, as a fraction.
  if (spec.objectives.length !== 1) report(['spec', 'objectives'], `has ${spec.objectives.length} objectives`, 'write one objective per SLO; split the others into SLOs of their own');
  const o = spec.objectives[0]!;
  const op: Path = ['spec', 'objectives', 0];
  let objective: number | undefined;
  if (o.target !== undefined && o.targetPercent !== undefined) report([...op, 'targetPercent'], 'is given together with target', 'keep target (a fraction such as 0.999) or targetPercent (such as 99.9), not both');
  else if (o.target !== undefined) objective = o.target;
  else if (o.targetPercent !== undefined) objective = o.targetPercent / 100;
  else report(op, 'has neither target nor targetPercent', 'add target: 0.999 (a fraction) or targetPercent: 99.9');
  if (objective === 0) {
    report([...op, o.target !== undefined ? 'target' : 'targetPercent'], 'is 0, which every SLI meets', 'set the objective you promise, such as 0.999');
    objective = undefined;
  }
  if (o.indicator !== undefined || o.indicatorRef !== undefined || o.compositeWeight !== undefined) {
    report(op, 'uses composite SLO fields (indicator, indicatorRef, compositeWeight)', 'Pilothouse does not evaluate composite SLOs: put the indicator on spec.indicatorRef');
  }

  // Budgeting.
  let budgeting: SloDefinition['budgeting'] | undefined;
  if (spec.budgetingMethod === 'RatioTimeslices') {
    report(['spec', 'budgetingMethod'], 'RatioTimeslices is not supported', 'use Occurrences (bad events ÷ all events) or Timeslices (bad slices ÷ all slices)');
  } else if (spec.budgetingMethod === 'Timeslices') {
    if (o.timeSliceTarget === undefined) report([...op, 'timeSliceTarget'], 'is required with Timeslices', 'add timeSliceTarget: the good ratio a slice must reach, such as 0.95');
    if (o.timeSliceWindow === undefined) report([...op, 'timeSliceWindow'], 'is required with Timeslices', 'add timeSliceWindow: the slice length, such as 1m or 5m');
    if (o.timeSliceTarget !== undefined && o.timeSliceWindow !== undefined) {
      const sliceMs = durationMs(o.timeSliceWindow);
      // The shortest alert window (5m) must hold at least one whole slice.
      if (sliceMs < 60_000 || sliceMs > 300_000 || sliceMs % 60_000 !== 0) {
        report([...op, 'timeSliceWindow'], `${o.timeSliceWindow} is not a whole number of minutes from 1m to 5m`, 'use a slice of 1m to 5m, such as 1m or 5m');
      } else budgeting = { method: 'Timeslices', sliceMs, sliceTarget: o.timeSliceTarget };
    }
  } else {
    for (const f of ['timeSliceTarget', 'timeSliceWindow'] as const) {
      if (o[f] !== undefined) report([...op, f], 'only applies to budgetingMethod: Timeslices', `remove ${f}, or set budgetingMethod: Timeslices`);
    }
    budgeting = { method: 'Occurrences' };
  }

  const indicator = sli ? resolveIndicator(sli, o.op as ThresholdOp | undefined, o.value, op, index, report) : undefined;
  const tiers = period ? resolveTiers(spec.alertPolicies, period.ms, index, report) : undefined;

  const runbook = doc.metadata.annotations?.[RUNBOOK_ANNOTATION];
  const rbPath: Path = ['metadata', 'annotations', RUNBOOK_ANNOTATION];
  if (runbook !== undefined) {
    if (/^https?:\/\//.test(runbook)) { /* a URL is taken as it is */ } else if (!/^runbooks\/[a-z0-9][a-z0-9-]*\.md$/.test(runbook)) {
      report(rbPath, `"${runbook}" is neither a URL nor a runbook path`, 'write runbooks/<name>.md (a file of this repository) or an https:// URL');
    } else if (opts.runbookExists && !opts.runbookExists(runbook)) {
      report(rbPath, `${runbook} does not exist`, `write the runbook at ${runbook}, or point at an existing one`);
    }
  }

  if (!indicator || !period || objective === undefined || !budgeting || !tiers) return undefined;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.metadata.labels ?? {})) labels[k] = Array.isArray(v) ? v.join(',') : v;
  return {
    name,
    displayName: doc.metadata.displayName ?? name,
    description: spec.description ?? '',
    service: spec.service,
    origin: opts.origin ?? raw.file,
    objective,
    period,
    budgeting,
    indicatorName: sli!.name,
    indicator: indicator.indicator,
    sourceType: indicator.sourceType,
    tiers,
    runbook,
    labels,
  };
}

type Report = (path: Path, message: string, fix: string, at?: RawDoc, kind?: string, docName?: string) => void;

function resolveIndicator(
  sli: { spec: SliSpecT; name: string; at: RawDoc; path: Path; kind: string },
  op: ThresholdOp | undefined, value: number | undefined, objectivePath: Path,
  index: Map<Kind, Map<string, Entry<AnyDoc>>>, report: Report,
): { indicator: Indicator; sourceType: SourceType } | undefined {
  const here = (p: Path, message: string, fix: string) => report([...sli.path, ...p], message, fix, sli.at, sli.kind, sli.kind === 'SLI' ? sli.name : undefined);
  const { thresholdMetric, ratioMetric } = sli.spec;
  if (!!thresholdMetric === !!ratioMetric) {
    here([], thresholdMetric ? 'has both thresholdMetric and ratioMetric' : 'has neither thresholdMetric nor ratioMetric', 'give exactly one: ratioMetric (good or bad, with total) or thresholdMetric');
    return undefined;
  }
  const types = new Set<SourceType>();
  const query = (m: MetricT, p: Path, use: 'ratio' | 'threshold'): MetricQuery | undefined => {
    const q = resolveMetric(m, use, index, (f, msg, fix) => here([...p, 'metricSource', ...f], msg, fix));
    if (q) types.add(q.type);
    return q;
  };

  if (ratioMetric) {
    if (ratioMetric.raw || ratioMetric.rawType) {
      here(['ratioMetric', 'raw'], 'precomputed ratios cannot be turned into budgets (their traffic is unknown)', 'give counters: good or bad, with total');
      return undefined;
    }
    if (ratioMetric.good && ratioMetric.bad) here(['ratioMetric', 'bad'], 'is given together with good', 'keep either good or bad (with total), not both');
    else if (!ratioMetric.good && !ratioMetric.bad) here(['ratioMetric'], 'has neither good nor bad', 'add good (or bad) beside total');
    if (!ratioMetric.total) here(['ratioMetric', 'total'], 'is required', 'add total: the counter of all events');
    if (ratioMetric.counter !== true) here(['ratioMetric', 'counter'], 'is false, but good/bad/total are read as counts of events', 'set counter: true and give counters (Pilothouse wraps them in rates)');
    if (value !== undefined || op !== undefined) report([...objectivePath, op !== undefined ? 'op' : 'value'], 'applies to thresholdMetric only', 'remove op and value from the objective of a ratio SLI');
    const good = ratioMetric.good && query(ratioMetric.good, ['ratioMetric', 'good'], 'ratio');
    const bad = ratioMetric.bad && query(ratioMetric.bad, ['ratioMetric', 'bad'], 'ratio');
    const total = ratioMetric.total && query(ratioMetric.total, ['ratioMetric', 'total'], 'ratio');
    if (types.size > 1) here(['ratioMetric'], 'mixes data source types', 'read good/bad and total from the same kind of source');
    if (!total || !(good || bad) || (good && bad) || types.size !== 1 || ratioMetric.counter !== true || value !== undefined || op !== undefined) return undefined;
    return { indicator: { kind: 'ratio', good: good || undefined, bad: bad || undefined, total }, sourceType: [...types][0]! };
  }

  const metric = query(thresholdMetric!, ['thresholdMetric'], 'threshold');
  if (op === undefined) report([...objectivePath, 'op'], 'is required for a thresholdMetric', 'add op: lte (good when the value is at most `value`), or lt, gte, gt');
  if (value === undefined) report([...objectivePath, 'value'], 'is required for a thresholdMetric', 'add value: the threshold, such as 0.2 for 200 ms');
  if (!metric || op === undefined || value === undefined) return undefined;
  if (metric.type === 'Prometheus' && (op === 'gt' || op === 'gte')) {
    report([...objectivePath, 'op'], `${op} cannot be read from histogram buckets, which count values at or below a bound`, 'use op: lte (or lt) with a bucket bound as value');
    return undefined;
  }
  if (!(value > 0) && metric.type === 'Prometheus') {
    report([...objectivePath, 'value'], `${value} is not a histogram bucket bound`, 'use a positive bucket bound, such as 0.2');
    return undefined;
  }
  return { indicator: { kind: 'threshold', metric, op, value }, sourceType: metric.type };
}

function resolveMetric(m: MetricT, use: 'ratio' | 'threshold', index: Map<Kind, Map<string, Entry<AnyDoc>>>, here: (p: Path, message: string, fix: string) => void): MetricQuery | undefined {
  const src = m.metricSource;
  let type = src.type;
  if (src.metricSourceRef) {
    const ds = index.get('DataSource')!.get(src.metricSourceRef) as Entry<DataSourceDoc> | undefined;
    if (!ds) {
      here(['metricSourceRef'], `no DataSource named "${src.metricSourceRef}"`, `add a DataSource document named ${src.metricSourceRef}, or name an existing one`);
      return undefined;
    }
    if (type && type !== ds.doc.spec.type) {
      here(['type'], `${type} disagrees with DataSource ${src.metricSourceRef} (${ds.doc.spec.type})`, 'remove type, or make it match the DataSource');
      return undefined;
    }
    type = ds.doc.spec.type;
  }
  if (!type) {
    here([], 'has neither type nor metricSourceRef', 'add metricSourceRef: <DataSource name>, or type: Prometheus');
    return undefined;
  }
  if (!(SOURCE_TYPES as readonly string[]).includes(type)) {
    here(['type'], `${type} is not a source Pilothouse reads`, `use one of ${SOURCE_TYPES.join(', ')}`);
    return undefined;
  }
  const spec = src.spec;
  if (type === 'Prometheus') {
    const extra = Object.keys(spec).filter((k) => k !== 'query');
    if (extra.length) {
      here(['spec', extra[0]!], 'is not a Prometheus metric field', 'give only query: <series selector>');
      return undefined;
    }
    if (typeof spec.query !== 'string') {
      here(['spec', 'query'], 'is required', use === 'ratio' ? 'add query: a counter selector such as http_requests_total{code=~"5.."}' : 'add query: a histogram bucket selector such as http_request_duration_seconds_bucket{job="api"}');
      return undefined;
    }
    try {
      const sel = parseSelector(spec.query);
      if (sel.matchers.some((x) => x.label === 'le')) {
        here(['spec', 'query'], 'selects an le bucket itself', 'remove the le matcher: it comes from the objective\'s value');
        return undefined;
      }
      if (use === 'threshold' && !sel.name.endsWith('_bucket')) {
        here(['spec', 'query'], `${sel.name} is not a histogram bucket series`, `select the histogram's _bucket series, such as ${sel.name.replace(/_(count|sum|total)$/, '')}_bucket`);
        return undefined;
      }
      if (use === 'ratio' && sel.name.endsWith('_bucket')) {
        here(['spec', 'query'], 'selects histogram buckets in a ratio', 'count events with the _count series, or use a thresholdMetric for latency');
        return undefined;
      }
    } catch (err) {
      here(['spec', 'query'], `is not a series selector: ${(err as Error).message}`, 'write a selector such as metric_name{label="value"}; Pilothouse adds rate() and the windows');
      return undefined;
    }
    return { type, selector: spec.query.trim() };
  }
  const dataset = typeof spec.dataset === 'string' ? DATASETS[spec.dataset] : undefined;
  if (!dataset) {
    here(['spec', 'dataset'], spec.dataset === undefined ? 'is required' : `${JSON.stringify(spec.dataset)} is not a dataset`, `use one of ${Object.keys(DATASETS).join(', ')}`);
    return undefined;
  }
  if (use === 'ratio' ? !dataset.ratio : !dataset.threshold) {
    const fit = Object.entries(DATASETS).filter(([, d]) => (use === 'ratio' ? d.ratio : d.threshold)).map(([n]) => n);
    here(['spec', 'dataset'], `${spec.dataset} cannot be used in a ${use === 'ratio' ? 'ratioMetric' : 'thresholdMetric'}`, `use ${fit.join(' or ')}, or make this a ${use === 'ratio' ? 'thresholdMetric' : 'ratioMetric'}`);
    return undefined;
  }
  const filters: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(spec)) {
    if (k === 'dataset') continue;
    if (!dataset.filters.includes(k) && !dataset.filters.includes('*')) {
      here(['spec', k], `is not a filter of ${spec.dataset}`, `use ${dataset.filters.join(', ')}`);
      return undefined;
    }
    if (!(typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')))) {
      here(['spec', k], `${JSON.stringify(v)} is not a string or a list of strings`, `write ${k}: value, or ${k}: [a, b]`);
      return undefined;
    }
    if (k === 'outcome' && !(v === 'error' || v === 'success')) {
      here(['spec', k], `${JSON.stringify(v)} is not an outcome`, 'write outcome: error or outcome: success');
      return undefined;
    }
    filters[k] = v;
  }
  for (const r of dataset.required ?? []) {
    if (!(r in filters)) {
      here(['spec', r], `is required for ${spec.dataset}`, `add ${r}`);
      return undefined;
    }
  }
  return { type: 'PostgreSQL', dataset: spec.dataset as string, filters };
}

function resolveTiers(policies: SloDoc['spec']['alertPolicies'], periodMs: number, index: Map<Kind, Map<string, Entry<AnyDoc>>>, report: Report): AlertTier[] | undefined {
  if (!policies || policies.length === 0) return workbookTiers(periodMs);
  const tiers: AlertTier[] = [];
  let ok = true;
  policies.forEach((p, i) => {
    let policy: AlertPolicyDoc['spec'];
    let at: { raw?: RawDoc; path: Path; name?: string; kind: string } = { path: ['spec', 'alertPolicies', i, 'spec'], kind: 'SLO' };
    if ('alertPolicyRef' in p) {
      const ref = index.get('AlertPolicy')!.get(p.alertPolicyRef) as Entry<AlertPolicyDoc> | undefined;
      if (!ref) {
        report(['spec', 'alertPolicies', i, 'alertPolicyRef'], `no AlertPolicy named "${p.alertPolicyRef}"`, `add an AlertPolicy named ${p.alertPolicyRef}, or remove alertPolicies to use the Workbook's tiers`);
        ok = false;
        return;
      }
      policy = ref.doc.spec;
      at = { raw: ref.raw, path: ['spec'], name: p.alertPolicyRef, kind: 'AlertPolicy' };
    } else policy = p.spec;
    policy.conditions.forEach((c, j) => {
      let cond: AlertConditionSpecT;
      let cAt = { raw: at.raw, path: [...at.path, 'conditions', j, 'spec'] as Path, name: at.name, kind: at.kind };
      if ('conditionRef' in c) {
        const ref = index.get('AlertCondition')!.get(c.conditionRef);
        if (!ref) {
          report([...at.path, 'conditions', j, 'conditionRef'], `no AlertCondition named "${c.conditionRef}"`, `add an AlertCondition named ${c.conditionRef}`, at.raw, at.kind, at.name);
          ok = false;
          return;
        }
        cond = (ref.doc as { spec: AlertConditionSpecT }).spec;
        cAt = { raw: ref.raw, path: ['spec'], name: c.conditionRef, kind: 'AlertCondition' };
      } else cond = c.spec;
      if (cond.severity !== 'page' && cond.severity !== 'ticket') {
        report([...cAt.path, 'severity'], `"${cond.severity}" is not a severity Pilothouse routes`, 'use page (wake someone) or ticket (next working day)', cAt.raw, cAt.kind, cAt.name);
        ok = false;
        return;
      }
      const longMs = durationMs(cond.condition.lookbackWindow);
      if (isCalendarUnit(parseDuration(cond.condition.lookbackWindow)!.unit) || longMs < 12 * 60_000 || longMs >= periodMs) {
        report([...cAt.path, 'condition', 'lookbackWindow'], `${cond.condition.lookbackWindow} is not between 12m and the SLO period`, 'use a window such as 1h, 6h, 1d or 3d (the short window is 1/12 of it)', cAt.raw, cAt.kind, cAt.name);
        ok = false;
        return;
      }
      tiers.push({ severity: cond.severity, factor: cond.condition.threshold, longMs, shortMs: longMs / 12, forMs: durationMs(cond.condition.alertAfter) });
    });
  });
  return ok ? tiers : undefined;
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function validLocalTime(text: string): boolean {
  const d = new Date(`${text.replace(' ', 'T')}Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 19) === text.replace(' ', 'T');
}

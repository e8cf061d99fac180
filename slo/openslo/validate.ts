// OpenSLO v1 validation of every document, referenced or not: shape (the TypeBox schemas),
// then the rules between fields that the specification and its go-sdk enforce, then the
// references between documents. Each mistake is reported once, at its own field, with the
// line and the fix; a field's rules are not checked while its shape is wrong, so nothing
// false comes before a true problem.
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { fieldPath, type SpecProblem } from './errors.ts';
import type { RawDoc } from './load.ts';
import {
  ANNOTATION_KEY, KINDS, LABEL_KEY, SCHEMAS, type AlertPolicySpecT, type AnyDoc, type Kind, type MetricT, type ObjectiveT,
  type SliSpecT, type SloSpecT,
} from './openslo.ts';

export type Path = (string | number)[];

export interface Entry {
  kind: Kind;
  name: string;
  doc: AnyDoc;
  raw: RawDoc;
}

export interface Validated {
  /** every valid document, by kind and name */
  index: Map<Kind, Map<string, Entry>>;
  /** documents in the order read (valid ones), for listings */
  entries: Entry[];
  problems: SpecProblem[];
  notices: SpecProblem[];
}

/** YAML `field:` with nothing after it is null: the same as leaving the field out (as in the go-sdk). */
function dropNulls(v: unknown, key?: string): unknown {
  if (Array.isArray(v)) return v.map((x) => dropNulls(x));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    // connectionDetails may be anything, null included; spec maps of metric sources are opaque
    if (x === null && k !== 'connectionDetails') continue;
    out[k] = key === 'spec' && k !== 'metricSource' ? x : dropNulls(x, k);
  }
  return out;
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

const article = (word: string) => (/^[AEIOU]/.test(word) && !word.startsWith('SL') ? 'an' : /^SL/.test(word) ? 'an' : 'a');
const toPath = (pointer: string): Path => pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~')).map((t) => (/^\d+$/.test(t) ? Number(t) : t));
const at = (v: unknown, path: Path) => path.reduce<unknown>((x, k) => (x as Record<string | number, unknown> | undefined)?.[k], v);
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

export function shapeProblems(value: unknown, schema: TSchema, report: (path: Path, message: string, fix: string) => void): number {
  const seen = new Set<string>();
  let n = 0;
  for (const err of Value.Errors(schema, value)) {
    // Branches of a union are summed up by its anyOf error; additionalProperties by each extra key.
    if (err.keyword === 'additionalProperties' || /\/anyOf\/\d+/.test(err.schemaPath)) continue;
    const path = toPath(err.instancePath);
    // An inner error under a field already reported adds nothing true.
    if ([...seen].some((s) => err.instancePath === s || err.instancePath.startsWith(`${s}/`))) continue;
    if (err.keyword === 'required') {
      for (const m of (err.params as { requiredProperties?: string[] }).requiredProperties ?? []) {
        const desc = describe(schema, `${err.schemaPath}/properties/${m}`);
        report([...path, m], 'is required', `add ${m}${desc ? `: ${desc}` : ''}`);
        n++;
      }
      continue;
    }
    seen.add(err.instancePath);
    n++;
    if (err.keyword === 'boolean') {
      report(path, 'is not an OpenSLO field here', 'remove it or correct its spelling');
      continue;
    }
    const got = at(value, path);
    const desc = describe(schema, err.schemaPath);
    const message = err.keyword === 'pattern' || err.keyword === 'anyOf' ? `${show(got)} is not valid` : `${show(got)} ${err.message}`;
    report(path, message, `write ${desc ?? 'a valid value'}`);
  }
  return n;
}

type Report = (path: Path, message: string, fix: string) => void;

function metadataRules(meta: AnyDoc['metadata'], path: Path, report: Report): void {
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    if (!LABEL_KEY.test(k)) report([...path, 'labels', k], `${JSON.stringify(k)} is not a label key`, 'use at most 63 letters, digits, "-", "_" or "." that begin and end with a letter or digit');
    else if (!(typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')))) report([...path, 'labels', k], `${show(v)} is neither a string nor a list of strings`, `write ${k}: value, or ${k}: [a, b]`);
  }
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (!ANNOTATION_KEY.test(k) || k.length > 253 + 1 + 63) report([...path, 'annotations', k], `${JSON.stringify(k)} is not an annotation key`, 'write an optional DNS prefix and "/", then a name like a label key, such as example.com/dashboard');
    else if (typeof v !== 'string') report([...path, 'annotations', k], `${show(v)} is not a string`, 'quote the value');
  }
}

function metricRules(m: MetricT, path: Path, report: Report): void {
  if (!m.metricSource.metricSourceRef && !m.metricSource.type) {
    report([...path, 'metricSource'], 'has neither type nor metricSourceRef', 'add metricSourceRef: <DataSource name>, or type: such as Prometheus');
  }
}

export function sliRules(spec: SliSpecT, path: Path, report: Report): void {
  const { thresholdMetric, ratioMetric } = spec;
  if (!!thresholdMetric === !!ratioMetric) {
    report(path, thresholdMetric ? 'has both thresholdMetric and ratioMetric' : 'has neither thresholdMetric nor ratioMetric', 'give exactly one: ratioMetric (good or bad, with total; or raw) or thresholdMetric');
    return;
  }
  if (thresholdMetric) {
    metricRules(thresholdMetric, [...path, 'thresholdMetric'], report);
    return;
  }
  const r = ratioMetric!;
  const rp = [...path, 'ratioMetric'];
  if (r.total && r.raw) {
    report([...rp, 'raw'], 'is given together with total', 'keep either good or bad with total, or raw with rawType');
    return;
  }
  if (r.raw) {
    if (r.good || r.bad) {
    report([...rp, r.good ? 'good' : 'bad'], 'is given together with raw', 'remove good and bad: raw is a precomputed ratio');
    return;
  }
    if (!r.rawType) {
    report([...rp, 'rawType'], 'is required with raw', 'add rawType: success (raw is good ÷ total) or failure (bad ÷ total)');
    return;
  }
    metricRules(r.raw, [...rp, 'raw'], report);
    return;
  }
  if (!r.total) {
    report([...rp, 'total'], 'is required', 'add total: the count of all events (or use raw with rawType for a precomputed ratio)');
    return;
  }
  if (r.good && r.bad) {
    report([...rp, 'bad'], 'is given together with good', 'keep either good or bad (with total), not both');
    return;
  }
  if (!r.good && !r.bad) {
    report(rp, 'has neither good nor bad', 'add good (or bad) beside total');
    return;
  }
  if (r.rawType) {
    report([...rp, 'rawType'], 'applies to raw only', 'remove rawType, or use raw instead of good/bad and total');
    return;
  }
  for (const k of ['good', 'bad', 'total'] as const) if (r[k]) metricRules(r[k]!, [...rp, k], report);
}

function policyRules(spec: AlertPolicySpecT, path: Path, report: Report): void {
  if (spec.conditions.length !== 1) report([...path, 'conditions'], `has ${spec.conditions.length} conditions`, 'give exactly one condition (OpenSLO v1 allows one per AlertPolicy; add more policies for more conditions)');
  spec.conditions.forEach((c, i) => refOrInline(c as Record<string, unknown>, 'conditionRef', 'AlertCondition', [...path, 'conditions', i], report));
  (spec.notificationTargets ?? []).forEach((t, i) => refOrInline(t as Record<string, unknown>, 'targetRef', 'AlertNotificationTarget', [...path, 'notificationTargets', i], report));
}

/** {ref: name} or an inline {kind, metadata, spec}, not both and not neither. */
function refOrInline(item: Record<string, unknown>, ref: string, kind: Kind, path: Path, report: Report): void {
  const inline = ['kind', 'metadata', 'spec'].filter((k) => item[k] !== undefined);
  if (item[ref] !== undefined) {
    if (inline.length > 0) report([...path, inline[0]!], `is given together with ${ref}`, `keep either ${ref}: <name> or an inline ${kind} (kind, metadata, spec), not both`);
    return;
  }
  if (inline.length === 0) {
    report(path, `has neither ${ref} nor an inline ${kind}`, `write ${ref}: <name of an ${kind}>, or kind: ${kind} with metadata and spec`);
    return;
  }
  for (const k of ['kind', 'metadata', 'spec']) {
    if (item[k] === undefined) {
    report([...path, k], `is required for an inline ${kind}`, k === 'kind' ? `add kind: ${kind}` : `add ${k}`);
    return;
  }
  }
  metadataRules(item.metadata as AnyDoc['metadata'], [...path, 'metadata'], report);
  if (kind === 'AlertPolicy') policyRules(item.spec as AlertPolicySpecT, [...path, 'spec'], report);
}

function validLocalTime(text: string): boolean {
  const d = new Date(`${text.replace(' ', 'T')}Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 19) === text.replace(' ', 'T');
}

export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function sloRules(spec: SloSpecT, report: Report, sliOf: (spec: SloSpecT) => SliSpecT | undefined): void {
  const p: Path = ['spec'];
  const composite = spec.objectives.some((o) => o.indicator !== undefined || o.indicatorRef !== undefined);
  const top = spec.indicator !== undefined || spec.indicatorRef !== undefined;
  if (spec.indicator && spec.indicatorRef) report([...p, 'indicatorRef'], 'is given together with spec.indicator', 'keep either the inline indicator or indicatorRef, not both');
  else if (composite && top) report(p, 'has an indicator both on spec and on its objectives', 'put the indicator on spec (one SLI), or on every objective (a composite SLO), not both');
  else if (!composite && !top) report(p, 'has neither indicator nor indicatorRef', 'add indicatorRef: <name of an SLI document>, or an inline indicator');
  if (spec.indicator) {
    metadataRules(spec.indicator.metadata, [...p, 'indicator', 'metadata'], report);
    sliRules(spec.indicator.spec, [...p, 'indicator', 'spec'], report);
  }

  if (spec.timeWindow.length !== 1) report([...p, 'timeWindow'], `has ${spec.timeWindow.length} time windows`, 'give exactly one time window');
  spec.timeWindow.forEach((w, i) => {
    const wp: Path = [...p, 'timeWindow', i];
    if (w.isRolling === true && w.calendar) report([...wp, 'calendar'], 'is given on a rolling window (isRolling: true)', 'remove calendar for a rolling window, or remove isRolling for a calendar-aligned one');
    else if (w.isRolling !== true && !w.calendar) report([...wp, 'isRolling'], 'is not true and no calendar is given', 'set isRolling: true for a rolling window, or add calendar: {startTime, timeZone}');
    if (w.calendar && !validLocalTime(w.calendar.startTime)) report([...wp, 'calendar', 'startTime'], `"${w.calendar.startTime}" is not a real date and time`, 'write a valid local time such as 2026-01-01 00:00:00');
    if (w.calendar && !validTimeZone(w.calendar.timeZone)) report([...wp, 'calendar', 'timeZone'], `"${w.calendar.timeZone}" is not a known time zone`, 'use an IANA time zone such as UTC, Europe/Paris or America/New_York');
  });

  const sli = composite ? undefined : sliOf(spec);
  spec.objectives.forEach((o: ObjectiveT, i) => {
    const op: Path = [...p, 'objectives', i];
    if (o.target !== undefined && o.targetPercent !== undefined) report([...op, 'targetPercent'], 'is given together with target', 'keep target (a fraction such as 0.999) or targetPercent (such as 99.9), not both');
    else if (o.target === undefined && o.targetPercent === undefined) report(op, 'has neither target nor targetPercent', 'add target: 0.999 (a fraction) or targetPercent: 99.9');
    if (spec.budgetingMethod === 'Timeslices' && o.timeSliceTarget === undefined) report([...op, 'timeSliceTarget'], 'is required with budgetingMethod: Timeslices', 'add timeSliceTarget: the good ratio a slice must reach, such as 0.95');
    if (spec.budgetingMethod !== 'Occurrences' && o.timeSliceWindow === undefined) report([...op, 'timeSliceWindow'], `is required with budgetingMethod: ${spec.budgetingMethod}`, 'add timeSliceWindow: the slice length, such as 1m or 5m');
    if (sli?.thresholdMetric) {
      if (o.op === undefined) report([...op, 'op'], 'is required for a thresholdMetric', 'add op: lte (good when the value is at most `value`), or lt, gte, gt');
      if (o.value === undefined) report([...op, 'value'], 'is required for a thresholdMetric', 'add value: the threshold, such as 0.2 for 200 ms');
    } else if (sli?.ratioMetric) {
      for (const k of ['op', 'value'] as const) {
        if (o[k] !== undefined) report([...op, k], 'applies to a thresholdMetric only', `remove ${k} from the objective of a ratioMetric SLI`);
      }
    }
    if (composite) {
      if (o.indicator && o.indicatorRef) report([...op, 'indicatorRef'], 'is given together with indicator', 'keep either the inline indicator or indicatorRef, not both');
      else if (!o.indicator && !o.indicatorRef) report(op, 'has neither indicator nor indicatorRef, as every objective of a composite SLO needs', 'add indicatorRef: <name of an SLI document>');
      if (o.indicator) {
        metadataRules(o.indicator.metadata, [...op, 'indicator', 'metadata'], report);
        sliRules(o.indicator.spec, [...op, 'indicator', 'spec'], report);
      }
    } else if (o.compositeWeight !== undefined) report([...op, 'compositeWeight'], 'applies to composite SLOs only', 'remove compositeWeight, or give each objective its own indicator');
  });
  (spec.alertPolicies ?? []).forEach((a, i) => refOrInline(a as Record<string, unknown>, 'alertPolicyRef', 'AlertPolicy', [...p, 'alertPolicies', i], report));
}

/** Validates documents alone and together (unique names, references). */
export function validateDocuments(raws: readonly RawDoc[]): Validated {
  const problems: SpecProblem[] = [];
  const notices: SpecProblem[] = [];
  const index = new Map<Kind, Map<string, Entry>>(KINDS.map((k) => [k, new Map()]));
  const entries: Entry[] = [];
  const pending: Entry[] = [];
  // names of documents with problems of their own: a reference to one is not "missing"
  const broken = new Set<string>();

  for (const raw of raws) {
    const value = dropNulls(raw.value) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ file: raw.file, line: raw.lineOf([]), field: '(document)', message: 'is not a mapping', fix: 'write an OpenSLO document with apiVersion, kind, metadata and spec' });
      continue;
    }
    const name = typeof value.metadata?.name === 'string' ? value.metadata.name : undefined;
    const kind = value.kind as Kind;
    if (value.apiVersion !== 'openslo/v1') {
      const v = value.apiVersion;
      problems.push({ file: raw.file, line: raw.lineOf(['apiVersion']), kind: typeof kind === 'string' ? kind : undefined, name, field: 'apiVersion',
        message: v === undefined ? 'is required' : `${show(v)} is not a version Pilothouse reads`, fix: 'write apiVersion: openslo/v1 (convert v1alpha documents with oslo convert)' });
      continue;
    }
    if (!KINDS.includes(kind)) {
      problems.push({ file: raw.file, line: raw.lineOf(['kind']), name, field: 'kind', message: value.kind === undefined ? 'is required' : `${show(value.kind)} is not an OpenSLO v1 kind`, fix: `use one of ${KINDS.join(', ')}` });
      continue;
    }
    const found: SpecProblem[] = [];
    const report: Report = (path, message, fix) => found.push({ file: raw.file, line: raw.lineOf(path), kind, name, field: fieldPath(path), message, fix });
    shapeProblems(value, SCHEMAS[kind], report);
    if (found.length === 0) {
      const doc = value as unknown as AnyDoc;
      metadataRules(doc.metadata, ['metadata'], report);
      if (kind === 'SLI') sliRules(doc.spec as SliSpecT, ['spec'], report);
      if (kind === 'AlertPolicy') policyRules(doc.spec as AlertPolicySpecT, ['spec'], report);
    }
    problems.push(...found);
    if (found.length > 0 && name) broken.add(`${kind}/${name}`);
    if (found.length > 0 || !name) continue;
    const entry: Entry = { kind, name, doc: value as unknown as AnyDoc, raw: { ...raw, value } };
    const prior = index.get(kind)!.get(name);
    if (prior) {
      problems.push({ file: raw.file, line: raw.lineOf(['metadata', 'name']), kind, name, field: 'metadata.name', message: `is also the name of ${article(kind)} ${kind} in ${prior.raw.file}${prior.raw.lineOf([]) ? `:${prior.raw.lineOf([])}` : ''}`, fix: `give each ${kind} a unique name` });
      continue;
    }
    index.get(kind)!.set(name, entry);
    entries.push(entry);
    pending.push(entry);
  }

  // Rules that need other documents (an SLO's objectives against its referenced SLI), then references.
  // A document naming one that turned out invalid becomes invalid in turn: repeat until stable.
  const valid = new Set(entries);
  for (let changed = true; changed;) {
    changed = false;
    for (const entry of pending) {
      if (!valid.has(entry)) continue;
      const found: SpecProblem[] = [];
      const rep: Report = (path, message, fix) => found.push({ file: entry.raw.file, line: entry.raw.lineOf(path), kind: entry.kind, name: entry.name, field: fieldPath(path), message, fix });
      const noted: SpecProblem[] = [];
      if (entry.kind === 'SLO') {
        const spec = entry.doc.spec as unknown as SloSpecT;
        sloRules(spec, rep, (s) => s.indicator?.spec ?? (s.indicatorRef ? (index.get('SLI')!.get(s.indicatorRef)?.doc.spec as SliSpecT | undefined) : undefined));
        if (found.length === 0) references(entry, index, broken, rep, noted);
      } else references(entry, index, broken, rep, noted);
      if (found.length === 0) continue;
      problems.push(...found);
      valid.delete(entry);
      index.get(entry.kind)!.delete(entry.name);
      broken.add(`${entry.kind}/${entry.name}`);
      changed = true;
    }
  }
  for (const entry of pending) {
    if (valid.has(entry)) references(entry, index, broken, () => undefined, notices);
  }
  for (const e of entries.filter((x) => !valid.has(x))) index.get(e.kind)!.delete(e.name);
  return { index, entries: entries.filter((x) => valid.has(x)), problems, notices };
}

/** Every name a document refers to must be a document of that kind; a missing Service is implied. */
function references(entry: Entry, index: Map<Kind, Map<string, Entry>>, broken: ReadonlySet<string>, report: Report, notices: SpecProblem[]): void {
  const need = (kind: Kind, name: string, path: Path) => {
    if (index.get(kind)!.has(name)) return;
    if (broken.has(`${kind}/${name}`)) report(path, `names the ${kind} "${name}", which has problems of its own`, `correct that ${kind} (its problems are listed)`);
    else report(path, `no ${kind} named "${name}"`, `add ${article(kind)} ${kind} document named ${name}, or name an existing one`);
  };
  const metric = (m: MetricT | undefined, path: Path) => {
    if (m?.metricSource.metricSourceRef) need('DataSource', m.metricSource.metricSourceRef, [...path, 'metricSource', 'metricSourceRef']);
  };
  const sli = (s: SliSpecT, path: Path) => {
    metric(s.thresholdMetric, [...path, 'thresholdMetric']);
    for (const k of ['good', 'bad', 'total', 'raw'] as const) metric(s.ratioMetric?.[k], [...path, 'ratioMetric', k]);
  };
  const policy = (s: AlertPolicySpecT, path: Path) => {
    s.conditions.forEach((c, i) => c.conditionRef && need('AlertCondition', c.conditionRef, [...path, 'conditions', i, 'conditionRef']));
    (s.notificationTargets ?? []).forEach((t, i) => t.targetRef && need('AlertNotificationTarget', t.targetRef, [...path, 'notificationTargets', i, 'targetRef']));
  };
  const spec = entry.doc.spec as Record<string, unknown>;
  if (entry.kind === 'SLI') sli(spec as SliSpecT, ['spec']);
  if (entry.kind === 'AlertPolicy') policy(spec as AlertPolicySpecT, ['spec']);
  if (entry.kind !== 'SLO') return;
  const s = spec as unknown as SloSpecT;
  if (!index.get('Service')!.has(s.service)) {
    notices.push({ file: entry.raw.file, line: entry.raw.lineOf(['spec', 'service']), kind: 'SLO', name: entry.name, field: 'spec.service', level: 'notice',
      message: `no Service named "${s.service}" is defined, so it is implied`, fix: `add a Service document named ${s.service} to give it a display name and description` });
  }
  if (s.indicatorRef) need('SLI', s.indicatorRef, ['spec', 'indicatorRef']);
  if (s.indicator) sli(s.indicator.spec, ['spec', 'indicator', 'spec']);
  s.objectives.forEach((o, i) => {
    if (o.indicatorRef) need('SLI', o.indicatorRef, ['spec', 'objectives', i, 'indicatorRef']);
    if (o.indicator) sli(o.indicator.spec, ['spec', 'objectives', i, 'indicator', 'spec']);
  });
  (s.alertPolicies ?? []).forEach((a, i) => {
    if (a.alertPolicyRef) need('AlertPolicy', a.alertPolicyRef, ['spec', 'alertPolicies', i, 'alertPolicyRef']);
    else if (a.spec) policy(a.spec, ['spec', 'alertPolicies', i, 'spec']);
  });
}

// Label and field selectors with the grammar and semantics of k8s.io/apimachinery:
// `a=b,c!=d,e in (x,y),f notin (z),g,!h`. Pure functions: parse once, match many.
import { badRequest } from './status.ts';

export type Operator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement { key: string; op: Operator; values: string[] }

export type Selector = Requirement[];

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function fail(text: string, why: string): never {
  throw badRequest(`unable to parse requirement: ${why} (in selector "${text}")`);
}

function checkKey(text: string, key: string): string {
  const name = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key;
  if (!KEY.test(key) || name.length > 63) fail(text, `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  return key;
}

function checkValue(text: string, value: string): string {
  if (value.length > 63 || !VALUE.test(value)) fail(text, `invalid label value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  return value;
}

/** Splits on commas that are not inside `( )`. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Parses a label selector string; an empty string selects everything. Throws a 400 ApiError. */
export function parseLabelSelector(text: string | undefined): Selector {
  if (!text?.trim()) return [];
  const out: Selector = [];
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    if (!part) fail(text, 'found \'\', expected: !, identifier, or \'end of string\'');
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^!\s*([^\s=!<>()]+)$/))) {
      out.push({ key: checkKey(text, m[1]!), op: '!', values: [] });
    } else if ((m = part.match(/^([^\s=!<>()]+)\s+(in|notin)\s*\((.*)\)$/))) {
      const values = m[3]!.split(',').map((v) => checkValue(text, v.trim()));
      if (m[3]!.trim() === '' ) fail(text, `for 'in', 'notin' operators, values set can't be empty`);
      out.push({ key: checkKey(text, m[1]!), op: m[2] as 'in' | 'notin', values });
    } else if ((m = part.match(/^([^\s=!<>()]+)\s*(==|=|!=)\s*([^\s=!<>(),]*)$/))) {
      out.push({ key: checkKey(text, m[1]!), op: m[2] === '!=' ? '!=' : '=', values: [checkValue(text, m[3]!)] });
    } else if ((m = part.match(/^([^\s=!<>()]+)\s*(>|<)\s*(-?\d+)$/))) {
      out.push({ key: checkKey(text, m[1]!), op: m[2] === '>' ? 'gt' : 'lt', values: [m[3]!] });
    } else if ((m = part.match(/^([^\s=!<>()]+)$/))) {
      out.push({ key: checkKey(text, m[1]!), op: 'exists', values: [] });
    } else {
      fail(text, `"${part}" is not a requirement: expected key, !key, key=value, key==value, key!=value, key in (v1,v2), key notin (v1,v2)`);
    }
  }
  return out;
}

export function matchesLabels(selector: Selector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=': return has && v === r.values[0];
      case '!=': return !has || v !== r.values[0];
      case 'in': return has && r.values.includes(v!);
      case 'notin': return !has || !r.values.includes(v!);
      case 'exists': return has;
      case '!': return !has;
      case 'gt': return has && /^-?\d+$/.test(v!) && Number(v) > Number(r.values[0]);
      case 'lt': return has && /^-?\d+$/.test(v!) && Number(v) < Number(r.values[0]);
    }
  });
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** A metav1.LabelSelector (as in Deployment.spec.selector) as requirements. */
export function fromLabelSelector(sel: LabelSelectorObject | undefined): Selector {
  if (!sel) return [];
  const out: Selector = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, op: '=' as const, values: [v] }));
  for (const e of sel.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const)[e.operator];
    out.push({ key: e.key, op, values: e.values ?? [] });
  }
  return out;
}

/** The string form, as in Scale.status.selector: `app=web,tier in (a,b)`. */
export function selectorToString(sel: Selector): string {
  return sel.map((r) => {
    switch (r.op) {
      case '=': return `${r.key}=${r.values[0]}`;
      case '!=': return `${r.key}!=${r.values[0]}`;
      case 'in': return `${r.key} in (${r.values.join(',')})`;
      case 'notin': return `${r.key} notin (${r.values.join(',')})`;
      case 'exists': return r.key;
      case '!': return `!${r.key}`;
      case 'gt': return `${r.key}>${r.values[0]}`;
      case 'lt': return `${r.key}<${r.values[0]}`;
    }
  }).sort().join(',');
}

export interface FieldRequirement { field: string; op: '=' | '!='; value: string }

/** Parses `spec.nodeName=n1,status.phase!=Running`; `allowed` lists the fields the resource supports. */
export function parseFieldSelector(text: string | undefined, allowed: readonly string[]): FieldRequirement[] {
  if (!text?.trim()) return [];
  return text.split(',').map((part) => {
    const m = part.trim().match(/^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid field selector "${text}": "${part}" must be field=value, field==value or field!=value`);
    const field = m[1]!;
    if (!allowed.includes(field)) throw badRequest(`field label not supported: ${field} (supported: ${allowed.join(', ')})`);
    return { field, op: m[2] === '!=' ? '!=' as const : '=' as const, value: m[3]!.trim() };
  });
}

function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const p of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  if (cur === undefined || cur === null) return '';
  return String(cur);
}

export function matchesFields(reqs: FieldRequirement[], obj: unknown): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === '='));
}

// Field validation as the API server does it (k8s.io/apimachinery validation): names,
// labels, pod templates, quantities. Each check returns causes; the caller turns a non-empty
// list into a 422 Invalid Status.
import type { StatusCause } from './status.ts';
import { isQuantity } from './quantity.ts';
import { fromLabelSelector, matchesLabels, type LabelSelectorObject } from './selectors.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const invalidValue = (field: string, value: unknown, why: string): StatusCause =>
  ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` });
export const required = (field: string): StatusCause => ({ reason: 'FieldValueRequired', field, message: 'Required value' });
export const forbiddenField = (field: string, why: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${why}` });
export const notSupported = (field: string, value: unknown, supported: string[]): StatusCause =>
  ({ reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}` });

/**
 * Why a JSON value cannot be decoded into a Go field of type `want` (the API server answers
 * 400 before anything else), worded as encoding/json words it; undefined when it can.
 */
export function decodeProblem(value: unknown, want: 'int32' | 'bool' | 'string', goField: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const ok = want === 'int32' ? Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31
    : want === 'bool' ? typeof value === 'boolean' : typeof value === 'string';
  if (ok) return undefined;
  const got = typeof value === 'number' ? `number ${value}` : typeof value === 'boolean' ? 'bool' : Array.isArray(value) ? 'array' : typeof value;
  return `json: cannot unmarshal ${got} into Go struct field ${goField} of type ${want}`;
}

export function validateName(name: string, kind: 'label' | 'subdomain', field = 'metadata.name'): StatusCause[] {
  if (kind === 'label') {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
      return [invalidValue(field, name, `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`)];
    }
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return [invalidValue(field, name, `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`)];
  }
  return [];
}

export function validateLabels(labels: unknown, field: string): StatusCause[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels)) return [invalidValue(field, labels, 'must be a map of strings')];
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const slash = k.indexOf('/');
    const prefix = slash >= 0 ? k.slice(0, slash) : '';
    const name = slash >= 0 ? k.slice(slash + 1) : k;
    if ((prefix && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) || name.length > 63 || !LABEL_NAME.test(name)) {
      out.push(invalidValue(field, k, 'name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character'));
    }
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
      out.push(invalidValue(`${field}.${k}`, v, 'a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character'));
    }
  }
  return out;
}

export function validateAnnotations(ann: unknown, field: string): StatusCause[] {
  if (ann === undefined || ann === null) return [];
  if (typeof ann !== 'object' || Array.isArray(ann)) return [invalidValue(field, ann, 'must be a map of strings')];
  return Object.entries(ann).filter(([, v]) => typeof v !== 'string').map(([k, v]) => invalidValue(`${field}.${k}`, v, 'annotation values must be strings'));
}

export function validateResources(res: any, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  for (const kind of ['requests', 'limits'] as const) {
    for (const [name, q] of Object.entries(res?.[kind] ?? {})) {
      if (!isQuantity(q)) out.push(invalidValue(`${field}.${kind}.${name}`, q, `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`));
    }
  }
  return out;
}

export function validatePodSpec(spec: any, field: string): StatusCause[] {
  if (!spec || typeof spec !== 'object') return [required(field)];
  const out: StatusCause[] = [];
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) return [required(`${field}.containers`)];
  const seen = new Set<string>();
  containers.forEach((c: any, i: number) => {
    const f = `${field}.containers[${i}]`;
    if (!c?.name) out.push(required(`${f}.name`));
    else {
      out.push(...validateName(c.name, 'label', `${f}.name`));
      if (seen.has(c.name)) out.push({ reason: 'FieldValueDuplicate', field: `${f}.name`, message: `Duplicate value: "${c.name}"` });
      seen.add(c.name);
    }
    if (!c?.image) out.push(required(`${f}.image`));
    out.push(...validateResources(c?.resources, `${f}.resources`));
  });
  if (spec.restartPolicy !== undefined && !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy)) {
    out.push(notSupported(`${field}.restartPolicy`, spec.restartPolicy, ['Always', 'OnFailure', 'Never']));
  }
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && !['Never', 'PreemptLowerPriority'].includes(spec.preemptionPolicy)) {
    out.push(notSupported(`${field}.preemptionPolicy`, spec.preemptionPolicy, ['Never', 'PreemptLowerPriority']));
  }
  if (spec.priorityClassName) out.push(...validateName(spec.priorityClassName, 'subdomain', `${field}.priorityClassName`));
  return out;
}

/** Deployment and ReplicaSet: a selector that the template's labels satisfy. */
export function validateWorkloadSpec(spec: any, kind: 'Deployment' | 'ReplicaSet'): StatusCause[] {
  if (!spec || typeof spec !== 'object') return [required('spec')];
  const out: StatusCause[] = [];
  if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0)) {
    out.push(invalidValue('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  }
  const sel = spec.selector as LabelSelectorObject | undefined;
  const reqs = fromLabelSelector(sel);
  if (!sel) out.push(required('spec.selector'));
  else if (reqs.length === 0) out.push(invalidValue('spec.selector', sel, 'empty selector is invalid for deployment'));
  const labels = spec.template?.metadata?.labels;
  out.push(...validateLabels(labels, 'spec.template.metadata.labels'));
  if (sel && reqs.length > 0 && !matchesLabels(reqs, labels)) {
    out.push(invalidValue('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'));
  }
  out.push(...validatePodSpec(spec.template?.spec, 'spec.template.spec'));
  if (kind === 'Deployment' && spec.strategy?.type !== undefined && !['RollingUpdate', 'Recreate'].includes(spec.strategy.type)) {
    out.push(notSupported('spec.strategy.type', spec.strategy.type, ['Recreate', 'RollingUpdate']));
  }
  return out;
}

const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;

/** metav1.MicroTime parses with RFC3339Micro: exactly six fractional digits. */
export function microTimeProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !MICRO_TIME.test(value)) {
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    return `parsing time "${shown}" as "2006-01-02T15:04:05.000000Z07:00": a MicroTime needs exactly six fractional digits (use V1MicroTime, not Date)`;
  }
  return undefined;
}

// The four patch types the API server accepts. JSON patch (RFC 6902) is fast-json-patch;
// merge patch (RFC 7386) is a few lines; strategic merge patch is merge patch plus, for the
// lists Kubernetes marks with a merge key (containers by name, conditions by type...),
// merging list items by that key and honouring `$patch: delete|replace` directives.
import jsonpatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import { badRequest, ApiError, unsupportedMediaType } from './status.ts';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType {
  const base = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const t = PATCH_CONTENT_TYPES[base];
  if (!t) throw unsupportedMediaType(base || '(none)');
  return t;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** List fields merged by key under strategic merge patch (from the Kubernetes API's patchMergeKey tags). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name', initContainers: 'name', ephemeralContainers: 'name', volumes: 'name', volumeMounts: 'mountPath',
  env: 'name', ports: 'containerPort', conditions: 'type', imagePullSecrets: 'name', tolerations: 'key',
  hostAliases: 'ip', ownerReferences: 'uid', volumeDevices: 'devicePath', topologySpreadConstraints: 'topologyKey',
};
// Service ports merge by `port`, not `containerPort`.
const SERVICE_PORT_KEY = 'port';

function strategicList(field: string, target: unknown, patch: unknown[], path: string[]): unknown[] {
  let key = MERGE_KEYS[field];
  if (field === 'ports' && path.at(-2) === 'spec' && patch.some((p) => isObject(p) && 'port' in p && !('containerPort' in p))) key = SERVICE_PORT_KEY;
  if (!key || !Array.isArray(target)) return patch.filter((p) => !(isObject(p) && '$patch' in p)).map((p) => structuredClone(p));
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) return patch.filter((p) => !(isObject(p) && p.$patch === 'replace'));
  const out = target.map((t) => structuredClone(t));
  for (const item of patch) {
    if (!isObject(item) || !(key in item)) { out.push(structuredClone(item)); continue; }
    const at = out.findIndex((t) => isObject(t) && t[key] === item[key]);
    if (item.$patch === 'delete') { if (at >= 0) out.splice(at, 1); continue; }
    if (at >= 0) out[at] = strategicMerge(out[at], item, [...path, field]);
    else out.push(strategicMerge(undefined, item, [...path, field]));
  }
  return out;
}

export function strategicMerge(target: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') { const { $patch: _, ...rest } = patch; return structuredClone(rest); }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/') || k === '$retainKeys') continue;
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = strategicList(k, out[k], v, [...path, k]);
    else out[k] = strategicMerge(out[k], v, [...path, k]);
    if (out[k] === undefined) delete out[k];
  }
  return out;
}

/** Parses the raw body for `type` and applies it to a copy of `current`. */
export function applyPatch(type: PatchType, current: unknown, body: unknown): Record<string, any> {
  let patch = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try { patch = type === 'apply' ? parseYaml(String(body), { maxAliasCount: 50 }) : JSON.parse(String(body)); } catch (err) {
      throw badRequest(`error decoding patch: ${(err as Error).message}`);
    }
  }
  if (type === 'json') {
    if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch (a JSON patch is an array of operations)');
    const problem = jsonpatch.validate(patch as jsonpatch.Operation[], current);
    if (problem) {
      // A failed `test` operation is the JSON patch way to express a precondition.
      if (problem.name === 'TEST_OPERATION_FAILED') throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: testing value failed at ${(problem.operation as { path?: string })?.path}`);
      throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${problem.message.split('\n')[0]}`);
    }
    return jsonpatch.applyPatch(structuredClone(current), patch as jsonpatch.Operation[], false, false).newDocument as Record<string, any>;
  }
  if (!isObject(patch)) throw badRequest(`error decoding patch: a ${type} patch must be a JSON object`);
  // Server-side apply is approximated by a strategic merge: no field ownership is tracked.
  return (type === 'merge' ? mergePatch(current, patch) : strategicMerge(current, patch)) as Record<string, any>;
}

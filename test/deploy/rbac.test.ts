// The RBAC in deploy/ is what the code calls: every Kubernetes API call in Pilothouse's
// source maps to (API group, resource, verb), and the ClusterRole and Role grant exactly
// that set, with no wildcards. A new call without a rule fails here (and, at run time, the
// controllers' tests against the RBAC-enforcing sandbox); a rule nothing calls fails too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findObject, rbacObjects } from './manifests.ts';

const ROOT = join(import.meta.dirname, '../..');
// Where Pilothouse's own Kubernetes calls live (sandbox/ is the simulated cluster, not a client).
const SOURCE_DIRS = ['kube', 'controllers', 'collectors', 'server', 'admission', 'tenancy', 'slo'];

// The typed clients the code makes, by the property or variable name it calls them through.
const API_GROUPS: Record<string, { api: string; group: string }> = {
  core: { api: 'CoreV1Api', group: '' },
  apps: { api: 'AppsV1Api', group: 'apps' },
  policy: { api: 'PolicyV1Api', group: 'policy' },
  coordination: { api: 'CoordinationV1Api', group: 'coordination.k8s.io' },
  scheduling: { api: 'SchedulingV1Api', group: 'scheduling.k8s.io' },
};
// VersionApi reads /version, which every user may (the system:public-info-viewer binding).
const KNOWN_APIS = new Set([...Object.values(API_GROUPS).map((a) => a.api), 'CustomObjectsApi', 'VersionApi']);
const VERBS: Record<string, string> = { read: 'get', get: 'get', list: 'list', create: 'create', replace: 'update', patch: 'patch', delete: 'delete', deleteCollection: 'deletecollection' };
// Namespaced resources Pilothouse uses only in its own namespace: granted by the Role.
const OWN_NAMESPACE = new Set(['coordination.k8s.io/leases']);

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const plural = (kind: string) => {
  const k = kind.toLowerCase();
  return k.endsWith('s') ? `${k}es` : k.endsWith('y') ? `${k.slice(0, -1)}ies` : `${k}s`;
};

interface Call { permission: string; where: string }

/** group/resource[/sub] verb, for every typed or custom-object call in the source. */
function callsInSource(): { calls: Call[]; apis: Set<string> } {
  const calls: Call[] = [];
  const apis = new Set<string>();
  for (const file of SOURCE_DIRS.flatMap((d) => sources(join(ROOT, d)))) {
    const text = readFileSync(file, 'utf8');
    const where = file.slice(ROOT.length + 1);
    for (const m of text.matchAll(/k8s\.(\w+Api)\b/g)) apis.add(m[1]!);
    for (const m of text.matchAll(/\b(core|apps|policy|coordination|scheduling)\.(read|list|create|replace|patch|delete|deleteCollection)(Namespaced)?([A-Z]\w*?)(Status|Scale|Eviction)?(ForAllNamespaces)?\(/g)) {
      const [, api, verb, , kind, sub] = m;
      const resource = plural(kind!) + (sub ? `/${sub.toLowerCase()}` : '');
      calls.push({ permission: `${API_GROUPS[api!]!.group}/${resource} ${VERBS[verb!]}`, where });
    }
    for (const m of text.matchAll(/\.(get|list|create|replace|patch|delete)(?:Namespaced|Cluster)CustomObject(Status)?\(\{([^}]*)\}/g)) {
      const group = /group:\s*'([^']+)'/.exec(m[3]!)?.[1];
      const res = /plural:\s*'([^']+)'/.exec(m[3]!)?.[1];
      assert.ok(group && res, `${where}: a custom-object call whose group and plural are not literals: ${m[0]}`);
      calls.push({ permission: `${group}/${res}${m[2] ? '/status' : ''} ${VERBS[m[1]!]}`, where });
    }
  }
  return { calls, apis };
}

interface Rule { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[]; nonResourceURLs?: string[] }

function granted(rules: Rule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) for (const g of r.apiGroups ?? []) for (const res of r.resources ?? []) for (const v of r.verbs) out.add(`${g}/${res} ${v}`);
  return out;
}

const objects = rbacObjects();
const clusterRole = findObject(objects, 'ClusterRole', 'pilothouse');
const role = findObject(objects, 'Role');
const { calls, apis } = callsInSource();

test('the scanner knows every Kubernetes API client the code makes', () => {
  assert.ok(calls.length > 20, `${calls.length} calls found`);
  assert.deepEqual([...apis].filter((a) => !KNOWN_APIS.has(a) && a !== 'ApiException'), [], 'teach this test the new client (group and property name)');
});

test('no rule uses a wildcard', () => {
  for (const r of [...clusterRole.rules, ...role.rules] as Rule[]) {
    for (const v of [...(r.apiGroups ?? []), ...(r.resources ?? []), ...r.verbs]) assert.notEqual(v, '*', JSON.stringify(r));
  }
});

test('the ClusterRole grants exactly the cluster-wide calls the code makes', () => {
  const needed = new Set(calls.map((c) => c.permission).filter((p) => !OWN_NAMESPACE.has(p.split(' ')[0]!)));
  const have = granted(clusterRole.rules);
  const missing = [...needed].filter((p) => !have.has(p)).map((p) => `${p} (${calls.find((c) => c.permission === p)!.where})`);
  const unused = [...have].filter((p) => !needed.has(p));
  assert.deepEqual(missing, [], 'called but not granted');
  assert.deepEqual(unused, [], 'granted but never called');
});

test('the Role grants exactly the lease calls of leader election, in Pilothouse\'s namespace', () => {
  const needed = new Set(calls.map((c) => c.permission).filter((p) => OWN_NAMESPACE.has(p.split(' ')[0]!)));
  assert.deepEqual([...granted(role.rules)].sort(), [...needed].sort());
  assert.ok(needed.size > 0);
});

test('both roles are bound to the ServiceAccount the Deployment runs as', () => {
  const sa = findObject(objects, 'ServiceAccount');
  for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
    const b = findObject(objects, kind);
    assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }], kind);
  }
  assert.equal(findObject(objects, 'ClusterRoleBinding').roleRef.name, clusterRole.metadata.name);
  assert.equal(findObject(objects, 'RoleBinding').roleRef.name, role.metadata.name);
});

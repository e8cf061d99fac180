// Every overlay of deploy/ renders with kustomize, every object validates against its
// Kubernetes (or prometheus-operator) schema, and the parts that keep Pilothouse available
// and contained are there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { skipWithout } from '../tools.ts';
import { DEPLOY, OVERLAYS, findObject, render, type Manifest } from './manifests.ts';
import { renderRules } from '../../slo/rules/render.ts';

const skip = skipWithout('kubectl');

// Kinds no installed model package describes: checked field by field below instead.
const UNMODELLED = new Set(['postgresql.cnpg.io/v1 Cluster', 'postgresql.cnpg.io/v1 ScheduledBackup', 'barmancloud.cnpg.io/v1 ObjectStore']);

async function modelOf(o: Manifest): Promise<(new (data: unknown) => { validate(): void }) | undefined> {
  const path = o.apiVersion.startsWith('monitoring.coreos.com/')
    ? `@kubernetes-models/prometheus-operator/${o.apiVersion}`
    : `kubernetes-models/${o.apiVersion}`;
  try {
    return (await import(path))[o.kind];
  } catch {
    return undefined;
  }
}

const podSpec = (objects: Manifest[]) => findObject(objects, 'Deployment', 'pilothouse').spec.template.spec;
const container = (objects: Manifest[]) => podSpec(objects).containers[0];
const envOf = (objects: Manifest[], name: string) => container(objects).env.find((e: { name: string }) => e.name === name);
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

test('there are overlays for an external database, CloudNativePG and production', () => {
  assert.deepEqual(OVERLAYS, ['cloudnative-pg', 'external-database', 'production']);
});

for (const overlay of OVERLAYS) {
  test(`overlay ${overlay}: every object validates against its schema`, { skip }, async () => {
    const objects = render(`overlays/${overlay}`);
    assert.ok(objects.length > 10, `${objects.length} objects`);
    const problems: string[] = [];
    for (const o of objects) {
      const Model = await modelOf(o);
      if (!Model) {
        if (!UNMODELLED.has(`${o.apiVersion} ${o.kind}`)) problems.push(`${o.apiVersion} ${o.kind} ${o.metadata.name}: no model to validate it against`);
        continue;
      }
      try {
        new Model(o).validate();
      } catch (err) {
        problems.push(`${o.kind} ${o.metadata.name}: ${(err as Error).message}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test(`overlay ${overlay}: namespaced objects land in the pilothouse namespace`, { skip }, () => {
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    for (const o of render(`overlays/${overlay}`)) {
      if (clusterScoped.has(o.kind)) assert.equal(o.metadata.namespace, undefined, `${o.kind} ${o.metadata.name}`);
      else assert.equal(o.metadata.namespace, 'pilothouse', `${o.kind} ${o.metadata.name}`);
    }
  });

  test(`overlay ${overlay}: the Service, PodDisruptionBudget and NetworkPolicies select the Deployment's pods`, { skip }, () => {
    const objects = render(`overlays/${overlay}`);
    const labels = findObject(objects, 'Deployment').spec.template.metadata.labels;
    assert.ok(matches(findObject(objects, 'Service').spec.selector, labels));
    assert.ok(matches(findObject(objects, 'PodDisruptionBudget').spec.selector.matchLabels, labels));
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    for (const p of policies) assert.ok(matches(p.spec.podSelector.matchLabels, labels), p.metadata.name);
    const port = findObject(objects, 'Service').spec.ports[0].targetPort;
    assert.ok(container(objects).ports.some((p: { name: string }) => p.name === port), `targetPort ${port} is a named container port`);
  });
}

test('the Deployment runs 3 replicas that elect a leader through a Lease in their own namespace', { skip }, () => {
  const objects = render('overlays/external-database');
  const d = findObject(objects, 'Deployment');
  assert.equal(d.spec.replicas, 3);
  assert.equal(envOf(objects, 'PILOTHOUSE_LEASE').value, 'kubernetes');
  assert.equal(envOf(objects, 'PILOTHOUSE_LEASE_NAMESPACE').valueFrom.fieldRef.fieldPath, 'metadata.namespace');
  assert.equal(envOf(objects, 'PILOTHOUSE_DEMO').value, 'off');
  assert.equal(envOf(objects, 'HOST').value, '0.0.0.0');
  assert.equal(d.spec.strategy.rollingUpdate.maxUnavailable, 0);
  assert.equal(findObject(objects, 'PodDisruptionBudget').spec.maxUnavailable, 1);
});

test('the Deployment probes /healthz for liveness and /readyz (the database) for readiness', { skip }, () => {
  const c = container(render('overlays/external-database'));
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.startupProbe.httpGet.path, '/healthz');
});

test('the container has requests and limits, runs non-root on a read-only root with no capabilities', { skip }, () => {
  const objects = render('overlays/external-database');
  const c = container(objects);
  for (const r of ['cpu', 'memory']) {
    assert.ok(c.resources.requests[r], `request ${r}`);
    assert.ok(c.resources.limits[r], `limit ${r}`);
  }
  assert.equal(podSpec(objects).securityContext.runAsNonRoot, true);
  assert.ok(podSpec(objects).securityContext.runAsUser > 0);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  // The one writable place, where PILOTHOUSE_DATA_DIR points.
  const tmp = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/tmp');
  assert.ok(podSpec(objects).volumes.find((v: { name: string; emptyDir?: unknown }) => v.name === tmp.name && v.emptyDir));
  assert.ok(envOf(objects, 'PILOTHOUSE_DATA_DIR').value.startsWith('/tmp/'));
});

test('replicas spread over zones and must not share a node', { skip }, () => {
  const spread = podSpec(render('overlays/external-database')).topologySpreadConstraints as { topologyKey: string; whenUnsatisfiable: string }[];
  assert.deepEqual(spread.map((s) => [s.topologyKey, s.whenUnsatisfiable]), [['topology.kubernetes.io/zone', 'ScheduleAnyway'], ['kubernetes.io/hostname', 'DoNotSchedule']]);
});

test('DATABASE_URL comes from a Secret, never a literal', { skip }, () => {
  for (const overlay of OVERLAYS) {
    const env = envOf(render(`overlays/${overlay}`), 'DATABASE_URL');
    assert.equal(env.value, undefined, overlay);
    assert.equal(env.valueFrom.secretKeyRef.key, 'uri', overlay);
  }
  assert.equal(envOf(render('overlays/external-database'), 'DATABASE_URL').valueFrom.secretKeyRef.name, 'pilothouse-database');
});

test('the CloudNativePG overlay runs 3 instances archiving WAL every 60 s, and Pilothouse reads the app Secret it writes', { skip }, () => {
  const objects = render('overlays/cloudnative-pg');
  const cluster = findObject(objects, 'Cluster');
  assert.equal(cluster.apiVersion, 'postgresql.cnpg.io/v1');
  assert.equal(cluster.spec.instances, 3);
  assert.equal(cluster.spec.postgresql.parameters.archive_timeout, '60s');
  const archiver = cluster.spec.plugins.find((p: { isWALArchiver?: boolean }) => p.isWALArchiver);
  const store = findObject(objects, 'ObjectStore', archiver.parameters.barmanObjectName);
  assert.ok(store.spec.configuration.destinationPath.startsWith('s3://'));
  const scheduled = findObject(objects, 'ScheduledBackup');
  assert.equal(scheduled.spec.cluster.name, cluster.metadata.name);
  // CloudNativePG names the application user's Secret <cluster>-app, with a `uri` key.
  assert.equal(envOf(objects, 'DATABASE_URL').valueFrom.secretKeyRef.name, `${cluster.metadata.name}-app`);
  const egress = findObject(objects, 'NetworkPolicy', 'pilothouse-egress-database').spec.egress[0];
  assert.deepEqual(egress.to, [{ podSelector: { matchLabels: { 'cnpg.io/cluster': cluster.metadata.name } } }]);
});

test('network policies deny by default and let in only the gateway and Prometheus', { skip }, () => {
  const objects = render('overlays/external-database');
  const deny = findObject(objects, 'NetworkPolicy', 'pilothouse-default-deny');
  assert.deepEqual(deny.spec.policyTypes, ['Ingress', 'Egress']);
  assert.equal(deny.spec.ingress, undefined);
  assert.equal(deny.spec.egress, undefined);
  const from = findObject(objects, 'NetworkPolicy', 'pilothouse-ingress').spec.ingress.map((r: { from: unknown[] }) => r.from[0]);
  assert.deepEqual(from.map((f: { namespaceSelector: { matchLabels: Record<string, string> } }) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']), ['gateway', 'monitoring']);
  const ingressPolicies = objects.filter((o) => o.kind === 'NetworkPolicy' && o.spec.ingress);
  assert.equal(ingressPolicies.length, 1, 'no other policy opens ingress');
});

test('the ServiceMonitor and PrometheusRule are off unless an overlay switches them on', { skip }, () => {
  for (const overlay of ['external-database', 'cloudnative-pg']) {
    const kinds = render(`overlays/${overlay}`).map((o) => o.kind);
    assert.ok(!kinds.includes('ServiceMonitor') && !kinds.includes('PrometheusRule'), overlay);
  }
  const prod = render('overlays/production');
  const sm = findObject(prod, 'ServiceMonitor');
  assert.ok(matches(sm.spec.selector.matchLabels, findObject(prod, 'Service').metadata.labels ?? {}));
  assert.equal(sm.spec.endpoints[0].port, findObject(prod, 'Service').spec.ports[0].name);
  assert.equal(sm.spec.endpoints[0].path, '/metrics');
  assert.ok(findObject(prod, 'PrometheusRule').spec.groups.length > 0);
});

test('the PrometheusRule is what `pilothouse slo rules --prometheus-rule` generates from the specs today (npm run deploy:rules)', async () => {
  const file = join(DEPLOY, 'components/prometheus-rule/prometheusrule.yaml');
  const fresh = await renderRules({ files: [], runbookBaseUrl: 'https://pilothouse.example.com/api/v1', prometheusRule: 'pilothouse-slos' });
  assert.equal(readFileSync(file, 'utf8'), fresh.rules, 'stale: run `npm run deploy:rules`');
  const rule = parse(fresh.rules);
  assert.equal(rule.kind, 'PrometheusRule');
  const alerts = rule.spec.groups.flatMap((g: { rules: { alert?: string }[] }) => g.rules.filter((r) => r.alert));
  assert.ok(alerts.length > 0);
  for (const a of alerts) assert.match(a.annotations.runbook_url, /^https:\/\/pilothouse\.example\.com\/api\/v1\//);
});

// Remediation end to end: real Alertmanager webhook bodies through the API, the controller
// in the runtime (lease, audit, fencing), actions through the real client against the
// sandbox cluster, and an injected clock for cooldowns, expiries and verification delays.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearer } from '../../helper.ts';
import { waitFor } from '../cluster.ts';
import { alertmanagerPayload, remediationWorld } from './fixtures.ts';
import { loadPluginFile, PluginError, ActionRegistry } from '../../../controllers/remediation/actions/plugin.ts';
import { builtinActions, isCrashLooping } from '../../../controllers/remediation/actions/builtin.ts';
import { CRASH_LOOP_ANNOTATION } from '../../../sandbox/fleet/control-plane.ts';
import { loadPolicyFiles, syncRepoPolicies } from '../../../controllers/remediation/policy.ts';

const registry = new ActionRegistry();
for (const a of builtinActions()) registry.add(a);
const pluginDir = await mkdtemp(join(tmpdir(), 'ph-plugin-'));
const pluginPath = join(pluginDir, 'annotate.ts');
// A plugin as an operator writes one: no imports of ours, the client handed in.
await writeFile(pluginPath, `
export default {
  name: 'annotate-deployment',
  description: 'stamps an annotation on a Deployment',
  risky: false,
  kind: 'deployment',
  paramsSchema: { type: 'object', required: ['namespace', 'name', 'value'], properties: { namespace: { type: 'string' }, name: { type: 'string' }, value: { type: 'string', maxLength: 63 } }, additionalProperties: false },
  target: (p) => 'Deployment ' + p.namespace + '/' + p.name,
  async apply(kube, dryRun, fencingToken, p) {
    const d = await kube.apps.readNamespacedDeployment({ namespace: p.namespace, name: p.name });
    if (dryRun) return { wouldSet: p.value };
    d.metadata.annotations = { ...d.metadata.annotations, 'example.com/remediated': p.value, 'pilothouse.io/fencing-epoch': String(fencingToken) };
    await kube.apps.replaceNamespacedDeployment({ namespace: p.namespace, name: p.name, body: d });
    return { set: p.value };
  },
};
`);
registry.add(await loadPluginFile(pluginPath));

const w = await remediationWorld({ registry });
await syncRepoPolicies(w.t.db, await loadPolicyFiles());

const remediations = async (policy: string) => (await w.t.app.inject({ url: `/api/v1/remediations?policy=${policy}`, headers: bearer(w.sre) })).json().items;
const start = () => new Date(Date.now() - 60_000).toISOString();

test('a crash-looping pod named by an Alertmanager alert is restarted once, repeats absorbed, and verified when the alert resolves', async () => {
  // Four replicas, one of which will crash: 25 % of the pods, under the policy's 30 % brake.
  await w.deployment('tenant-crash', 'agent', 4);
  const pod = await waitFor('agent pods ready', async () => {
    const pods = (await w.kube.core.listNamespacedPod({ namespace: 'tenant-crash' })).items;
    const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length === 4 && ready[0];
  });
  const name = pod.metadata!.name!;
  pod.metadata!.annotations = { ...pod.metadata!.annotations, [CRASH_LOOP_ANNOTATION]: 'true' };
  await w.cluster.admin().core.replaceNamespacedPod({ namespace: 'tenant-crash', name, body: pod });
  await waitFor('pod crash-looping', async () => isCrashLooping(await w.kube.core.readNamespacedPod({ namespace: 'tenant-crash', name })));

  const startsAt = start();
  const alert = { labels: { alertname: 'KubePodCrashLooping', namespace: 'tenant-crash', pod: name, severity: 'warning' }, annotations: { runbook_url: 'https://runbooks.example/pod-crash' }, startsAt, fingerprint: 'c0ffee01' };
  const first = await w.send(alertmanagerPayload([alert], { notification_reason: 'new' }));
  assert.equal(first.statusCode, 200, first.body);
  assert.equal(first.json().created, 1);
  // Alertmanager's HA pair sends it again; the repeat_interval re-sends it later.
  assert.equal((await w.send(alertmanagerPayload([alert]))).json().repeats, 1);

  const report = await w.run();
  assert.equal(report.applied, 1, JSON.stringify(report));
  await waitFor('crash-looping pod replaced by a fresh ready one', async () => {
    const pods = (await w.kube.core.listNamespacedPod({ namespace: 'tenant-crash' })).items;
    return !pods.some((p) => p.metadata!.name === name) && pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === 4;
  });
  assert.equal((await w.run()).applied, 0, 'a second run on the same alert does nothing');

  const listed = (await w.t.app.inject({ url: '/api/v1/alerts?filter=alertname%3D%22KubePodCrashLooping%22', headers: bearer(w.sre) })).json().items;
  assert.equal(listed.length, 1);
  assert.equal(listed[0].received, 2);
  assert.equal(listed[0].runbookUrl, 'https://runbooks.example/pod-crash');
  assert.equal(listed[0].remediations[0].status, 'verifying');
  assert.equal(listed[0].remediations[0].policy, 'restart-crash-looping-pods');

  await w.send(alertmanagerPayload([{ ...alert, status: 'resolved' }]));
  w.advance(301_000);
  assert.equal((await w.run()).applied, 1);
  const [r] = await remediations('restart-crash-looping-pods');
  assert.equal(r.status, 'succeeded');
  const audit = (await w.t.app.inject({ url: '/api/v1/controller-actions?controller=remediation', headers: bearer(w.sre) })).json().items;
  const act = audit.find((x: { decision: string }) => x.decision.startsWith('restart-pod'));
  assert.equal(act.status, 'applied');
  assert.equal(act.inputs.alertId, listed[0].id);
  assert.equal(act.inputs.policy, 'restart-crash-looping-pods');
  assert.match(act.inputs.runbook, /pod-crash-looping\.md/);
});

test('repeated alerts for one Deployment within the cooldown scale it once', async () => {
  await w.deployment('tenant-cool', 'api');
  await w.policy({ name: 'scale-api', match: ['alertname="ApiSaturated"'], action: 'scale-deployment', params: { namespace: '{{ labels.namespace }}', name: 'api', max: 5 }, cooldownSeconds: 3600 });
  for (const fp of ['a1', 'a2', 'a3']) {
    await w.send(alertmanagerPayload([{ labels: { alertname: 'ApiSaturated', namespace: 'tenant-cool', instance: fp }, startsAt: start(), fingerprint: fp }]));
    await w.run();
    w.advance(60_000);
  }
  const d = await w.kube.apps.readNamespacedDeployment({ namespace: 'tenant-cool', name: 'api' });
  assert.equal(d.spec?.replicas, 2, 'scaled 1 → 2 once');
  assert.equal((await remediations('scale-api')).length, 1);
  w.advance(3_600_000);
  // The first remediation is verified in this run (still firing: it did not work) and holds
  // the target until it is; the next run acts again.
  await w.run();
  await w.send(alertmanagerPayload([{ labels: { alertname: 'ApiSaturated', namespace: 'tenant-cool', instance: 'a4' }, startsAt: start(), fingerprint: 'a4' }]));
  await w.run();
  assert.equal((await w.kube.apps.readNamespacedDeployment({ namespace: 'tenant-cool', name: 'api' })).spec?.replicas, 3, 'after the cooldown it acts again');
});

test('a risky drain waits for approval: not by its requester, expired ones refused, then it cordons and evicts', async () => {
  const nodes = (await w.kube.core.listNode()).items;
  const node = nodes[0]!.metadata!.name!;
  await w.send(alertmanagerPayload([{ labels: { alertname: 'KubeNodeNotReady', node, severity: 'page' }, startsAt: start(), fingerprint: 'n0de' }]));
  await w.run();
  const [pending] = await remediations('drain-not-ready-node');
  assert.equal(pending.status, 'pending_approval');
  assert.notEqual((await w.kube.core.readNode({ name: node })).spec?.unschedulable, true, 'nothing acts before approval');
  await w.run();
  assert.notEqual((await w.kube.core.readNode({ name: node })).spec?.unschedulable, true);

  const viewer = await w.t.token('viewer');
  assert.equal((await w.t.app.inject({ method: 'POST', url: `/api/v1/remediations/${pending.id}/approve`, headers: bearer(viewer) })).statusCode, 403);
  const ok = await w.t.app.inject({ method: 'POST', url: `/api/v1/remediations/${pending.id}/approve`, headers: bearer(w.sre), payload: { note: 'node is gone for good' } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().status, 'approved');
  assert.match(ok.json().decidedBy, /^token:/);
  assert.equal((await w.t.app.inject({ method: 'POST', url: `/api/v1/remediations/${pending.id}/approve`, headers: bearer(w.sre) })).statusCode, 409, 'answered once');
  await w.run();
  assert.equal((await w.kube.core.readNode({ name: node })).spec?.unschedulable, true, 'cordoned after approval');
  const [done] = await remediations('drain-not-ready-node');
  assert.equal(done.status, 'verifying');
  assert.equal(done.result.cordoned, true);

  // A person who asks for a remediation cannot approve it; an unanswered one expires.
  await w.send(alertmanagerPayload([{ labels: { alertname: 'KubeNodeNotReady', node: nodes[1]!.metadata!.name!, severity: 'page' }, startsAt: start(), fingerprint: 'n0de2' }]));
  const alertId = (await w.t.app.inject({ url: '/api/v1/alerts?filter=node%3D%22' + nodes[1]!.metadata!.name! + '%22', headers: bearer(w.sre) })).json().items[0].id;
  await w.policy({ name: 'manual-drain', match: ['alertname="Never"'], action: 'cordon-drain-node', params: { node: '{{ labels.node }}' } });
  const asked = await w.t.app.inject({ method: 'POST', url: '/api/v1/remediations', headers: bearer(w.sre), payload: { alertId, policy: 'manual-drain' } });
  assert.equal(asked.statusCode, 201, asked.body);
  const self = await w.t.app.inject({ method: 'POST', url: `/api/v1/remediations/${asked.json().id}/approve`, headers: bearer(w.sre) });
  assert.equal(self.statusCode, 403);
  assert.match(self.json().message, /another person/);
  w.advance(3_601_000);
  await w.run();
  const expired = (await w.t.app.inject({ url: `/api/v1/remediations/${asked.json().id}`, headers: bearer(w.sre) })).json();
  assert.equal(expired.status, 'expired');
});

test('repeated failed remediations trip the breaker until a human re-arms it', async () => {
  let calls = 0;
  const failing = http.createServer((_req, res) => { calls++; res.writeHead(500).end('down'); });
  await new Promise<void>((ok) => failing.listen(0, '127.0.0.1', ok));
  after(() => { failing.closeAllConnections(); failing.close(); });
  const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/hook`;
  await w.policy({ name: 'call-fixer', match: ['alertname="NeedsFixer"'], action: 'webhook', params: { url, timeoutMs: 1000 }, cooldownSeconds: 0, breakerFailures: 3 });
  for (let i = 0; i < 4; i++) {
    await w.send(alertmanagerPayload([{ labels: { alertname: 'NeedsFixer', n: String(i) }, startsAt: start(), fingerprint: `f${i}` }]));
    await w.run();
    w.advance(10_000);
  }
  assert.equal(calls, 3, 'the fourth alert found the breaker tripped');
  const policy = (await w.t.app.inject({ url: '/api/v1/remediation/policies', headers: bearer(w.sre) })).json().items.find((p: { name: string }) => p.name === 'call-fixer');
  assert.equal(policy.tripped, true);
  assert.ok(w.notes.some((n) => n.subject.includes('[breaker tripped] call-fixer')));
  const rearm = await w.t.app.inject({ method: 'POST', url: '/api/v1/remediation/policies/call-fixer/rearm', headers: bearer(w.sre) });
  assert.equal(rearm.json().tripped, false);
  await w.run();
  assert.equal(calls, 4, 're-armed, the waiting alert is acted on');
});

test('an action plugin loaded from a file runs through the client; a bad module is refused with what to fix', async () => {
  await w.deployment('tenant-plugin', 'web');
  await w.policy({ name: 'annotate-web', match: ['alertname="WebOdd"'], action: 'annotate-deployment', params: { namespace: 'tenant-plugin', name: 'web', value: '{{ labels.reason }}' } });
  await w.send(alertmanagerPayload([{ labels: { alertname: 'WebOdd', reason: 'odd' }, startsAt: start(), fingerprint: 'p1' }]));
  assert.equal((await w.run()).applied, 1);
  const d = await w.kube.apps.readNamespacedDeployment({ namespace: 'tenant-plugin', name: 'web' });
  assert.equal(d.metadata?.annotations?.['example.com/remediated'], 'odd');

  const bad = join(pluginDir, 'bad.ts');
  await writeFile(bad, `export default { name: 'Bad Name', risky: 'yes', paramsSchema: { type: 'nonsense' } };\n`);
  await assert.rejects(loadPluginFile(bad), (err: Error) => err instanceof PluginError && /"name" must be/.test(err.message) && /"risky" must be true or false/.test(err.message) && /"apply" must be a function/.test(err.message) && /not a valid JSON schema/.test(err.message));
  await assert.rejects(loadPluginFile(join(pluginDir, 'missing.ts')), /could not be loaded/);
  assert.throws(() => registry.add(registry.get('restart-pod')!), /already registered/);
});

test('the alerts role sends alerts and nothing else; bad payloads are a 400 that stores nothing', async () => {
  const res = await w.t.app.inject({ url: '/api/v1/alerts', headers: bearer(w.alertsToken) });
  assert.equal(res.statusCode, 403);
  assert.equal((await w.t.app.inject({ url: '/api/v1/remediations', headers: bearer(w.alertsToken) })).statusCode, 403);
  assert.deepEqual((await w.t.app.inject({ url: '/api/v1/tenants', headers: bearer(w.alertsToken) })).json(), [], 'it sees no tenant');
  const before = (await w.t.db.query('SELECT count(*)::int AS n FROM alert_instances')).rows[0].n;
  const bad = await w.send({ ...alertmanagerPayload([{ labels: { alertname: 'X' }, startsAt: 'yesterday' }]) });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /startsAt/);
  assert.equal((await w.send({ version: '3', alerts: [] })).statusCode, 400);
  assert.equal((await w.t.db.query('SELECT count(*)::int AS n FROM alert_instances')).rows[0].n, before);
  const sreSend = await w.t.app.inject({ method: 'POST', url: '/api/v1/alerts/alertmanager', headers: bearer(w.sre), payload: alertmanagerPayload([{ labels: { alertname: 'Y' }, startsAt: start() }]) });
  assert.equal(sreSend.statusCode, 403, 'only the alerts role (and admins) write alerts');
});

test('policies through the API are checked against the registry; bad ones are a 400 naming the problem and store nothing', async () => {
  const put = (name: string, body: object) => w.t.app.inject({ method: 'PUT', url: `/api/v1/remediation/policies/${name}`, headers: bearer(w.sre), payload: body });
  const unknown = await put('p-unknown', { match: ['alertname="X"'], action: 'reboot-universe' });
  assert.equal(unknown.statusCode, 400);
  assert.match(unknown.json().message, /no action named "reboot-universe"/);
  const matcher = await put('p-matcher', { match: ['alertname=~"("'], action: 'notify' });
  assert.equal(matcher.statusCode, 400);
  assert.match(matcher.json().message, /bad regex/);
  const params = await put('p-params', { match: ['alertname="X"'], action: 'scale-deployment', params: { namespace: 'ns', name: 'd', max: 0 } });
  assert.equal(params.statusCode, 400);
  assert.match(params.json().message, /max/);
  const bound = await put('p-bound', { match: ['alertname="X"'], action: 'notify', cooldownSeconds: -1 });
  assert.equal(bound.statusCode, 400);
  const names = (await w.t.app.inject({ url: '/api/v1/remediation/policies', headers: bearer(w.sre) })).json().items.map((p: { name: string }) => p.name);
  assert.ok(!names.some((n: string) => n.startsWith('p-')));
  const viewer = await w.t.token('viewer');
  assert.equal((await w.t.app.inject({ method: 'PUT', url: '/api/v1/remediation/policies/p-ok', headers: bearer(viewer), payload: { match: ['alertname="X"'], action: 'notify' } })).statusCode, 403);
  const ok = await put('p-ok', { match: ['alertname="X"'], action: 'notify' });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().document.cooldownSeconds, 3600, 'defaults filled: the 1 h cooldown');
  const listed = (await w.t.app.inject({ url: '/api/v1/remediation/actions', headers: bearer(w.sre) })).json().items.map((a: { name: string }) => a.name);
  assert.deepEqual(listed.slice(0, 8), ['scale-deployment', 'restart-pod', 'cordon-drain-node', 'raise-warm-pool', 'failover-region', 'pause-tenant-workspaces', 'webhook', 'notify']);
  assert.ok(listed.includes('annotate-deployment'), 'the plugin is listed');
});

test('a dry-run policy records what it would do and changes nothing', async () => {
  await w.deployment('tenant-dry', 'api');
  await w.policy({ name: 'scale-dry', match: ['alertname="DryRunMe"'], action: 'scale-deployment', params: { namespace: 'tenant-dry', name: 'api', max: 5 }, dryRun: true });
  await w.send(alertmanagerPayload([{ labels: { alertname: 'DryRunMe' }, startsAt: start(), fingerprint: 'dry1' }]));
  await w.run();
  const [r] = await remediations('scale-dry');
  assert.equal(r.status, 'dry_run');
  assert.deepEqual([r.result.from, r.result.to, r.result.dryRun], [1, 2, true]);
  assert.equal((await w.kube.apps.readNamespacedDeployment({ namespace: 'tenant-dry', name: 'api' })).spec?.replicas, 1);
});

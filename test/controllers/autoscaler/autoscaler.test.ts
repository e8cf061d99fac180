// The headroom autoscaler end to end: workspace starts through the API, the lifecycle
// controller materialising them, the autoscaler sizing placeholders through the real client,
// and the sandbox's scheduler preempting a placeholder for a workspace on a full node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, buildTestApp } from '../../helper.ts';
import { buildRuntime } from '../../../controllers/index.ts';
import { listObjects, readObject } from '../../../kube/objects.ts';
import { HEADROOM_NAMESPACE, HEADROOM_PRIORITY, HEADROOM_PRIORITY_CLASS } from '../../../controllers/autoscaler/decide.ts';
import { startTestCluster, waitFor } from '../cluster.ts';

const t = await buildTestApp();
// One small on-demand node (8 CPU, 31 GiB allocatable: ten 3 GiB sandboxes) whose pool may
// grow, but whose next node takes a minute: within a test, room comes only from preemption.
const cluster = await startTestCluster({
  pools: [{ name: 'eu-west-1-on-demand', region: 'eu-west-1', zones: ['eu-west-1a'], capacityType: 'on-demand', instanceType: 'm6i.2xlarge', min: 1, max: 3, initial: 1 }],
  timings: { nodeProvisionMs: 60_000 },
});
const kube = cluster.kube();
const NEVER = '0 0 0 1 1 *';
const runtime = buildRuntime({
  db: t.db, kube: cluster.kube(), holder: 'autoscaler-test', leaseTtlMs: 5_000,
  schedules: { 'workspace-lifecycle': '* * * * * *', 'idle-reaper': NEVER, 'quota-enforcer': NEVER, 'headroom-autoscaler': NEVER, 'reactive-autoscaler': NEVER, rightsizer: NEVER },
  // The quota-capped peak policy; the predictive one is tested in predictive.test.ts and replay.test.ts.
  headroom: { policy: 'reactive' },
});
await runtime.start();
test.after(() => runtime.stop());

const admin = await t.token('admin');
const DEPLOYMENT = 'headroom-eu-west-1-on-demand';

async function tenantWith(quota?: Record<string, unknown>) {
  const tenant = await t.tenant();
  if (quota) await t.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/quota`, headers: bearer(admin), payload: { resourceQuota: quota } });
  return { tenant, token: await t.token('member', tenant.id) };
}
async function start(tenantId: string, token: string, name: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenantId}/workspaces`, headers: bearer(token), payload: { name, region: 'eu-west-1' } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}
const running = (id: string) => waitFor(`workspace ${id} running`, async () => {
  const { rows } = await t.db.query(`SELECT state FROM workspaces WHERE id = $1`, [id]);
  return rows[0]?.state === 'running';
});
const placeholders = () => listObjects(kube, 'Pod', 'app.kubernetes.io/component=headroom');
const isRunning = (p: { status?: { phase?: string } }) => p.status?.phase === 'Running';

test('placeholders are sized by recent starts and cut to each tenant\'s remaining quota, then preempted by the next workspace', async () => {
  // Tenant A starts 3 workspaces but may run only 4: one more start is all its quota admits.
  const a = await tenantWith({ hard: { 'count/workspaces': 4 } });
  const b = await tenantWith();
  const ids = [
    ...(await Promise.all(['a1', 'a2', 'a3'].map((n) => start(a.tenant.id, a.token, n)))),
    ...(await Promise.all(['b1', 'b2'].map((n) => start(b.tenant.id, b.token, n)))),
  ];
  await Promise.all(ids.map(running));

  const report = await runtime.runOnce('headroom-autoscaler');
  assert.equal(report.failed, 0, JSON.stringify(report));
  const pc = await readObject(kube, 'PriorityClass', '', HEADROOM_PRIORITY_CLASS);
  assert.equal((pc as { value?: number }).value, HEADROOM_PRIORITY);
  const deploy = await readObject(kube, 'Deployment', HEADROOM_NAMESPACE, DEPLOYMENT);
  assert.equal(deploy?.spec.replicas, 1 + 2, 'tenant A: 1 of its 3 (quota), tenant B: 2');
  const { rows: [audit] } = await t.db.query(
    `SELECT decision, reason, inputs FROM controller_actions WHERE controller = 'headroom-autoscaler' AND target = $1 AND status = 'applied'`,
    [`${HEADROOM_NAMESPACE}/${DEPLOYMENT}`],
  );
  assert.equal(audit.decision, 'headroom eu-west-1/on-demand none→3');
  assert.match(audit.reason, /capped to their remaining quota \(quota count\/workspaces\)/);
  assert.deepEqual(audit.inputs.tenants.find((x: { tenantId: string }) => x.tenantId === a.tenant.id), { tenantId: a.tenant.id, forecast: 3, planned: 1, cappedBy: 'quota count/workspaces' });
  const again = await runtime.runOnce('headroom-autoscaler');
  assert.equal(again.decisions, 0, 'a second run on the same world decides nothing');

  // 5 sandboxes + 3 placeholders of 3 GiB on 31 GiB: two more sandboxes fit, the third
  // only by preempting a placeholder (no new node can arrive within the test).
  await waitFor('placeholders running', async () => (await placeholders()).filter(isRunning).length === 3);
  const nodesBefore = (await cluster.admin().core.listNode()).items.length;
  const more = await Promise.all(['b3', 'b4', 'b5'].map((n) => start(b.tenant.id, b.token, n)));
  await Promise.all(more.map(running));
  const { items: events } = await cluster.admin().core.listEventForAllNamespaces({ fieldSelector: 'reason=Preempted' });
  assert.ok(events.some((e) => e.involvedObject.namespace === HEADROOM_NAMESPACE), 'a placeholder was preempted');
  const left = await placeholders();
  assert.equal(left.length, 3, 'the Deployment brings the placeholder back');
  assert.equal(left.filter((p) => !isRunning(p)).length, 1, 'and it waits for the next node');
  assert.equal((await cluster.admin().core.listNode()).items.length, nodesBefore, 'no node was added for the workspaces');
});


// Node failure against the sandbox: a node stops posting status; past the grace period its
// workspaces are moved (pods force-deleted, their Deployments start them elsewhere) and the
// time to running again is recorded. When half the nodes fail at once the brake holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestDb } from '../../helper.ts';
import { ControllerRuntime } from '../../../controllers/runtime/runtime.ts';
import { PgElector } from '../../../controllers/runtime/elector.ts';
import { createNodeRepairController, NODE_REPAIR } from '../../../controllers/noderepair/repair.ts';
import { createObject } from '../../../kube/objects.ts';
import { TENANT_LABEL, WORKSPACE_LABEL } from '../../../kube/labels.ts';
import { resourceByKey } from '../../../sandbox/k8s/index.ts';
import { startTestCluster, waitFor } from '../cluster.ts';

const { pool: db } = await createTestDb();
const REGION = 'eu-west-1';
const GRACE_MS = 60_000;
const pools = [{ name: `${REGION}-on-demand`, region: REGION, zones: [`${REGION}a`], capacityType: 'on-demand' as const, instanceType: 'm6i.4xlarge', min: 4, max: 4, initial: 4 }];
let leases = 0;

async function setup(workspaces: number) {
  const cluster = await startTestCluster({ pools });
  const kube = cluster.kube();
  const tenant = randomUUID();
  const ns = `tenant-${tenant}`;
  await createObject(kube, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 0);
  const ids: string[] = [];
  for (let i = 0; i < workspaces; i++) {
    const id = randomUUID();
    ids.push(id);
    const labels = { [WORKSPACE_LABEL]: id, [TENANT_LABEL]: tenant };
    await createObject(kube, 'Deployment', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `ws-${id}`, namespace: ns, labels },
      spec: {
        replicas: 1, strategy: { type: 'Recreate' }, selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'sandbox', image: 'agent:1', resources: { requests: { cpu: '2', memory: '4Gi' } } }] } },
      },
    }, 0);
  }
  let offset = 0;
  const runtime = new ControllerRuntime({
    db, kube, elector: new PgElector(db, `repair-${++leases}`, 'test', 60_000),
    controllers: [createNodeRepairController({ clock: () => Date.now() + offset, settings: { graceMs: GRACE_MS } })],
  });
  await runtime.tick();
  const store = cluster.api.server.store;
  const pods = () => store.list(resourceByKey('pods'), ns).items;
  const readyOn = () => new Map(pods().filter((p) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).map((p) => [p.metadata.labels![WORKSPACE_LABEL]!, p.spec.nodeName as string]));
  await waitFor('every workspace ready', async () => readyOn().size === workspaces, 20_000);
  return {
    cluster, kube, runtime, ids, pods, readyOn,
    advance: (ms: number) => { offset += ms; },
    // The lease renewed first (a test can outlast its time to live); a skipped run is an error, not a quiet zero.
    run: async () => {
      await runtime.tick();
      const r = await runtime.runOnce(NODE_REPAIR);
      if (r.skipped || r.error) throw new Error(`${NODE_REPAIR}: ${r.skipped ?? r.error}`);
      return r;
    },
    nodes: () => store.list(resourceByKey('nodes'), undefined).items.map((n) => n.metadata.name),
  };
}

test('a node NotReady past the grace has its workspaces moved to healthy nodes, with the time to running recorded', async () => {
  await db.query(`TRUNCATE workspace_moves, node_repair_brake`);
  const s = await setup(8);
  const placed = s.readyOn();
  const counts = new Map<string, number>();
  for (const n of placed.values()) counts.set(n, (counts.get(n) ?? 0) + 1);
  const failed = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  const victims = [...placed].filter(([, n]) => n === failed).map(([id]) => id);
  assert.ok(victims.length >= 1);
  s.cluster.api.fleet.pools.fail(failed);

  assert.equal((await s.run()).applied, 0, 'within the grace period nothing moves');
  assert.equal(s.pods().filter((p) => p.spec.nodeName === failed).length, victims.length, 'the pods stay bound to the dead node');
  s.advance(GRACE_MS + 1_000);
  const r = await s.run();
  assert.equal(r.applied, victims.length, 'one eviction per workspace on the failed node');
  await waitFor('moved workspaces ready elsewhere', async () => victims.every((id) => { const n = s.readyOn().get(id); return n && n !== failed; }), 20_000);
  await s.run();
  const { rows } = await db.query(`SELECT * FROM workspace_moves ORDER BY id`);
  assert.deepEqual(rows.map((m) => m.workspace_id).sort(), [...victims].sort());
  for (const m of rows) {
    assert.equal(m.node, failed);
    assert.ok(m.running_at, 'running again is recorded');
    assert.notEqual(m.new_node, failed);
    assert.equal(m.took_ms, m.running_at.getTime() - m.moved_at.getTime());
  }
  // Others were never touched.
  for (const [id, node] of placed) if (!victims.includes(id)) assert.equal(s.readyOn().get(id), node);
  assert.equal((await s.run()).decisions, 0, 'a second run on the repaired fleet decides nothing');
  await s.runtime.stop();
});

test('when half the nodes fail at once the brake holds every eviction, and lets go once they are back', async () => {
  await db.query(`TRUNCATE workspace_moves, node_repair_brake`);
  const s = await setup(8);
  const [a, b] = s.nodes();
  s.cluster.api.fleet.pools.fail(a!);
  s.cluster.api.fleet.pools.fail(b!);
  s.advance(GRACE_MS + 1_000);
  const r = await s.run();
  assert.equal(r.applied, 1, 'only the brake is applied');
  const { rows: [brake] } = await db.query(`SELECT * FROM node_repair_brake`);
  assert.deepEqual([brake.engaged, brake.failing, brake.total], [true, 2, 4]);
  const stuck = s.pods().filter((p) => p.spec.nodeName === a || p.spec.nodeName === b).length;
  assert.ok(stuck > 0, 'workspaces are on the failed nodes');
  s.advance(5 * 60_000);
  assert.equal((await s.run()).decisions, 0, 'still braked: nothing decided');
  assert.equal(s.pods().filter((p) => p.spec.nodeName === a || p.spec.nodeName === b).length, stuck);
  assert.equal((await db.query(`SELECT count(*)::int AS n FROM workspace_moves`)).rows[0].n, 0);
  s.cluster.api.fleet.pools.recover(a!);
  s.cluster.api.fleet.pools.recover(b!);
  await s.run();
  assert.equal((await db.query(`SELECT engaged FROM node_repair_brake`)).rows[0].engaged, false);
  await s.runtime.stop();
});

// The node repair controller: observes nodes and workspace pods, and moves workspaces off
// nodes NotReady past the grace period by force-deleting their pods (their Deployments
// reschedule them), recording each move and when the workspace ran again; the brake is a
// row (node_repair_brake) so that the console and the next leader see it.
import type { V1Pod } from '../../kube/client.ts';
import { listAll } from '../../kube/list.ts';
import { deleteObject } from '../../kube/objects.ts';
import { TENANT_LABEL, WORKSPACE_LABEL } from '../../kube/labels.ts';
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { Controller } from '../runtime/types.ts';
import { decideNodeRepair, nodeRepairSettings, type NodeRepairAction, type NodeRepairObserved, type NodeRepairSettings } from './decide.ts';

export const NODE_REPAIR = 'node-repair';

export interface NodeRepairOptions {
  schedule?: string;
  settings?: Partial<NodeRepairSettings>;
  clock?: () => number;
  registry?: Registry;
}

const isReady = (p: V1Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

export function createNodeRepairController(o: NodeRepairOptions = {}): Controller<NodeRepairObserved, NodeRepairAction> {
  const s = nodeRepairSettings(o.settings);
  const clock = o.clock ?? Date.now;
  const registers = o.registry ? [o.registry] : [];
  const braked = new Gauge({ name: 'pilothouse_node_repair_brake', help: '1 while too many nodes are NotReady at once for node repair to act', registers });
  const notReady = new Gauge({ name: 'pilothouse_nodes_not_ready', help: 'Nodes whose Ready condition is not True', registers });
  const moved = new Histogram({ name: 'pilothouse_workspace_move_seconds', help: 'Workspaces moved off a failed node: pod deleted to running again elsewhere', buckets: [5, 10, 20, 30, 60, 120, 300, 600], registers });
  return {
    name: NODE_REPAIR,
    description: `moves workspaces off nodes NotReady for more than ${Math.round(s.graceMs / 1000)} s (their pods deleted, their Deployments reschedule them) and records the time to running again; holds when more than ${Math.round(s.maxUnhealthyShare * 100)} % of nodes fail at once`,
    schedule: o.schedule ?? '*/5 * * * * *',
    needsKube: true,
    rate: { perMinute: 120, burst: 40 },
    async observe(ctx) {
      const kube = ctx.kube!;
      const [nodes, pods, moves, brake] = await Promise.all([
        listAll(kube, 'list nodes', (c) => kube.core.listNode({ limit: 500, _continue: c })),
        listAll(kube, 'list workspace pods', (c) => kube.core.listPodForAllNamespaces({ labelSelector: WORKSPACE_LABEL, limit: 500, _continue: c })),
        ctx.db.query(`SELECT id, workspace_id, node, moved_at FROM workspace_moves WHERE running_at IS NULL`),
        ctx.db.query(`SELECT engaged FROM node_repair_brake`),
      ]);
      notReady.set(nodes.filter((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True').length);
      braked.set(brake.rows[0]?.engaged ? 1 : 0);
      return {
        now: clock(),
        nodes: nodes.map((n) => {
          const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
          return { name: n.metadata!.name!, ready: ready?.status === 'True', since: ready?.lastTransitionTime ? new Date(ready.lastTransitionTime as unknown as string).getTime() : 0 };
        }),
        pods: pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').map((p) => ({
          namespace: p.metadata!.namespace!, name: p.metadata!.name!, uid: p.metadata!.uid!, node: p.spec?.nodeName ?? null,
          ready: isReady(p), terminating: Boolean(p.metadata?.deletionTimestamp),
          workspaceId: p.metadata!.labels![WORKSPACE_LABEL]!, tenantId: p.metadata?.labels?.[TENANT_LABEL] ?? '',
        })).filter((p) => /^[0-9a-f-]{36}$/.test(p.workspaceId) && /^[0-9a-f-]{36}$/.test(p.tenantId)),
        moves: moves.rows.map((m) => ({ id: Number(m.id), workspaceId: m.workspace_id, node: m.node, movedAt: m.moved_at.getTime() })),
        brakeEngaged: brake.rows[0]?.engaged ?? false,
      };
    },
    decide: (observed) => decideNodeRepair(observed, s),
    async apply(a, ctx) {
      if (a.type === 'brake') {
        await ctx.fenced((c) => c.query(
          `INSERT INTO node_repair_brake (engaged, failing, total, changed_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET engaged = $1, failing = $2, total = $3, changed_at = $4`,
          [a.engaged, a.failing, a.total, new Date(clock())],
        ));
        return { engaged: a.engaged };
      }
      if (a.type === 'running-again') {
        const at = clock();
        await ctx.fenced((c) => c.query(`UPDATE workspace_moves SET running_at = $2, new_node = $3, took_ms = $4 WHERE id = $1 AND running_at IS NULL`, [a.moveId, new Date(at), a.node, Math.max(0, at - a.movedAt)]));
        moved.observe(Math.max(0, at - a.movedAt) / 1000);
        return { workspaceId: a.workspaceId, node: a.node, tookMs: Math.max(0, at - a.movedAt) };
      }
      const r = await deleteObject(ctx.kube!, 'Pod', a.namespace, a.pod, ctx.epoch, { gracePeriodSeconds: 0, uid: a.uid });
      const at = clock();
      await ctx.fenced((c) => c.query(
        `INSERT INTO workspace_moves (workspace_id, tenant_id, node, pod, reason, moved_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pod) DO NOTHING`,
        [a.workspaceId, a.tenantId, a.node, `${a.namespace}/${a.pod}`, `node ${a.node} NotReady for ${Math.round(a.notReadyForMs / 1000)} s`, new Date(at)],
      ));
      return { ...r, movedAt: new Date(at).toISOString() };
    },
  };
}

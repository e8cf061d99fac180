// The spot converter: observes the Deployments the capacity policy names, their PDBs and
// the nodes (with interruption notices), decides with decideSpot(), and moves a Deployment
// between capacity types by patching its pod template's node selector and spot toleration
// (a workspace's record follows). Interruptions are recorded with their deadline, the time
// their replicas took to move, and the pool's hold-down.
import type { V1Node, V1Pod } from '../../kube/client.ts';
import type { Kube } from '../../kube/client.ts';
import { listAll } from '../../kube/list.ts';
import { listObjects, updateObject, type KObject } from '../../kube/objects.ts';
import {
  capacityTypeOf, firstLabel, INTERRUPTION_DEADLINE_ANNOTATION, INTERRUPTION_TAINTS, NODE_POOL_LABEL, POOL_LABELS, REGION_LABEL, REGION_LABELS,
  SPOT_NOTICE_MS, SPOT_TAINT_KEY, TENANT_LABEL, WORKSPACE_LABEL,
} from '../../kube/labels.ts';
import { podRequests } from '../../kube/pod-requests.ts';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Controller } from '../runtime/types.ts';
import { readTunings, SPOT_SHARE_BOOST } from '../runtime/tunings.ts';
import { currentCapacityPolicy } from '../capacity/policy.ts';
import { decideSpot, type Capacity, type Notice, type Rates, type SpotAction, type SpotObserved, type SpotUnit } from './decide.ts';

export const SPOT_CONVERTER = 'spot-converter';

export interface SpotOptions {
  schedule?: string;
  /** the price catalogue's infrastructure rates in force (for the expected saving of each move) */
  rates?: (at: Date) => Promise<Rates | null>;
  clock?: () => number;
  registry?: Registry;
}

const selectorString = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(',');
const matches = (sel: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!sel && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels?.[k] === v);
const live = (p: V1Pod) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

/** The capacity type a pod template asks for: its node selector, else its spot toleration. */
export function templateCapacity(spec: any): Capacity {
  const sel = spec?.nodeSelector?.[NODE_POOL_LABEL];
  if (sel === 'spot' || sel === 'on-demand') return sel;
  return (spec?.tolerations ?? []).some((t: { key?: string }) => t.key === SPOT_TAINT_KEY) ? 'spot' : 'on-demand';
}

/** The template placed on `to`: node selector set, the spot toleration present only on spot. */
export function placeTemplate(spec: any, to: Capacity): any {
  const tolerations = (spec.tolerations ?? []).filter((t: { key?: string }) => t.key !== SPOT_TAINT_KEY);
  if (to === 'spot') tolerations.push({ key: SPOT_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' });
  const next = { ...spec, nodeSelector: { ...spec.nodeSelector, [NODE_POOL_LABEL]: to } };
  if (tolerations.length) next.tolerations = tolerations; else delete next.tolerations;
  return next;
}

/** A node's interruption notice, if it has one: the taint's time and the announced deadline. */
export function noticeOf(n: V1Node, now: number): Notice | null {
  const taint = (n.spec?.taints ?? []).find((t) => INTERRUPTION_TAINTS.includes(t.key));
  if (!taint) return null;
  const added = taint.timeAdded ? new Date(taint.timeAdded as unknown as string).getTime() : now;
  const announced = Date.parse(n.metadata?.annotations?.[INTERRUPTION_DEADLINE_ANNOTATION] ?? '');
  return {
    node: n.metadata!.name!, pool: firstLabel(n.metadata?.labels, POOL_LABELS) ?? n.metadata!.name!,
    region: firstLabel(n.metadata?.labels, REGION_LABELS) ?? null,
    noticedAt: added, deadline: Number.isFinite(announced) ? announced : added + SPOT_NOTICE_MS,
  };
}

async function observeUnits(kube: Kube, policy: SpotObserved['policy']): Promise<{ units: SpotUnit[]; nodes: V1Node[] }> {
  const [nodes, pdbs] = await Promise.all([
    listAll(kube, 'list nodes', (c) => kube.core.listNode({ limit: 500, _continue: c })),
    listObjects(kube, 'PodDisruptionBudget', ''),
  ]);
  const units: SpotUnit[] = [];
  for (const w of policy.workloads) {
    const selector = selectorString(w.selector.matchLabels);
    const [deployments, pods] = await Promise.all([
      listObjects(kube, 'Deployment', selector),
      listAll(kube, `list pods ${selector}`, (c) => kube.core.listPodForAllNamespaces({ labelSelector: selector, limit: 500, _continue: c })),
    ]);
    for (const d of deployments) {
      if (d.metadata?.deletionTimestamp) continue;
      const ns = d.metadata!.namespace!;
      const mine = pods.filter((p) => p.metadata?.namespace === ns && matches(d.spec?.selector?.matchLabels, p.metadata?.labels) && live(p));
      const covering = pdbs.filter((b) => b.metadata?.namespace === ns && mine.some((p) => matches(b.spec?.selector?.matchLabels, p.metadata?.labels)));
      const labels = d.metadata?.labels ?? {};
      units.push({
        namespace: ns, name: d.metadata!.name!, workload: w.name,
        region: d.spec?.template?.spec?.nodeSelector?.[REGION_LABEL] ?? null,
        capacity: templateCapacity(d.spec?.template?.spec),
        replicas: d.spec?.replicas ?? 1, readyReplicas: d.status?.readyReplicas ?? 0,
        requests: podRequests({ spec: d.spec?.template?.spec } as V1Pod),
        disruptionsAllowed: covering.length ? Math.min(...covering.map((b) => b.status?.disruptionsAllowed ?? 0)) : null,
        nodes: [...new Set(mine.map((p) => p.spec?.nodeName).filter((x): x is string => !!x))],
        ...(labels[WORKSPACE_LABEL] ? { workspaceId: labels[WORKSPACE_LABEL], tenantId: labels[TENANT_LABEL] } : {}),
      });
    }
  }
  return { units, nodes };
}

export function createSpotController(o: SpotOptions = {}): Controller<SpotObserved, SpotAction> {
  const clock = o.clock ?? Date.now;
  const registers = o.registry ? [o.registry] : [];
  const moves = new Counter({ name: 'pilothouse_spot_moves_total', help: 'Deployments moved between capacity types, by destination and why (convert, restore, interruption)', labelNames: ['to', 'why'] as const, registers });
  const handled = new Histogram({ name: 'pilothouse_spot_interruption_handled_seconds', help: 'Interruption notice to every affected replica running on on-demand capacity elsewhere (the notice gives 120 s)', buckets: [5, 10, 20, 30, 60, 90, 120, 180], registers });
  return {
    name: SPOT_CONVERTER,
    description: 'moves the Deployments the capacity policy names between on-demand and spot capacity (node selector and toleration), a few per run, toward the spot target and never below the on-demand floor or past a PodDisruptionBudget; on an interruption notice moves the replicas on that node to on-demand before the deadline and holds the pool',
    schedule: o.schedule ?? '*/5 * * * * *',
    needsKube: true,
    // Interruptions move every affected replica at once: a burst the deadline needs.
    rate: { perMinute: 120, burst: 60 },
    async observe(ctx) {
      const now = clock();
      const { policy } = await currentCapacityPolicy(ctx.db);
      const [{ units, nodes }, tunings, records, rates] = await Promise.all([
        observeUnits(ctx.kube!, policy.spot),
        readTunings(ctx.db),
        ctx.db.query(`SELECT * FROM spot_interruptions WHERE moved_at IS NULL OR hold_until > $1`, [new Date(now)]),
        o.rates ? o.rates(new Date(now)) : Promise.resolve(null),
      ]);
      const spotPools = new Map<string, string | null>();
      for (const n of nodes) if (capacityTypeOf(n.metadata?.labels) === 'spot') spotPools.set(firstLabel(n.metadata?.labels, POOL_LABELS) ?? n.metadata!.name!, firstLabel(n.metadata?.labels, REGION_LABELS) ?? null);
      return {
        now, policy: policy.spot, boost: Math.max(0, Math.min(1, tunings.get(SPOT_SHARE_BOOST)?.value ?? 0)), units, rates,
        notices: nodes.map((n) => noticeOf(n, now)).filter((n): n is Notice => n !== null),
        records: records.rows.map((r) => ({ node: r.node, pool: r.pool, noticedAt: r.noticed_at.getTime(), deadline: r.deadline.getTime(), workloads: r.workloads, movedAt: r.moved_at?.getTime() ?? null, holdUntil: r.hold_until.getTime() })),
        spotPools: [...spotPools].map(([pool, region]) => ({ pool, region })),
      };
    },
    decide: decideSpot,
    async apply(a, ctx) {
      if (a.type === 'record-interruption') {
        await ctx.fenced((c) => c.query(
          `INSERT INTO spot_interruptions (node, pool, noticed_at, deadline, replicas, workloads, hold_until) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (node) DO NOTHING`,
          [a.node, a.pool, new Date(a.noticedAt), new Date(a.deadline), a.workloads.length, a.workloads, new Date(a.holdUntil)],
        ));
        return { recorded: a.node, holdUntil: new Date(a.holdUntil).toISOString() };
      }
      if (a.type === 'interruption-moved') {
        const at = clock();
        await ctx.fenced((c) => c.query(`UPDATE spot_interruptions SET moved_at = $2, took_ms = $3 WHERE node = $1 AND moved_at IS NULL`, [a.node, new Date(at), Math.max(0, at - a.noticedAt)]));
        handled.observe(Math.max(0, at - a.noticedAt) / 1000);
        return { node: a.node, tookMs: Math.max(0, at - a.noticedAt) };
      }
      const r = await updateObject(ctx.kube!, 'Deployment', a.namespace, a.name, ctx.epoch, (d: KObject) => {
        const spec = d.spec?.template?.spec;
        if (!spec || templateCapacity(spec) === a.to && spec.nodeSelector?.[NODE_POOL_LABEL] === a.to) return null;
        d.spec.template.spec = placeTemplate(spec, a.to);
        return d;
      });
      if (a.workspaceId && !r.gone) {
        await ctx.fenced((c) => c.query(`UPDATE workspaces SET node_pool = $2 WHERE id = $1 AND node_pool <> $2`, [a.workspaceId, a.to]));
      }
      if (r.changed) moves.inc({ to: a.to, why: a.why });
      return { ...r, to: a.to };
    },
  };
}

// Capacity through the API: the policy (spot workloads, floors and targets; the daily cost
// guard), the savings spot capacity brings against all on-demand (from the price catalogue's
// rates × the requests running on spot nodes), the cost guard's measures in force, spot
// interruptions handled, workspaces moved off failed nodes and the node-repair brake.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { CapacityPolicy, currentCapacityPolicy, storeCapacityPolicy } from '../../controllers/capacity/policy.ts';
import { readTunings } from '../../controllers/runtime/tunings.ts';
import { forecast } from '../../controllers/costguard/decide.ts';
import { infraRatesAt } from '../../collectors/cost/catalog-store.ts';
import { fleetCostToday } from '../../collectors/cost/fleet-costs.ts';
import { readFleetSummary } from '../../collectors/fleet/read.ts';
import { Kube } from '../../kube/client.ts';
import { kubeOptionsOf } from '../cluster.ts';
import { actorOf } from '../auth/principal.ts';
import { DateTime, errors } from '../schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const GIB = 2 ** 30;

const Savings = Type.Object({
  spotShare: Nullable(Type.Number({ description: 'share of requested CPU that runs on spot nodes' })),
  spotCpuRequested: Type.Number({ description: 'cores requested on spot nodes' }),
  spotMemoryRequestedBytes: Type.Number(),
  spotPerHourUsd: Type.Number({ description: 'what those requests cost on spot, per hour' }),
  onDemandPerHourUsd: Type.Number({ description: 'what they would cost on on-demand capacity' }),
  savingPerHourUsd: Type.Number(),
  savingShare: Nullable(Type.Number({ description: 'saving ÷ the on-demand cost of the same requests' })),
}, { description: 'from the price catalogue\'s CPU-hour and GB-hour rates; null without a cluster or a catalogue' });

const Overview = Type.Object({
  policy: CapacityPolicy,
  policyVersion: Nullable(Type.Integer({ description: 'null: the policy shipped in the repo' })),
  policyUpdatedBy: Nullable(Type.String()),
  savings: Nullable(Savings),
  costGuard: Type.Object({
    dailyLimitUsd: Type.Number(),
    soFarUsd: Nullable(Type.Number()), ratePerHourUsd: Nullable(Type.Number()), forecastUsd: Nullable(Type.Number()),
    measures: Type.Array(Type.Object({ name: Type.String(), value: Type.Number(), setBy: Type.String(), reason: Type.String(), updatedAt: DateTime })),
  }),
  interruptions: Type.Array(Type.Object({
    node: Type.String(), pool: Type.String(), noticedAt: DateTime, deadline: DateTime, replicas: Type.Integer(), workloads: Type.Array(Type.String()),
    movedAt: Nullable(DateTime), tookMs: Nullable(Type.Integer()), holdUntil: DateTime,
  })),
  moves: Type.Array(Type.Object({
    workspaceId: Type.String(), tenantId: Type.String(), node: Type.String(), pod: Type.String(), reason: Type.String(),
    movedAt: DateTime, runningAt: Nullable(DateTime), newNode: Nullable(Type.String()), tookMs: Nullable(Type.Integer()),
  })),
  brake: Nullable(Type.Object({ engaged: Type.Boolean(), failing: Type.Integer(), total: Type.Integer(), changedAt: DateTime })),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export default async function capacity(app: FastifyInstance) {
  let kube: Kube | undefined;

  async function savings(): Promise<Static<typeof Savings> | null> {
    const access = kubeOptionsOf(app.cluster);
    if (!access || app.cluster.mode === 'none') return null;
    const rates = await infraRatesAt(app.db, new Date());
    if (!rates) return null;
    kube ??= new Kube({ ...access, timeoutMs: 5_000, retries: 1 });
    const fleet = await readFleetSummary(kube, app.db).catch(() => null);
    if (!fleet) return null;
    const pools = fleet.regions.flatMap((r) => r.pools);
    const spot = pools.filter((p) => p.capacityType === 'spot');
    const cpu = spot.reduce((n, p) => n + p.cpuRequested, 0);
    const mem = spot.reduce((n, p) => n + p.memoryRequestedBytes, 0);
    const allCpu = pools.reduce((n, p) => n + p.cpuRequested, 0);
    const onDemand = cpu * rates.cpuHour.onDemand + (mem / GIB) * rates.gbHour.onDemand;
    const onSpot = cpu * rates.cpuHour.spot + (mem / GIB) * rates.gbHour.spot;
    const r6 = (v: number) => Math.round(v * 1e6) / 1e6;
    return {
      spotShare: allCpu > 0 ? r6(cpu / allCpu) : null, spotCpuRequested: r6(cpu), spotMemoryRequestedBytes: mem,
      spotPerHourUsd: r6(onSpot), onDemandPerHourUsd: r6(onDemand), savingPerHourUsd: r6(onDemand - onSpot),
      savingShare: onDemand > 0 ? r6((onDemand - onSpot) / onDemand) : null,
    };
  }

  async function overview(): Promise<Static<typeof Overview>> {
    const now = new Date();
    const [stored, tunings, cost, interruptions, moves, brake, save] = await Promise.all([
      currentCapacityPolicy(app.db), readTunings(app.db), fleetCostToday(app.db, now),
      app.db.query(`SELECT * FROM spot_interruptions ORDER BY noticed_at DESC LIMIT 20`),
      app.db.query(`SELECT * FROM workspace_moves ORDER BY moved_at DESC LIMIT 20`),
      app.db.query(`SELECT * FROM node_repair_brake`),
      savings(),
    ]);
    return {
      policy: stored.policy, policyVersion: stored.version, policyUpdatedBy: stored.createdBy, savings: save,
      costGuard: {
        dailyLimitUsd: stored.policy.costGuard.dailyLimitUsd,
        soFarUsd: cost?.soFarUsd ?? null, ratePerHourUsd: cost?.ratePerHourUsd ?? null,
        forecastUsd: cost ? Math.round(forecast(now.getTime(), cost) * 100) / 100 : null,
        measures: [...tunings.values()].map((t) => ({ ...t, updatedAt: t.updatedAt.toISOString() })),
      },
      interruptions: interruptions.rows.map((r) => ({
        node: r.node, pool: r.pool, noticedAt: r.noticed_at.toISOString(), deadline: r.deadline.toISOString(), replicas: r.replicas, workloads: r.workloads,
        movedAt: iso(r.moved_at), tookMs: r.took_ms, holdUntil: r.hold_until.toISOString(),
      })),
      moves: moves.rows.map((m) => ({
        workspaceId: m.workspace_id, tenantId: m.tenant_id, node: m.node, pod: m.pod, reason: m.reason, movedAt: m.moved_at.toISOString(),
        runningAt: iso(m.running_at), newNode: m.new_node, tookMs: m.took_ms,
      })),
      brake: brake.rows[0] ? { engaged: brake.rows[0].engaged, failing: brake.rows[0].failing, total: brake.rows[0].total, changedAt: brake.rows[0].changed_at.toISOString() } : null,
    };
  }

  app.get('/api/v1/capacity', {
    config: { auth: { permission: 'fleet:read' } },
    schema: { tags: ['fleet'], summary: 'Spot savings against all on-demand, the capacity policy, the cost guard\'s forecast and measures, spot interruptions, workspaces moved off failed nodes', response: { 200: Overview } },
  }, overview);

  app.put('/api/v1/capacity-policy', {
    config: { auth: { permission: 'fleet:write' } },
    schema: { tags: ['fleet'], summary: 'Replace the capacity policy (a new version; the controllers read it on their next run)', body: CapacityPolicy, response: { 200: Overview, ...errors(400) } },
  }, async (req) => {
    await storeCapacityPolicy(app.db, req.body, actorOf(req.principal!));
    return overview();
  });
}

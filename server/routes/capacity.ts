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
import { spotSavings } from '../../collectors/cost/spot-savings.ts';
import { nodeRepairBrake, recentInterruptions, recentMoves } from '../../controllers/capacity/records.ts';
import { Kube } from '../../kube/client.ts';
import { kubeOptionsOf } from '../cluster.ts';
import { actorOf } from '../auth/principal.ts';
import { DateTime, Nullable, errors } from '../schemas.ts';

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
    return spotSavings(fleet, rates);
  }

  async function overview(): Promise<Static<typeof Overview>> {
    const now = new Date();
    const [stored, tunings, cost, interruptions, moves, brake, save] = await Promise.all([
      currentCapacityPolicy(app.db), readTunings(app.db), fleetCostToday(app.db, now),
      recentInterruptions(app.db), recentMoves(app.db), nodeRepairBrake(app.db),
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
      interruptions: interruptions.map((r) => ({ ...r, noticedAt: r.noticedAt.toISOString(), deadline: r.deadline.toISOString(), movedAt: iso(r.movedAt), holdUntil: r.holdUntil.toISOString() })),
      moves: moves.map((m) => ({ ...m, movedAt: m.movedAt.toISOString(), runningAt: iso(m.runningAt) })),
      brake: brake && { ...brake, changedAt: brake.changedAt.toISOString() },
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

// GET /api/v1/fleet: the live fleet per region and node pool, read from Kubernetes on each
// request (platform roles only: it shows every tenant's capacity at once).
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { Kube } from '../../kube/client.ts';
import { kubeOptionsOf } from '../cluster.ts';
import { readFleetSummary } from '../../collectors/fleet/read.ts';
import { UnavailableError } from '../../tenancy/errors.ts';
import { MESSAGES } from './fleet-mode.ts';
import { DateTime, ErrorResponse, Nullable } from '../schemas.ts';

/** A page waits on this read: fail in seconds with a reason rather than hang on the defaults. */
const READ_TIMEOUT_MS = 5_000;
const READ_RETRIES = 2;

const Ratio = Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'requested ÷ allocatable (0..1, above 1 when over-committed); null with nothing allocatable' });
const Capacity = {
  cpuAllocatable: Type.Number({ description: 'cores' }),
  cpuRequested: Type.Number({ description: 'cores requested by the non-terminated pods bound there' }),
  cpuUtilisation: Ratio,
  memoryAllocatableBytes: Type.Number(),
  memoryRequestedBytes: Type.Number(),
  memoryUtilisation: Ratio,
};
const CapacityType = Type.Union([Type.Literal('on-demand'), Type.Literal('spot')]);

const Node = Type.Object({
  name: Type.String(),
  zone: Nullable(Type.String()),
  instanceType: Nullable(Type.String()),
  ready: Type.Boolean(),
  cordoned: Type.Boolean({ description: 'spec.unschedulable: no new pods are placed on it' }),
  pods: Type.Integer({ description: 'non-terminated pods bound to the node' }),
  createdAt: Nullable(DateTime),
  ageSeconds: Nullable(Type.Integer()),
  pricePerHour: Nullable(Type.Number({ description: 'USD' })),
  priceSource: Nullable(Type.Union([Type.Literal('annotation'), Type.Literal('catalogue')], { description: 'the node\'s pilothouse.io/price-per-hour annotation, or the price catalogue\'s CPU-hour and GB-hour rates × its capacity' })),
  ...Capacity,
});
const Pool = Type.Object({
  name: Type.String({ description: 'the node pool label (sandbox, Karpenter, EKS, GKE or AKS), else the capacity type' }),
  capacityType: CapacityType,
  instanceTypes: Type.Array(Type.String()),
  pricePerNodeHour: Nullable(Type.Number({ description: 'USD per node-hour when all its nodes cost the same' })),
  costPerHour: Type.Number({ description: 'USD per hour for all its priced nodes' }),
  ...Capacity,
  nodes: Type.Array(Node),
});
const Totals = Type.Object({
  nodes: Type.Integer(), readyNodes: Type.Integer(), cordonedNodes: Type.Integer(),
  ...Capacity,
  spotCpuShare: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'spot allocatable cpu ÷ all allocatable cpu' })),
  workspacePodsRunning: Type.Integer(),
  workspacePodsPending: Type.Integer(),
  unschedulablePods: Type.Integer({ description: 'pending pods the scheduler could not place (any pod, placeholders included)' }),
  costPerHour: Type.Number({ description: 'USD per hour for the priced nodes' }),
  unpricedNodes: Type.Integer({ description: 'nodes with no price, left out of costPerHour' }),
});
export const Fleet = Type.Object({
  observedAt: DateTime,
  mode: Type.Union([Type.Literal('simulated'), Type.Literal('kubeconfig'), Type.Literal('in-cluster')]),
  simulated: Type.Boolean(),
  regions: Type.Array(Type.Object({ name: Type.String(), totals: Totals, pools: Type.Array(Pool) })),
  totals: Totals,
  noRegion: Type.Object({ workspacePodsPending: Type.Integer(), unschedulablePods: Type.Integer() }, { description: 'pending pods neither bound to a node nor asking for a region (counted in totals only)' }),
});

export default async function fleetRoutes(app: FastifyInstance) {
  let kube: Kube | undefined;

  app.get('/api/v1/fleet', {
    config: { auth: { permission: 'fleet:read' } },
    schema: {
      tags: ['fleet'],
      summary: 'The live fleet: regions, node pools and nodes with requested vs allocatable capacity, spot share, pending workspace pods and node cost per hour',
      response: { 200: Fleet, 502: ErrorResponse, 503: ErrorResponse },
    },
  }, async () => {
    const access = kubeOptionsOf(app.cluster);
    const mode = app.cluster.mode;
    if (!access || mode === 'none') throw new UnavailableError(MESSAGES.none);
    try {
      kube ??= new Kube({ ...access, timeoutMs: READ_TIMEOUT_MS, retries: READ_RETRIES });
    } catch (err) {
      throw new UnavailableError(`the Kubernetes configuration could not be loaded: ${(err as Error).message}`);
    }
    // A failing API server is a KubeReadError: a 502 whose message names it.
    const summary = await readFleetSummary(kube, app.db);
    const body: Static<typeof Fleet> = { ...summary, mode, simulated: mode === 'simulated' };
    return body;
  });
}

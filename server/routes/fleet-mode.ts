// GET /api/v1/fleet/mode: whether the fleet on screen is real or simulated, so the console
// can say so plainly.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { DemoFleet, DemoTraffic } from '../cluster.ts';
import { NotAReaderError, hasPermission, readsReferenceData } from '../auth/principal.ts';

const FleetMode = Type.Object({
  mode: Type.Union([Type.Literal('simulated'), Type.Literal('kubeconfig'), Type.Literal('in-cluster'), Type.Literal('none')]),
  simulated: Type.Boolean(),
  message: Type.String(),
  fleet: Type.Optional(DemoFleet),
  traffic: Type.Optional(DemoTraffic),
});

export const MESSAGES = {
  simulated: 'Simulated fleet: the nodes, workspaces, usage and traces shown come from Pilothouse\'s demo sandbox, not a real cluster. Set KUBECONFIG (or PILOTHOUSE_DEMO=off) to manage a real one.',
  kubeconfig: 'Managing the Kubernetes cluster named by KUBECONFIG.',
  'in-cluster': 'Managing the Kubernetes cluster Pilothouse runs in (in-cluster service account).',
  none: 'No Kubernetes cluster is configured: set KUBECONFIG, or PILOTHOUSE_DEMO=on for the simulated demo fleet.',
} as const;

export default async function fleetMode(app: FastifyInstance) {
  app.get('/api/v1/fleet/mode', {
    config: { auth: { authenticated: true } },
    schema: { tags: ['fleet'], summary: 'Whether the fleet is real or the simulated demo fleet', response: { 200: FleetMode } },
  }, async (req) => {
    const p = req.principal!;
    if (!readsReferenceData(p)) throw new NotAReaderError();
    const c = app.cluster;
    // Members learn whether the fleet is simulated; its pools, prices and traffic are the platform's.
    const details = hasPermission(p, 'fleet:read');
    const traffic = details ? c.traffic?.() : undefined;
    return {
      mode: c.mode,
      simulated: c.mode === 'simulated',
      message: MESSAGES[c.mode],
      ...(details && c.fleet ? { fleet: c.fleet() } : {}),
      ...(traffic ? { traffic } : {}),
    };
  });
}

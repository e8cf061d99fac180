// The human actions on workspaces: create, pause and resume, as the console's buttons send
// them. Pause and resume go round a pool of workspaces made in setup; creates add new ones.
import type { RequestSpec, Scenario } from './types.ts';

const POOL = 12;
const TENANTS = 4;

export const workspaceLifecycle: Scenario = {
  name: 'workspace-lifecycle',
  description: `POST workspaces, pause and resume over a pool of ${POOL} workspaces in ${TENANTS} enterprise tenants`,
  slos: ['api-latency-p95-200ms', 'api-availability-999'],
  cluster: true,
  profiles: {
    ci: { rate: 20, durationS: 10, warmupS: 2, connections: 16 },
    nightly: { rate: 60, durationS: 60, warmupS: 5, connections: 32 },
    soak: { rate: 10, durationS: 1800, warmupS: 10, connections: 16 },
  },
  async setup(t) {
    // Several tenants, as in life: operations on one tenant's workspaces queue on its lock.
    const pools: { base: string; ids: string[] }[] = [];
    for (let n = 0; n < TENANTS; n++) {
      const tenant = await t.api('POST', '/api/v1/tenants', { name: `loadtest-ws-${Date.now()}-${n}`, plan: 'enterprise' });
      const base = `/api/v1/tenants/${tenant.id}/workspaces`;
      const ids: string[] = [];
      for (let i = 0; i < POOL / TENANTS; i++) ids.push((await t.api('POST', base, { name: `pool-${i}`, region: 'us-east-1' })).id);
      pools.push({ base, ids });
    }
    // Pause needs a workspace the lifecycle controller has started.
    const deadline = Date.now() + 90_000;
    for (const { base, ids } of pools) {
      for (const id of ids) {
        while ((await t.api('GET', `${base}/${id}`)).state === 'pending') {
          if (Date.now() > deadline) throw new Error(`workspace ${id} is still pending after 90 s: does the target run its lifecycle controller against a cluster?`);
          await new Promise((ok) => setTimeout(ok, 250));
        }
      }
    }
    const json = { 'content-type': 'application/json', authorization: `Bearer ${t.token}` };
    const all = pools.flatMap(({ base, ids }) => ids.map((id) => `${base}/${id}`));
    const specs: RequestSpec[] = [
      { route: 'POST /api/v1/tenants/:tenantId/workspaces', method: 'POST', paths: pools.map((p) => p.base), headers: json, body: '{"name":"lt-{{seq}}","region":"us-east-1"}', weight: 1 },
      { route: 'POST /api/v1/tenants/:tenantId/workspaces/:workspaceId/pause', method: 'POST', paths: all.map((p) => `${p}/pause`), headers: json, body: '{}', weight: 2 },
      { route: 'POST /api/v1/tenants/:tenantId/workspaces/:workspaceId/resume', method: 'POST', paths: all.map((p) => `${p}/resume`), headers: json, body: '{}', weight: 2 },
    ];
    return specs;
  },
};

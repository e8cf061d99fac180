// Workspace create, pause and resume: k6 run -e BASE_URL=… -e PILOTHOUSE_TOKEN=… workspace-lifecycle.ts
// The target must run its lifecycle controller against a cluster: pause needs a started workspace.
import http from 'k6/http';
import { check, fail, sleep } from 'k6';
import { BASE_URL, api, authorized, optionsOf, summaryFiles } from './lib.ts';

const SCENARIO = 'workspace-lifecycle';
const TENANTS = 4;
const PER_TENANT = 3;
export const options = optionsOf(SCENARIO);

interface Pool { bases: string[]; workspaces: string[] }

export function setup(): Pool {
  const pool: Pool = { bases: [], workspaces: [] };
  for (let n = 0; n < TENANTS; n++) {
    const tenant = api<{ id: string }>('POST', '/api/v1/tenants', { name: `k6-ws-${Date.now()}-${n}`, plan: 'enterprise' });
    const base = `/api/v1/tenants/${tenant.id}/workspaces`;
    pool.bases.push(base);
    for (let i = 0; i < PER_TENANT; i++) pool.workspaces.push(`${base}/${api<{ id: string }>('POST', base, { name: `pool-${i}`, region: 'us-east-1' }).id}`);
  }
  for (const ws of pool.workspaces) {
    let tries = 0;
    while (api<{ state: string }>('GET', ws).state === 'pending') {
      if (++tries > 360) fail(`${ws} is still pending after 90 s: does the target run its lifecycle controller?`);
      sleep(0.25);
    }
  }
  return pool;
}

export default function (pool: Pool): void {
  const headers = { ...authorized(), 'content-type': 'application/json' };
  const step = __ITER % 5;
  const ws = pool.workspaces[(__ITER + __VU) % pool.workspaces.length]!;
  const res = step === 0
    ? http.post(BASE_URL + pool.bases[__ITER % pool.bases.length]!, JSON.stringify({ name: `k6-${__VU}-${__ITER}`, region: 'us-east-1' }), { headers, tags: { route: 'POST /api/v1/tenants/:tenantId/workspaces' } })
    : step % 2
      ? http.post(`${BASE_URL}${ws}/pause`, '{}', { headers, tags: { route: 'POST /api/v1/tenants/:tenantId/workspaces/:workspaceId/pause' } })
      : http.post(`${BASE_URL}${ws}/resume`, '{}', { headers, tags: { route: 'POST /api/v1/tenants/:tenantId/workspaces/:workspaceId/resume' } });
  check(res, { 'answered 2xx': (r) => r.status >= 200 && r.status < 300 });
}

export function handleSummary(data: object): Record<string, string> {
  return summaryFiles(SCENARIO, data);
}

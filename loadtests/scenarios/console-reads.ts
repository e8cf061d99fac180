// The console's own reads: what the Overview, Workspaces, SLOs and Tenants pages fetch, in
// the same proportions a signed-in operator's pages do.
import type { Scenario } from './types.ts';

export const consoleReads: Scenario = {
  name: 'console-reads',
  description: 'GET the API calls behind the console pages (me, tenants, workspaces, counts, SLOs, decisions) as a platform operator',
  slos: ['api-latency-p95-200ms', 'api-availability-999'],
  profiles: {
    ci: { rate: 200, durationS: 10, warmupS: 2, connections: 64 },
    nightly: { rate: 1000, durationS: 60, warmupS: 5, connections: 256 },
    soak: { rate: 300, durationS: 1800, warmupS: 10, connections: 128 },
  },
  async setup(t) {
    // A few tenants with workspaces, so lists and counts have rows to read.
    for (let i = 0; i < 3; i++) {
      const tenant = await t.api('POST', '/api/v1/tenants', { name: `loadtest-reads-${Date.now()}-${i}`, plan: 'enterprise' });
      for (let w = 0; w < 5; w++) await t.api('POST', `/api/v1/tenants/${tenant.id}/workspaces`, { name: `ws-${w}`, region: 'us-east-1' });
    }
    const headers = { authorization: `Bearer ${t.token}` };
    const get = (path: string, weight = 1) => ({ route: `GET ${path}`, method: 'GET' as const, paths: [path], headers, weight });
    return [
      get('/api/v1/me', 2),
      get('/api/v1/tenants'),
      get('/api/v1/workspaces'),
      get('/api/v1/workspaces/counts'),
      get('/api/v1/slos'),
      get('/api/v1/controller-actions'),
    ];
  },
};

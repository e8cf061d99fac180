// The console's own reads as a platform operator: k6 run -e BASE_URL=… -e PILOTHOUSE_TOKEN=… console-reads.ts
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, api, authorized, optionsOf, summaryFiles } from './lib.ts';

const SCENARIO = 'console-reads';
export const options = optionsOf(SCENARIO);

// The same calls and proportions as loadtests/scenarios/console-reads.ts.
const PATHS = ['/api/v1/me', '/api/v1/me', '/api/v1/tenants', '/api/v1/workspaces', '/api/v1/workspaces/counts', '/api/v1/slos', '/api/v1/controller-actions'];

export function setup(): void {
  for (let i = 0; i < 3; i++) {
    const tenant = api<{ id: string }>('POST', '/api/v1/tenants', { name: `k6-reads-${Date.now()}-${i}`, plan: 'enterprise' });
    for (let w = 0; w < 5; w++) api('POST', `/api/v1/tenants/${tenant.id}/workspaces`, { name: `ws-${w}`, region: 'us-east-1' });
  }
}

export default function (): void {
  const path = PATHS[(__ITER + __VU) % PATHS.length]!;
  const res = http.get(BASE_URL + path, { headers: authorized(), tags: { route: `GET ${path}` } });
  check(res, { 'status is 200': (r) => r.status === 200 });
}

export function handleSummary(data: object): Record<string, string> {
  return summaryFiles(SCENARIO, data);
}

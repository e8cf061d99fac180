// Faro browser batches: k6 run -e BASE_URL=… -e PILOTHOUSE_TOKEN=… faro-collect.ts
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, api, optionsOf, summaryFiles, uniqueId } from './lib.ts';

const SCENARIO = 'faro-collect';
// Each app may send 50 batches a second: the load is spread over several.
const APPS = 4;
export const options = optionsOf(SCENARIO);

export function setup(): { keys: string[] } {
  const tenant = api<{ id: string }>('POST', '/api/v1/tenants', { name: `k6-faro-${Date.now()}`, plan: 'enterprise' });
  const keys = Array.from({ length: APPS }, (_, i) => api<{ apiKey: string }>('POST', `/api/v1/tenants/${tenant.id}/rum/apps`, { name: `k6-app-${i}`, allowedOrigins: ['*'] }).apiKey);
  return { keys };
}

export default function (data: { keys: string[] }): void {
  const now = new Date().toISOString();
  const session = uniqueId();
  const body = {
    meta: { app: { name: 'k6-app', version: '1.0.0' }, session: { id: session }, page: { url: 'https://app.example.com/overview' }, browser: { name: 'Chromium', version: '140' } },
    measurements: [{ type: 'web-vitals', values: { lcp: 1234.5 }, timestamp: now }],
    logs: [{ message: `k6 ${session}`, level: 'info', timestamp: now }],
  };
  const res = http.post(`${BASE_URL}/collect`, JSON.stringify(body), {
    headers: { 'x-api-key': data.keys[__ITER % data.keys.length]!, 'content-type': 'application/json', 'x-faro-session-id': session },
    tags: { route: 'POST /collect' },
  });
  check(res, { 'batch accepted': (r) => r.status === 202 });
}

export function handleSummary(data: object): Record<string, string> {
  return summaryFiles(SCENARIO, data);
}

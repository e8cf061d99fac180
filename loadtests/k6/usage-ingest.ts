// Usage ingestion batches: k6 run -e BASE_URL=… -e PILOTHOUSE_TOKEN=… usage-ingest.ts
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, api, optionsOf, summaryFiles, uniqueId } from './lib.ts';

const SCENARIO = 'usage-ingest';
const EVENTS_PER_BATCH = 50;
export const options = optionsOf(SCENARIO);

export function setup(): { token: string; tenantId: string } {
  const tenant = api<{ id: string }>('POST', '/api/v1/tenants', { name: `k6-usage-${Date.now()}`, plan: 'enterprise' });
  // Billable usage is written only by a platform collector token.
  const { token } = api<{ token: string }>('POST', '/api/v1/platform/tokens', { name: 'k6 collector', role: 'collector' });
  return { token, tenantId: tenant.id };
}

export default function (data: { token: string; tenantId: string }): void {
  const id = uniqueId();
  const time = new Date().toISOString();
  const batch = Array.from({ length: EVENTS_PER_BATCH }, (_, k) => ({
    specversion: '1.0', id: `${id}-${k}`, source: '/k6/gateway', type: 'llm.tokens', time,
    data: { quantity: 100 + k, model: 'claude-sonnet-4', kind: 'prompt' },
  }));
  const res = http.post(`${BASE_URL}/api/v1/tenants/${data.tenantId}/events`, JSON.stringify(batch), {
    headers: { authorization: `Bearer ${data.token}`, 'content-type': 'application/cloudevents-batch+json' },
    tags: { route: 'POST /api/v1/tenants/:tenantId/events' },
  });
  check(res, { 'batch accepted': (r) => r.status === 200 || r.status === 207 });
}

export function handleSummary(data: object): Record<string, string> {
  return summaryFiles(SCENARIO, data);
}

// Usage ingestion as the gateways send it: CloudEvents batches of LLM token events, each
// event new (fresh ids), for one tenant, through a platform collector token (the only
// credential that writes billable usage).
import type { Scenario } from './types.ts';

export const EVENTS_PER_BATCH = 50;

export const usageIngest: Scenario = {
  name: 'usage-ingest',
  description: `POST /api/v1/tenants/{id}/events: batches of ${EVENTS_PER_BATCH} new CloudEvents (llm.tokens)`,
  slos: ['api-latency-p95-200ms', 'api-availability-999'],
  profiles: {
    ci: { rate: 20, durationS: 10, warmupS: 2, connections: 16 },
    nightly: { rate: 100, durationS: 60, warmupS: 5, connections: 32 },
    soak: { rate: 30, durationS: 1800, warmupS: 10, connections: 16 },
  },
  async setup(t) {
    const tenant = await t.api('POST', '/api/v1/tenants', { name: `loadtest-usage-${Date.now()}`, plan: 'enterprise' });
    const { token } = await t.api('POST', '/api/v1/platform/tokens', { name: 'loadtest collector', role: 'collector' });
    const event = (k: number) => `{"specversion":"1.0","id":"{{uuid}}-${k}","source":"/loadtest/gateway","type":"llm.tokens","time":"{{now}}","data":{"quantity":${100 + k},"model":"claude-sonnet-4","kind":"prompt"}}`;
    const body = `[${Array.from({ length: EVENTS_PER_BATCH }, (_, k) => event(k)).join(',')}]`;
    return [{
      route: 'POST /api/v1/tenants/:tenantId/events', method: 'POST', paths: [`/api/v1/tenants/${tenant.id}/events`], body,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents-batch+json' },
    }];
  },
};

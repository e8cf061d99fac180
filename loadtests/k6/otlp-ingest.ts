// OTLP/HTTP JSON trace exports: k6 run -e BASE_URL=… -e PILOTHOUSE_TOKEN=… otlp-ingest.ts
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, api, hex, optionsOf, summaryFiles } from './lib.ts';

const SCENARIO = 'otlp-ingest';
const SPANS_PER_EXPORT = 20;
export const options = optionsOf(SCENARIO);

export function setup(): { token: string } {
  const tenant = api<{ id: string }>('POST', '/api/v1/tenants', { name: `k6-otlp-${Date.now()}`, plan: 'enterprise' });
  return api<{ token: string }>('POST', `/api/v1/tenants/${tenant.id}/tokens`, { name: 'k6 ingest', role: 'ingest' });
}

export default function (data: { token: string }): void {
  const traceId = hex(16);
  const rootId = hex(8);
  const ns = `${Date.now()}000000`;
  const spans = Array.from({ length: SPANS_PER_EXPORT }, (_, i) => ({
    traceId, spanId: i ? hex(8) : rootId, ...(i ? { parentSpanId: rootId } : {}),
    name: i ? `SELECT things ${i}` : 'GET /api/things/:id', kind: i ? 3 : 2, startTimeUnixNano: ns, endTimeUnixNano: ns,
    attributes: i ? [] : [{ key: 'http.route', value: { stringValue: '/api/things/:id' } }, { key: 'http.response.status_code', value: { intValue: '200' } }],
    status: {},
  }));
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'k6-service' } }] }, scopeSpans: [{ scope: { name: 'k6' }, spans }] }] };
  const res = http.post(`${BASE_URL}/v1/traces`, JSON.stringify(body), {
    headers: { authorization: `Bearer ${data.token}`, 'content-type': 'application/json' },
    tags: { route: 'POST /v1/traces' },
  });
  check(res, { 'export accepted': (r) => r.status === 200 });
}

export function handleSummary(data: object): Record<string, string> {
  return summaryFiles(SCENARIO, data);
}

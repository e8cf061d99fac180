// OTLP/HTTP JSON trace exports as an SDK's batch processor sends them: one trace of a server
// span and its children per request, ids fresh each time.
import type { Scenario } from './types.ts';

export const SPANS_PER_EXPORT = 20;

function exportBody(): string {
  const ns = '{{nowNs}}';
  const spans = Array.from({ length: SPANS_PER_EXPORT }, (_, i) => ({
    traceId: '{{traceId}}', spanId: `{{spanId${i}}}`, ...(i ? { parentSpanId: '{{spanId0}}' } : {}),
    name: i ? `SELECT things ${i}` : 'GET /api/things/:id', kind: i ? 3 : 2,
    startTimeUnixNano: ns, endTimeUnixNano: ns,
    attributes: i ? [{ key: 'db.system.name', value: { stringValue: 'postgresql' } }]
      : [{ key: 'http.request.method', value: { stringValue: 'GET' } }, { key: 'http.route', value: { stringValue: '/api/things/:id' } }, { key: 'http.response.status_code', value: { intValue: '200' } }],
    status: {},
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'loadtest-service' } }] }, scopeSpans: [{ scope: { name: 'loadtest' }, spans }] }] });
}

export const otlpIngest: Scenario = {
  name: 'otlp-ingest',
  description: `POST /v1/traces: OTLP/HTTP JSON exports of ${SPANS_PER_EXPORT} spans`,
  slos: ['api-latency-p95-200ms', 'api-availability-999'],
  profiles: {
    ci: { rate: 20, durationS: 10, warmupS: 2, connections: 16 },
    nightly: { rate: 100, durationS: 60, warmupS: 5, connections: 32 },
    soak: { rate: 30, durationS: 1800, warmupS: 10, connections: 16 },
  },
  async setup(t) {
    const tenant = await t.api('POST', '/api/v1/tenants', { name: `loadtest-otlp-${Date.now()}`, plan: 'enterprise' });
    const { token } = await t.api('POST', `/api/v1/tenants/${tenant.id}/tokens`, { name: 'loadtest ingest', role: 'ingest' });
    return [{
      route: 'POST /v1/traces', method: 'POST', paths: ['/v1/traces'], body: exportBody(),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    }];
  },
};

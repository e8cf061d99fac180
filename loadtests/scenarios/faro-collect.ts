// Browser telemetry as the Faro SDK posts it: web vitals and a log line per batch, from
// several registered apps (each app may send 50 batches a second).
import type { Scenario } from './types.ts';

const APPS = 4;

export const faroCollect: Scenario = {
  name: 'faro-collect',
  description: `POST /collect: Faro batches (measurements and logs) for ${APPS} browser apps`,
  slos: ['api-latency-p95-200ms', 'api-availability-999'],
  profiles: {
    ci: { rate: 40, durationS: 10, warmupS: 2, connections: 16 },
    nightly: { rate: 150, durationS: 60, warmupS: 5, connections: 32 },
    soak: { rate: 40, durationS: 1800, warmupS: 10, connections: 16 },
  },
  async setup(t) {
    const tenant = await t.api('POST', '/api/v1/tenants', { name: `loadtest-faro-${Date.now()}`, plan: 'enterprise' });
    const keys: string[] = [];
    for (let i = 0; i < APPS; i++) {
      const app = await t.api('POST', `/api/v1/tenants/${tenant.id}/rum/apps`, { name: `loadtest-app-${i}`, allowedOrigins: ['*'] });
      keys.push(app.apiKey);
    }
    const body = JSON.stringify({
      meta: { app: { name: 'loadtest-app', version: '1.0.0' }, session: { id: 'loadtest-{{seq}}' }, page: { url: 'https://app.example.com/overview' }, browser: { name: 'Chromium', version: '140' } },
      measurements: [{ type: 'web-vitals', values: { lcp: 1234.5 }, timestamp: '{{now}}' }],
      logs: [{ message: 'loadtest {{seq}}', level: 'info', timestamp: '{{now}}' }],
    });
    return keys.map((key, i) => ({
      route: 'POST /collect', method: 'POST' as const, paths: ['/collect'], body,
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'x-faro-session-id': `loadtest-${i}` },
    }));
  },
};

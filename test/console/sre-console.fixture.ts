// A small fleet for walking every console page: two tenants, workspaces in several states
// (created through the API, so people's actions are in the audit log), a trace that names its
// workspace, priced and unpriced usage, evaluated SLOs, the sandbox cluster behind the fleet.
import { randomBytes } from 'node:crypto';
import { bearer, buildTestApp, type TestApp } from '../helper.ts';
import { startTestCluster } from '../controllers/cluster.ts';
import { transitionWorkspace } from '../../tenancy/workspaces.ts';
import { ingestTraces } from '../../collectors/otlp/ingest.ts';
import { collector, postBatch, usageEvent } from '../collectors/usage/fixtures.ts';
import { loadPrices } from '../../collectors/usage/jobs.ts';

export interface SreFixture {
  t: TestApp;
  acme: { id: string; name: string };
  running: { id: string; name: string };
  broken: { id: string; name: string };
  traceId: string;
  slo: string;
  /** every page of the console, with the ids it needs */
  pages: string[];
  /** when the fixture's actions were taken */
  at: number;
}

export async function sreFixture(): Promise<SreFixture> {
  const cluster = await startTestCluster();
  const t = await buildTestApp({ console: true, cluster: { mode: 'simulated', server: cluster.url } });
  await loadPrices(t.db, undefined, { info() {}, error() {} });
  const admin = await t.token('admin');
  const acme = await t.tenant('Acme');
  await t.tenant('Globex');
  const at = Date.now();
  const create = async (name: string) => (await t.app.inject({ method: 'POST', url: `/api/v1/tenants/${acme.id}/workspaces`, headers: bearer(admin), payload: { name, region: 'eu-west-1' } })).json() as { id: string; name: string };
  const running = await create('acme-api');
  await transitionWorkspace(t.db, acme.id, running.id, { to: 'starting' });
  await transitionWorkspace(t.db, acme.id, running.id, { to: 'running' });
  const broken = await create('acme-broken');
  await transitionWorkspace(t.db, acme.id, broken.id, { to: 'starting' });
  await transitionWorkspace(t.db, acme.id, broken.id, { to: 'error', reason: 'no ready pod after 301 s' });
  const gone = await create('acme-old');
  await t.app.inject({ method: 'DELETE', url: `/api/v1/tenants/${acme.id}/workspaces/${gone.id}?reason=done`, headers: bearer(admin) });

  const traceId = randomBytes(16).toString('hex');
  const start = BigInt(at - 30_000) * 1_000_000n;
  await ingestTraces(t.db, {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'openhands-agent-server' } }] },
      scopeSpans: [{ spans: [{
        traceId, spanId: randomBytes(8).toString('hex'), name: 'POST /api/conversations/{id}/events', kind: 2,
        startTimeUnixNano: String(start), endTimeUnixNano: String(start + 1_200_000_000n),
        attributes: [
          { key: 'http.request.method', value: { stringValue: 'POST' } }, { key: 'http.route', value: { stringValue: '/api/conversations/{id}/events' } },
          { key: 'http.response.status_code', value: { intValue: 200 } }, { key: 'pilothouse.workspace', value: { stringValue: running.id } },
        ],
      }] }],
    }],
  }, { tenantId: acme.id, origin: 'server', retentionDays: 7 });

  const ingest = await collector(t, acme.id);
  const time = new Date(at - 60_000).toISOString();
  await postBatch(t.app, ingest, [
    usageEvent({ time, subject: running.id }, { quantity: 2_000_000, model: 'claude-sonnet-4-5', kind: 'prompt' }),
    usageEvent({ time, subject: running.id }, { quantity: 1_000, model: 'mystery-model', kind: 'prompt' }),
  ]);
  await t.app.inject({ method: 'POST', url: '/api/v1/slos/evaluate', headers: bearer(admin), payload: {} });
  const slos = (await t.app.inject({ url: '/api/v1/slos', headers: bearer(admin) })).json().items as { name: string }[];
  const slo = slos.find((s) => s.name.includes('startup'))?.name ?? slos[0]!.name;

  const pages = [
    '/', '/tenants', `/tenants/${acme.id}`, '/workspaces', `/workspaces/${acme.id}/${running.id}`, `/workspaces/${acme.id}/${broken.id}`,
    '/usage', `/usage?tenant=${acme.id}`, '/fleet', '/traces', `/traces/${traceId}?tenant=${acme.id}`, '/frontend', '/slos', `/slos/${slo}`, '/controllers',
  ];
  return { t, acme, running, broken, traceId, slo, pages, at };
}

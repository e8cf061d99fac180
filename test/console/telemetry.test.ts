// The console in real Chromium reports its own web vitals, errors and traces to /collect
// through @grafana/faro-web-sdk; the Frontend page shows them; the trace explorer finds a
// request and draws its waterfall; a page's API call joins the server's trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { skipWithout } from '../tools.ts';
import { buildTestApp, createTestDb } from '../helper.ts';
import { selfTracingEnv, startPilothouse } from '../process.ts';
import { createBootstrapLink } from '../../server/auth/sessions.ts';
import { ingestTraces } from '../../collectors/otlp/ingest.ts';

const skip = skipWithout('chromium');
const THROWN = `pilothouse browser test error ${randomBytes(3).toString('hex')}`;

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000, seen?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${seen ? `; stored so far: ${await seen()}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('the console stores its own web vitals and a thrown error through /collect, and the Frontend page shows them', { skip }, async () => {
  const { navigate, signedInAdmin } = await import('../browser.ts');
  const t = await buildTestApp({ console: true });
  const { page, errors } = await signedInAdmin(t);
  await navigate(page, 'Traces');
  await page.getByRole('heading', { name: 'Traces' }).waitFor();

  // The SDK starts after the first paint; until it has, there is nobody to see an error or
  // the tab going to the background (as for a real user who leaves that early).
  await page.waitForFunction(() => 'faro' in window, undefined, { timeout: 20_000 });
  // An uncaught error, as a bug in a page would throw it.
  await page.evaluate((message) => setTimeout(() => { throw new Error(message); }, 0), THROWN);
  // The tab goes to the background: web-vitals reports LCP and CLS then, and Faro sends.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });

  const consoleEvents = async () => (await t.db.query(
    `SELECT e.kind, e.name, e.value, e.message, e.page, e.session_id FROM rum_events e JOIN rum_apps a ON a.id = e.app_id
      WHERE a.name = 'pilothouse-console' AND a.tenant_id IS NULL`,
  )).rows;
  const rows = await until('web vitals and the error in rum_events', async () => {
    const r = await consoleEvents();
    const vitals = new Set(r.filter((e) => e.kind === 'vital').map((e) => e.name));
    const thrown = r.some((e) => e.kind === 'exception' && String(e.message).includes(THROWN));
    return ['lcp', 'fcp', 'ttfb', 'cls'].every((v) => vitals.has(v)) && thrown ? r : undefined;
  }, 20_000, async () => JSON.stringify((await consoleEvents()).map((e) => `${e.kind}:${e.name ?? e.message}`)));
  for (const v of rows.filter((e) => e.kind === 'vital')) {
    assert.ok(Number.isFinite(v.value) && v.value >= 0, `${v.name} = ${v.value}`);
    assert.ok(v.session_id, 'each vital belongs to a session');
    assert.match(v.page, /^\//);
  }

  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await navigate(page, 'Frontend');
  await page.getByRole('heading', { name: 'Frontend' }).waitFor();
  const vitalsTable = page.getByRole('table', { name: 'Web vitals per page' });
  await vitalsTable.getByRole('row', { name: /^\/\S*/ }).first().waitFor();
  await page.getByRole('table', { name: 'Recent exceptions' }).getByText(THROWN).waitFor();

  assert.deepEqual(errors.filter((e) => !e.includes(THROWN)), []);
});

test('the trace explorer lists a slow request and opens it as a waterfall', { skip }, async () => {
  const { signedInAdmin } = await import('../browser.ts');
  const t = await buildTestApp({ console: true });
  const tenant = await t.tenant('Initech');
  const traceId = randomBytes(16).toString('hex');
  const root = randomBytes(8).toString('hex');
  const start = BigInt(Date.now() - 120_000) * 1_000_000n;
  const span = (spanId: string, parent: string | undefined, name: string, kind: number, offMs: number, durMs: number, attrs: [string, string | number][] = []) => ({
    traceId, spanId, parentSpanId: parent, name, kind,
    startTimeUnixNano: String(start + BigInt(offMs) * 1_000_000n), endTimeUnixNano: String(start + BigInt(offMs + durMs) * 1_000_000n),
    attributes: attrs.map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: v } : { stringValue: v } })),
  });
  await ingestTraces(t.db, {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent-api' } }] },
      scopeSpans: [{ spans: [
        span(root, undefined, 'POST /workspaces', 2, 0, 1800, [['http.request.method', 'POST'], ['http.route', '/workspaces'], ['http.response.status_code', 201]]),
        span(randomBytes(8).toString('hex'), root, 'pull image', 3, 10, 1500),
      ] }],
    }],
  }, { tenantId: tenant.id, origin: 'server', retentionDays: 7 });

  const { base, page, errors } = await signedInAdmin(t);
  await page.goto(`${base}/traces?tenant=${tenant.id}&min=1000`);
  await page.getByRole('link', { name: 'POST /workspaces' }).click();
  await page.getByRole('heading', { name: /Trace/ }).waitFor();
  const waterfall = page.getByRole('list', { name: 'Waterfall' });
  await waterfall.getByRole('button', { name: /pull image/ }).click();
  await page.getByRole('heading', { name: 'pull image' }).waitFor();
  assert.equal(await waterfall.getByRole('listitem').count(), 2);
  assert.deepEqual(errors, []);
});

test('a console page\'s API call is one trace: the browser\'s fetch span is the parent of the server\'s span', { skip }, async () => {
  const { launchBrowser, navigate, strictPage } = await import('../browser.ts');
  const { url, pool } = await createTestDb();
  const server = await startPilothouse(selfTracingEnv(url, 'off'));
  try {
    const { page, errors } = await strictPage(await launchBrowser());
    await page.goto(`${server.base}/auth/bootstrap?token=${await createBootstrapLink(pool)}`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.waitForFunction(() => 'faro' in window, undefined, { timeout: 20_000 });
    // A fetch made once tracing runs: the Tenants page lists tenants through the API.
    await navigate(page, 'Tenants');
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();

    const linked = await until('a browser span with a server child', async () => (await pool.query(
      `SELECT b.service AS browser, s.service AS server, s.route
         FROM spans b JOIN spans s ON s.trace_id = b.trace_id AND s.parent_span_id = b.span_id
        WHERE b.tenant_id IS NULL AND s.tenant_id IS NULL AND b.service = 'pilothouse-console' AND s.kind = 2 AND s.route LIKE 'GET /api/v1/tenants%'
        LIMIT 1`,
    )).rows[0], 20_000, async () => JSON.stringify((await pool.query(`SELECT service, name, kind, route FROM spans ORDER BY start_time DESC LIMIT 15`)).rows));
    assert.deepEqual(linked, { browser: 'pilothouse-console', server: 'pilothouse', route: linked.route });
    assert.deepEqual(errors, []);
  } finally {
    await server.stop();
  }
});

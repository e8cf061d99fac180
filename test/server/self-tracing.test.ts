// `pilothouse start` with no OTLP endpoint sends its own traces to its own receiver, as the
// platform, and does not trace those exports (which would loop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb } from '../helper.ts';
import { selfTracingEnv, startPilothouse } from '../process.ts';

test('its own requests arrive as platform spans of service pilothouse, and exporting them is not traced', async () => {
  const { url, pool } = await createTestDb();
  const server = await startPilothouse(selfTracingEnv(url, 'off'));
  const base = server.base;
  const out = server.output;
  try {
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${base}/api/v1/me`)).status, 401);

    const routeCount = async () => (await pool.query(
      `SELECT count(*)::int AS n FROM spans WHERE tenant_id IS NULL AND service = 'pilothouse' AND route = 'GET /api/v1/me'`,
    )).rows[0].n as number;
    const deadline = Date.now() + 15_000;
    while ((await routeCount()) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await routeCount(), 3, `three server spans for GET /api/v1/me; output: ${out()}`);
    const rollup = await pool.query(`SELECT requests, errors FROM request_rollups WHERE tenant_id IS NULL AND route = 'GET /api/v1/me'`);
    assert.equal(rollup.rows.reduce((n, r) => n + r.requests, 0), 3);

    // Idle now: with a feedback loop every export would be traced and exported again.
    const total = async () => (await pool.query(`SELECT count(*)::int AS n FROM spans WHERE kind = 2`)).rows[0].n as number;
    await new Promise((r) => setTimeout(r, 1000));
    const settled = await total();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await total(), settled, 'no spans arrive while nobody uses the server');
    const ingest = await pool.query(`SELECT count(*)::int AS n FROM spans WHERE route LIKE '%/v1/traces%' OR attributes->>'url.path' = '/v1/traces'`);
    assert.equal(ingest.rows[0].n, 0);
  } finally {
    await server.stop();
  }
});

test('with the demo fleet in the same process, the simulated Kubernetes API is not among its server spans', async () => {
  const { url, pool } = await createTestDb();
  const server = await startPilothouse(selfTracingEnv(url, 'on'));
  try {
    // A running workspace means the controllers created its objects through the sandbox API
    // and read them back; Pilothouse's own API has served the synthetic tenants by then.
    const running = async () => (await pool.query(`SELECT count(*)::int AS n FROM workspaces WHERE state = 'running'`)).rows[0].n as number;
    const ownSpans = async () => (await pool.query(`SELECT count(*)::int AS n FROM spans WHERE service = 'pilothouse' AND kind = 2`)).rows[0].n as number;
    const deadline = Date.now() + 60_000;
    while (((await running()) < 1 || (await ownSpans()) < 5) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok((await running()) >= 1 && (await ownSpans()) >= 5, `a running workspace and own server spans; output: ${server.output()}`);
    await new Promise((r) => setTimeout(r, 500));
    const { rows } = await pool.query(
      `SELECT name, route, attributes->>'url.path' AS path FROM spans
        WHERE kind = 2 AND (route LIKE '% /*' OR attributes->>'url.path' ~ '^/(api/v1/(namespaces|nodes|pods)|apis/)')`,
    );
    assert.deepEqual(rows, []);
  } finally {
    await server.stop();
  }
});

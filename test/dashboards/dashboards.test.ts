// The Grafana dashboards in dashboards/: generated from dashboards/src/ (and up to date),
// valid against Grafana's dashboard schema, well-formed, every query names a metric
// Pilothouse exposes (or a recording rule `pilothouse slo rules` generates), and real
// Prometheus parses every query.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { DASHBOARDS, renderDashboard } from '../../dashboards/src/index.ts';
import { REPO_ROOT } from '../../slo/catalog.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestApp } from '../helper.ts';
import { freePort } from '../../db/embedded.ts';
import { ControllerRuntime } from '../../controllers/runtime/runtime.ts';
import { PgElector } from '../../controllers/runtime/elector.ts';
import { createControllers, LEASE_NAME } from '../../controllers/index.ts';
import { compileSpecDir } from '../../slo/catalog.ts';
import { generateRules } from '../../slo/rules/generate.ts';
import { skipWithout, TOOLS } from '../tools.ts';

interface Target { refId: string; expr: string }
interface Panel { id: number; type: string; title: string; datasource?: { uid: string }; gridPos: { x: number; y: number; w: number; h: number }; targets?: Target[] }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: { name: string }[] } }

const DIR = join(import.meta.dirname, '../../dashboards');
const dashboards = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => ({ file: f, d: JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Dashboard }));
const queries = (d: Dashboard) => d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
/** Metric names in a query: every identifier right before a `{` label matcher. */
const metricsIn = (expr: string) => [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]!);
/** A query as Grafana would send it, its variables filled in. */
const concrete = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$job', '.+').replaceAll('$service', 'pilothouse-api').replaceAll('$slo', 'api-availability-999')
  .replaceAll('$tenant', '.+').replaceAll('$controller', '.+').replaceAll('$scenario', '.+');

test('the committed JSON is what dashboards/src/ generates today', () => {
  assert.deepEqual(dashboards.map((x) => x.file).toSorted(), Object.keys(DASHBOARDS).toSorted());
  for (const [file, spec] of Object.entries(DASHBOARDS)) {
    assert.equal(readFileSync(join(DIR, file), 'utf8'), renderDashboard(spec), `dashboards/${file} is stale: run npm run dashboards`);
  }
});

// CI has shared/ beside the clone; a worktree may sit one folder deeper.
const SCHEMA_DIR = [join(REPO_ROOT, '..', 'shared', 'grafana-schema'), join(REPO_ROOT, '..', '..', 'shared', 'grafana-schema')].find((d) => existsSync(d));
const noSchema = SCHEMA_DIR ? false : process.env.PILOTHOUSE_REQUIRE_TOOLS === '1' ? false : 'Grafana schemas not found at ../shared/grafana-schema/';
test('every dashboard validates against Grafana\'s dashboard schema, and its panels and queries against theirs', { skip: noSchema }, () => {
  assert.ok(SCHEMA_DIR, 'the Grafana schemas must be at ../shared/grafana-schema/ beside the clone');
  const ajv = (addFormatsModule as unknown as (a: Ajv) => Ajv)(new Ajv({ strict: false, allErrors: true }));
  const read = (name: string) => JSON.parse(readFileSync(join(SCHEMA_DIR, `${name}.jsonschema.json`), 'utf8'));
  // The panel schemas are definitions only: compile the one a part of the panel must meet.
  const part = (name: string, definition: string) => ajv.compile({ $ref: `#/definitions/${definition}`, definitions: read(name).definitions });
  const dashboard = ajv.compile(read('dashboard'));
  const options: Record<string, ReturnType<typeof part>> = { timeseries: part('timeseries', 'Options'), stat: part('stat', 'Options') };
  const custom: Record<string, ReturnType<typeof part>> = { timeseries: part('timeseries', 'FieldConfig') };
  const query = ajv.compile(read('prometheus'));
  const problems: string[] = [];
  for (const { file, d } of dashboards) {
    if (!dashboard(d)) problems.push(`${file}: ${ajv.errorsText(dashboard.errors)}`);
    for (const p of d.panels as (Panel & { options?: unknown; fieldConfig?: { defaults?: { custom?: unknown } } })[]) {
      const o = options[p.type];
      if (o && !o(p.options ?? {})) problems.push(`${file} / ${p.title} options: ${ajv.errorsText(o.errors)}`);
      const c = custom[p.type];
      if (c && !c(p.fieldConfig?.defaults?.custom ?? {})) problems.push(`${file} / ${p.title} fieldConfig.custom: ${ajv.errorsText(c.errors)}`);
      for (const t of p.targets ?? []) if (!query(t)) problems.push(`${file} / ${p.title} query: ${ajv.errorsText(query.errors)}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('there are dashboards, each with a unique uid and a data source variable', () => {
  assert.ok(dashboards.length >= 2, dashboards.map((x) => x.file).join(', '));
  assert.equal(new Set(dashboards.map((x) => x.d.uid)).size, dashboards.length);
  for (const { file, d } of dashboards) assert.ok(d.templating.list.some((v) => v.name === 'datasource'), `${file}: a datasource variable`);
});

test('panels have unique ids, sit inside 24 columns without overlapping, and query the chosen data source', () => {
  for (const { file, d } of dashboards) {
    assert.equal(new Set(d.panels.map((p) => p.id)).size, d.panels.length, `${file}: panel ids`);
    const cells = new Map<string, string>();
    for (const p of d.panels) {
      const { x, y, w, h } = p.gridPos;
      assert.ok(x >= 0 && w > 0 && x + w <= 24, `${file}: ${p.title} fits 24 columns`);
      for (let i = x; i < x + w; i++) for (let j = y; j < y + h; j++) {
        const other = cells.get(`${i},${j}`);
        assert.equal(other, undefined, `${file}: ${p.title} overlaps ${other}`);
        cells.set(`${i},${j}`, p.title);
      }
      if (p.type === 'row') continue;
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax, not a template literal
      assert.equal(p.datasource?.uid, '${datasource}', `${file}: ${p.title}`);
      assert.ok(p.targets?.length && p.targets.every((t) => t.expr.trim()), `${file}: ${p.title} has queries`);
    }
  }
});

test('every metric the service dashboards query is one Pilothouse registers', async () => {
  const t = await buildTestApp();
  // The controllers register theirs when they are built with the app's registry.
  new ControllerRuntime({ db: t.db, elector: new PgElector(t.db, LEASE_NAME, 'dashboards-test', 10_000), controllers: createControllers({ registry: t.app.metrics }), registry: t.app.metrics });
  const exposed = new Set((await t.app.metrics.getMetricsAsJSON()).flatMap((m) => String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_count`, `${m.name}_sum`] : [m.name]));
  const missing = dashboards.filter((x) => x.d.uid !== 'pilothouse-slo').flatMap(({ file, d }) =>
    queries(d).flatMap((q) => metricsIn(q.expr).filter((m) => !exposed.has(m)).map((m) => `${file} / ${q.panel}: ${m}`)));
  assert.deepEqual(missing, []);
  const variables = dashboards.flatMap(({ file, d }) => d.templating.list.flatMap((v) => {
    const q = (v as { query?: unknown }).query;
    return typeof q === 'string' && q.startsWith('label_values(') ? metricsIn(q.replace(/label_values\(([a-z_:]+),/, '$1{},')).filter((m) => !exposed.has(m) && !m.startsWith('slo:')).map((m) => `${file} $${v.name}: ${m}`) : [];
  }));
  assert.deepEqual(variables, []);
});

test('every series the SLO dashboard queries is a rule generated for the shipped specs, or ALERTS', async () => {
  const { slos, problems } = await compileSpecDir();
  assert.deepEqual(problems, []);
  const rules = generateRules(slos, { runbookBaseUrl: 'http://localhost' }).file.groups.flatMap((g) => g.rules);
  const recorded = new Set(rules.flatMap((r) => ('record' in r && r.record ? [r.record] : [])));
  const slo = dashboards.find((x) => x.d.uid === 'pilothouse-slo')!.d;
  const missing = queries(slo).flatMap((q) => metricsIn(q.expr).filter((m) => m !== 'ALERTS' && !recorded.has(m)).map((m) => `${q.panel}: ${m}`));
  assert.deepEqual(missing, []);
  // The alerts carry the labels the dashboard filters by.
  assert.ok(rules.some((r) => 'alert' in r && r.alert), 'alert rules exist');
});

const skip = skipWithout('prometheus');
let prometheus: ChildProcess | undefined;
let promUrl = '';
const dir = mkdtempSync(join(tmpdir(), 'pilothouse-dashboards-'));
before(async () => {
  if (skip) return;
  writeFileSync(join(dir, 'prometheus.yml'), 'global: {scrape_interval: 15s}\n');
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(TOOLS.prometheus.path, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: 'ignore' });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${promUrl}/-/ready`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error('Prometheus did not become ready within 20 s');
    await new Promise((r) => setTimeout(r, 200));
  }
});
after(async () => {
  prometheus?.kill('SIGTERM');
  if (prometheus && prometheus.exitCode === null) await new Promise((ok) => prometheus!.once('exit', ok));
  rmSync(dir, { recursive: true, force: true });
});

test('Prometheus parses every query of every dashboard', { skip }, async () => {
  const refused: string[] = [];
  for (const { file, d } of dashboards) {
    for (const q of queries(d)) {
      const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(concrete(q.expr))}`);
      const body = (await res.json()) as { status: string; error?: string };
      if (body.status !== 'success') refused.push(`${file} / ${q.panel}: ${body.error}`);
    }
  }
  assert.deepEqual(refused, []);
});

// Pilothouse traces its own requests; each log line of a request carries the trace id and
// the request id, and the server span carries the request id, so the three join up.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTelemetry } from '../../server/telemetry.ts';

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
// Loaded after the SDK started, as `pilothouse start` does.
const { createTestDb, testConfig } = await import('../helper.ts');
const { buildApp } = await import('../../server/app.ts');

after(() => telemetry.shutdown());

test('a request\'s log lines carry its trace id, and its span carries the request id', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  const { pool } = await createTestDb();
  const app = await buildApp({ config: testConfig(), db: pool, console: false, logger: { level: 'info', stream } as never });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const res = await fetch(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/v1/me`, { headers: { 'x-request-id': 'req-trace-1' } });
  assert.equal(res.status, 401);
  await new Promise((r) => setTimeout(r, 50));
  const span = exporter.getFinishedSpans().find((s) => s.attributes['http.request.id'] === 'req-trace-1');
  assert.ok(span, `a span carries the request id; spans: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
  const logged = lines.filter((l) => l.request_id === 'req-trace-1');
  assert.ok(logged.some((l) => l.msg === 'request completed' && l.status === 401));
  for (const l of logged) assert.equal(l.trace_id, span.spanContext().traceId, JSON.stringify(l));
});

test('scrapes and health checks are not traced', async (t) => {
  const { pool } = await createTestDb();
  const app = await buildApp({ config: testConfig(), db: pool, console: false, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  exporter.reset();
  const port = (app.server.address() as { port: number }).port;
  await fetch(`http://127.0.0.1:${port}/metrics`);
  await fetch(`http://127.0.0.1:${port}/healthz`);
  await fetch(`http://127.0.0.1:${port}/auth/info`);
  await new Promise((r) => setTimeout(r, 50));
  const names = exporter.getFinishedSpans().map((s) => String(s.attributes['http.route'] ?? s.attributes['url.path'] ?? s.name));
  assert.ok(names.some((n) => n.includes('/auth/info')), `the ordinary route is traced: ${names.join(', ')}`);
  assert.ok(!names.some((n) => n.includes('/metrics') || n.includes('/healthz')), names.join(', '));
});

// Pilothouse's own traces are sampled at the end of each trace: a share by trace id, and
// every trace with an error or a slow request, whole (children included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TailSamplingProcessor, keptByRatio } from '../../server/trace-sampling.ts';

function setup(ratio: number, slowMs = 200) {
  const memory = new InMemorySpanExporter();
  const sampler = new TailSamplingProcessor(new SimpleSpanProcessor(memory), { ratio, slowMs });
  const provider = new BasicTracerProvider({ spanProcessors: [sampler] });
  const tracer = provider.getTracer('test');
  /** one server span with one child; returns the trace id */
  const request = (opts: { status?: number; error?: boolean; ms?: number; lateChild?: boolean } = {}) => {
    const t0 = Date.now();
    const root = tracer.startSpan('GET /api/v1/x', { kind: SpanKind.SERVER, startTime: t0 });
    const child = tracer.startSpan('SELECT', { startTime: t0 }, trace.setSpan(context.active(), root));
    if (opts.error) child.setStatus({ code: SpanStatusCode.ERROR });
    if (!opts.lateChild) child.end(t0 + 1);
    root.setAttribute('http.response.status_code', opts.status ?? 200);
    root.end(t0 + (opts.ms ?? 5));
    if (opts.lateChild) child.end(t0 + 10);
    return root.spanContext().traceId;
  };
  const traces = () => new Set(memory.getFinishedSpans().map((s) => s.spanContext().traceId));
  return { request, traces, memory, sampler };
}

test('about the ratio of ordinary traces is kept, chosen by trace id', () => {
  const s = setup(0.1);
  const ids = Array.from({ length: 2000 }, () => s.request());
  const kept = s.traces();
  assert.ok(kept.size > 120 && kept.size < 280, `${kept.size} of 2000 kept`);
  for (const id of ids) assert.equal(kept.has(id), keptByRatio(id, 0.1));
});

test('a kept trace is exported whole: the server span and its children', () => {
  const s = setup(1);
  s.request();
  assert.equal(s.memory.getFinishedSpans().length, 2);
});

test('every trace with a 5xx answer is kept', () => {
  const s = setup(0);
  const id = s.request({ status: 503 });
  s.request();
  assert.deepEqual([...s.traces()], [id]);
  assert.equal(s.memory.getFinishedSpans().length, 2);
});

test('every trace with an error span anywhere is kept', () => {
  const s = setup(0);
  const id = s.request({ error: true });
  assert.deepEqual([...s.traces()], [id]);
});

test('every slow request is kept', () => {
  const s = setup(0, 200);
  const slow = s.request({ ms: 250 });
  s.request({ ms: 199 });
  assert.deepEqual([...s.traces()], [slow]);
});

test('a span ending after its trace was decided follows the decision', () => {
  const kept = setup(1);
  kept.request({ lateChild: true });
  assert.equal(kept.memory.getFinishedSpans().length, 2);
  const dropped = setup(0);
  dropped.request({ lateChild: true });
  assert.equal(dropped.memory.getFinishedSpans().length, 0);
});

test('a trace whose root never ends is decided after its age limit, not held for ever', async () => {
  let now = 0;
  const memory = new InMemorySpanExporter();
  const sampler = new TailSamplingProcessor(new SimpleSpanProcessor(memory), { ratio: 0, slowMs: 200, maxAgeMs: 1000, now: () => now });
  const tracer = new BasicTracerProvider({ spanProcessors: [sampler] }).getTracer('t');
  const root = tracer.startSpan('never ends');
  const child = tracer.startSpan('failed', {}, trace.setSpan(context.active(), root));
  child.setStatus({ code: SpanStatusCode.ERROR });
  child.end();
  assert.equal(memory.getFinishedSpans().length, 0);
  now = 1500;
  sampler.sweep();
  assert.equal(memory.getFinishedSpans().length, 1, 'the error span is exported when its trace is decided');
  await sampler.shutdown();
});

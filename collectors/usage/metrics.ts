// Prometheus metrics of usage ingestion and of the inference it reports. No tenant label:
// tenants are unbounded. Model labels are bounded: the first MAX_MODELS distinct models seen
// keep their name, later ones are counted as "other". Error labels come from a fixed list.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { IngestResult } from './ingest.ts';
import type { UsageEvent } from './validate.ts';
import { REJECTION_REASONS } from './validate.ts';

const MAX_MODELS = 50;
// What a model id looks like (claude-sonnet-4, openai/gpt-4.1, vertex:gemini-2.5); anything else is "unknown".
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,99}$/;
const LLM_ERRORS = ['llm_authentication', 'llm_unavailable', 'out_of_credits', 'content_policy', 'rate_limited', 'timeout'];

export interface UsageMetrics {
  observe(result: IngestResult, stored: readonly UsageEvent[], commitSeconds: number): void;
  overloaded(): void;
  inFlight: Gauge;
}

export function createUsageMetrics(registry: Registry): UsageMetrics {
  const events = new Counter({
    name: 'pilothouse_usage_events_total',
    help: 'Usage events received, by result (accepted, duplicate, rejected) and rejection reason',
    labelNames: ['result', 'reason'] as const,
    registers: [registry],
  });
  // Every series exists from the start, so rate() over a reason never sees a missing series.
  events.inc({ result: 'accepted', reason: '' }, 0);
  events.inc({ result: 'duplicate', reason: '' }, 0);
  for (const reason of REJECTION_REASONS) events.inc({ result: 'rejected', reason }, 0);
  const commit = new Histogram({
    name: 'pilothouse_usage_batch_commit_duration_seconds',
    help: 'Time to write and commit one batch of usage events',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const overload = new Counter({
    name: 'pilothouse_usage_requests_refused_total',
    help: 'Ingestion requests answered 429 because too many were in flight',
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'pilothouse_usage_ingest_in_flight', help: 'Ingestion requests being processed', registers: [registry] });
  const tokens = new Counter({
    name: 'pilothouse_llm_tokens_total', help: 'LLM tokens reported by agents, by model and kind', labelNames: ['model', 'kind'] as const, registers: [registry],
  });
  const cacheHits = new Counter({
    name: 'pilothouse_llm_cache_hits_total', help: 'LLM calls that read from the prompt cache (llm.tokens events of kind cache_read)', labelNames: ['model'] as const, registers: [registry],
  });
  const latency = new Histogram({
    name: 'pilothouse_llm_request_duration_seconds',
    help: 'LLM call latency reported by agents (data.latency_ms of llm.* events)',
    labelNames: ['model'] as const,
    buckets: [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 120],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'pilothouse_llm_errors_total', help: 'LLM call errors reported by agents (data.error of llm.* events), by model', labelNames: ['model', 'error'] as const, registers: [registry],
  });

  const models = new Set<string>();
  const modelLabel = (m: unknown): string => {
    const name = typeof m === 'string' && MODEL_NAME.test(m) ? m : 'unknown';
    if (models.has(name)) return name;
    if (models.size < MAX_MODELS) {
      models.add(name);
      return name;
    }
    return 'other';
  };

  return {
    inFlight,
    overloaded: () => overload.inc(),
    observe(result, stored, commitSeconds) {
      events.inc({ result: 'accepted', reason: '' }, result.accepted);
      events.inc({ result: 'duplicate', reason: '' }, result.duplicates);
      for (const r of result.rejections) events.inc({ result: 'rejected', reason: r.reason });
      if (stored.length > 0) commit.observe(commitSeconds);
      for (const e of stored) {
        if (!e.meter.startsWith('llm.')) continue;
        const model = modelLabel(e.dimensions.model);
        const d = e.dimensions;
        if (e.meter === 'llm.tokens') {
          const kind = ['prompt', 'completion', 'cache_read', 'cache_write', 'reasoning'].includes(d.kind as string) ? (d.kind as string) : 'other';
          tokens.inc({ model, kind }, Math.max(0, Number(e.quantity)));
          if (kind === 'cache_read' && Number(e.quantity) > 0) cacheHits.inc({ model });
        }
        if (typeof d.latency_ms === 'number' && d.latency_ms >= 0) latency.observe({ model }, d.latency_ms / 1000);
        if (typeof d.error === 'string') errors.inc({ model, error: LLM_ERRORS.includes(d.error) ? d.error : 'other' });
      }
    },
  };
}

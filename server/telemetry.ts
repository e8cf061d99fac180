// Pilothouse's own traces. Started before fastify is loaded so the HTTP instrumentation can
// patch the server. Ingest routes are never traced: a process exporting to its own
// receiver would otherwise trace every export, which exports again, without end.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { randomBytes } from 'node:crypto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ServiceIdentity } from './auth/plugin.ts';
import { TailSamplingProcessor, type SamplingOptions } from './trace-sampling.ts';

/** Marks an http.Server whose requests are not Pilothouse's own (sandbox/k8s/server.ts sets it). */
const UNTRACED_SERVER = Symbol.for('pilothouse.untraced-server');

/** Paths whose requests are never traced (ingest endpoints and scrapes). */
export const UNTRACED_PATHS = ['/v1/traces', '/collect', '/metrics', '/healthz', '/readyz'];

export function isUntraced(url: string): boolean {
  const path = url.split('?')[0] ?? url;
  return UNTRACED_PATHS.some((p) => path === p || path.startsWith(p + '/')) || path.startsWith('/_app/');
}

/** Spans kept while the own receiver is not listening yet (startup); more are dropped. */
const MAX_PENDING_SPANS = 2048;

/**
 * Exports to this process's own OTLP receiver once it listens (its port is known only then),
 * holding the spans of the startup until it does.
 */
export class SelfExporter implements SpanExporter {
  private target?: SpanExporter;
  private pending: ReadableSpan[] = [];

  connect(baseUrl: string, token: string): void {
    this.target = new OTLPProtoTraceExporter({ url: `${baseUrl.replace(/\/+$/, '')}/v1/traces`, headers: { authorization: `Bearer ${token}` } });
    const held = this.pending;
    this.pending = [];
    if (held.length) this.target.export(held, () => {});
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.target) {
      this.target.export(spans, done);
      return;
    }
    const room = MAX_PENDING_SPANS - this.pending.length;
    this.pending.push(...spans.slice(0, Math.max(0, room)));
    done({ code: room >= spans.length ? ExportResultCode.SUCCESS : ExportResultCode.FAILED });
  }

  async shutdown(): Promise<void> {
    await this.target?.shutdown();
  }

  async forceFlush(): Promise<void> {
    await this.target?.forceFlush?.();
  }
}

/** The identity the self exporter sends: platform-level, allowed to ingest telemetry only. */
export function selfTelemetryIdentity(): ServiceIdentity {
  return { name: 'pilothouse-self-telemetry', secret: `phself_${randomBytes(32).toString('base64url')}`, grants: ['telemetry:ingest'] };
}

export interface TelemetryOptions {
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318; the exporter appends /v1/traces */
  endpoint?: string;
  /** without an endpoint: export to this process's own receiver, through this exporter */
  self?: SelfExporter;
  serviceName?: string;
  version?: string;
  /** extra span processors (tests collect spans in memory with one); they see every span */
  spanProcessors?: SpanProcessor[];
  /** which traces are exported (default: every one) */
  sampling?: SamplingOptions;
}

export function startTelemetry(opts: TelemetryOptions): { shutdown(): Promise<void> } {
  const exporting = [
    ...(opts.endpoint ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${opts.endpoint.replace(/\/+$/, '')}/v1/traces` }))] : []),
    ...(!opts.endpoint && opts.self ? [new BatchSpanProcessor(opts.self)] : []),
  ];
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'pilothouse',
      [ATTR_SERVICE_VERSION]: opts.version ?? '0.1.0',
    }),
    spanProcessors: [
      ...exporting.map((p) => (opts.sampling ? new TailSamplingProcessor(p, opts.sampling) : p)),
      ...(opts.spanProcessors ?? []),
    ],
    instrumentations: [
      new HttpInstrumentation({
        // Also skipped: servers marked untraced, such as the demo's simulated Kubernetes API in this process.
        ignoreIncomingRequestHook: (req) => isUntraced(req.url ?? '') || Boolean((req.socket as { server?: Record<symbol, unknown> }).server?.[UNTRACED_SERVER]),
        // The exporter's own requests must not be traced either.
        ignoreOutgoingRequestHook: (req) => isUntraced(req.path ?? ''),
      }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: (route: { url: string }) => isUntraced(route.url),
        requestHook: (span, request) => {
          span.setAttribute('http.request.id', (request as { id: string }).id);
        },
      }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

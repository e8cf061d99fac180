// Pilothouse's own traces. Started before fastify is loaded so the HTTP instrumentation can
// patch the server. Ingest routes are never traced: a process exporting to its own
// receiver would otherwise trace every export, which exports again, without end.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Paths whose requests are never traced (ingest endpoints and scrapes). */
export const UNTRACED_PATHS = ['/v1/traces', '/collect', '/metrics', '/healthz', '/readyz'];

export function isUntraced(url: string): boolean {
  const path = url.split('?')[0] ?? url;
  return UNTRACED_PATHS.some((p) => path === p || path.startsWith(p + '/')) || path.startsWith('/_app/');
}

export interface TelemetryOptions {
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318; the exporter appends /v1/traces */
  endpoint?: string;
  serviceName?: string;
  version?: string;
  /** extra span processors (tests collect spans in memory with one) */
  spanProcessors?: SpanProcessor[];
}

export function startTelemetry(opts: TelemetryOptions): { shutdown(): Promise<void> } {
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'pilothouse',
      [ATTR_SERVICE_VERSION]: opts.version ?? '0.1.0',
    }),
    spanProcessors: [
      ...(opts.endpoint ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${opts.endpoint.replace(/\/+$/, '')}/v1/traces` }))] : []),
      ...(opts.spanProcessors ?? []),
    ],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => isUntraced(req.url ?? ''),
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

// Real OpenTelemetry SDK pieces as test clients: a tracer provider whose finished spans are
// kept, and the two OTLP/HTTP exporters (JSON and protobuf) pointed at a receiver.
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';

export function recordingProvider(service: string) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  return { provider, tracer: provider.getTracer('pilothouse-test', '1.2.3'), finished: () => memory.getFinishedSpans() };
}

export type Encoding = 'json' | 'protobuf';

export function exporter(encoding: Encoding, url: string, token: string, gzip = false): SpanExporter {
  const opts = { url, headers: { authorization: `Bearer ${token}` }, compression: gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE };
  return encoding === 'json' ? new JsonExporter(opts) : new ProtoExporter(opts);
}

/** Exports spans once and resolves with the exporter's result (it retries retryable failures itself). */
export function send(exp: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((ok) => exp.export(spans, ok));
}

export const SUCCESS = ExportResultCode.SUCCESS;

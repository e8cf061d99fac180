// OTLP_FORWARD_ENDPOINT: every accepted trace export is sent on, byte for byte (same
// encoding and compression), to an OTLP/HTTP backend (Tempo, Jaeger, an OpenTelemetry
// Collector), with the tenant in X-Scope-OrgID (the multi-tenancy header of Tempo, Mimir and
// Loki). The receiver answers its sender only after the backend took the batch: a failed
// forward is a 503 the exporter retries, and the retry's duplicates are absorbed here.

export const FORWARD_TIMEOUT_MS = 5_000;
export const PLATFORM_ORG = 'platform';

export class ForwardError extends Error {}

/** `key=value,key2=value2` (the OTEL_EXPORTER_OTLP_HEADERS format, values URL-encoded). */
export function parseHeaders(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of list.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`"${part}" is not key=value`);
    out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

export interface Forwarder {
  endpoint: string;
  forward(body: Buffer, meta: { contentType: string; contentEncoding?: string; tenantId: string | null }): Promise<void>;
}

export function createForwarder(endpoint: string, headers: Record<string, string> = {}, timeoutMs = FORWARD_TIMEOUT_MS): Forwarder {
  const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  return {
    endpoint: url,
    async forward(body, meta) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {
            ...headers, 'content-type': meta.contentType, 'x-scope-orgid': meta.tenantId ?? PLATFORM_ORG,
            ...(meta.contentEncoding ? { 'content-encoding': meta.contentEncoding } : {}),
          },
          body: new Uint8Array(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new ForwardError(`the OTLP backend at ${url} is unreachable: ${(err as Error).message}`, { cause: err });
      }
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 300) throw new ForwardError(`the OTLP backend at ${url} answered ${res.status}`);
    },
  };
}

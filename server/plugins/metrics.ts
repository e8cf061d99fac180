// Prometheus exposition: one registry per app, HTTP request durations by method, route and
// status, process metrics. Open like any target, or behind METRICS_TOKEN.
import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
  interface FastifyRequest {
    startedAt: bigint;
  }
}

export interface MetricsOptions {
  token?: string;
}

export default fp(async function metrics(app: FastifyInstance, opts: MetricsOptions) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests served by Pilothouse',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.decorate('metrics', registry);
  app.decorateRequest('startedAt', 0n);

  app.addHook('onRequest', async (req) => {
    req.startedAt = process.hrtime.bigint();
  });
  app.addHook('onResponse', async (req, reply) => {
    // Unmatched URLs share one label value so scanners cannot explode the series count.
    const route = req.routeOptions.url ?? 'unmatched';
    const seconds = Number(process.hrtime.bigint() - req.startedAt) / 1e9;
    duration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, seconds);
  });

  app.get('/metrics', { config: { auth: { public: true } }, schema: { hide: true } }, async (req, reply) => {
    if (opts.token) {
      const sent = Buffer.from(req.headers.authorization ?? '');
      const want = Buffer.from(`Bearer ${opts.token}`);
      if (sent.length !== want.length || !timingSafeEqual(sent, want)) {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ statusCode: 401, error: 'Unauthorized', message: 'send METRICS_TOKEN as "Authorization: Bearer <token>"' });
      }
    }
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}, { name: 'pilothouse-metrics' });

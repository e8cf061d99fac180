// The fastify application: plugins, auth, routes and console. Built without listening so
// tests can call `app.inject`; server/main.ts starts it.
import { randomUUID, } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { trace } from '@opentelemetry/api';
import type { Db } from '../db/pool.ts';
import type { Config } from './config.ts';
import { clusterFromConfig, type ClusterAccess } from './cluster.ts';
import auth, { type ServiceIdentity } from './auth/plugin.ts';
import { OidcClient } from './auth/oidc.ts';
import metrics from './plugins/metrics.ts';
import storedGauges from './plugins/stored-gauges.ts';
import consolePlugin from './plugins/console.ts';
import { installValidation } from './plugins/validation.ts';
import { installInputGuard } from './plugins/input-guard.ts';
import { clientErrorOf } from './pg-errors.ts';
import authRoutes from './routes/auth.ts';
import { FEATURE_ROUTES } from './routes/index.ts';
import { listOf } from './auth/platform-role.ts';
import { PrincipalCache, changesPrincipals } from './auth/principal-cache.ts';
import { CacheInvalidation } from './cache/invalidation.ts';
import { defaultActionRegistry } from '../controllers/index.ts';
import type { ActionRegistry } from '../controllers/remediation/actions/plugin.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    config: Config;
    cluster: ClusterAccess;
    /** drops shared caches when the database announces a change (on every replica) */
    caches: CacheInvalidation;
    /** 'changed' when alerts fire or resolve: the remediation and notification loops wake on it */
    alertEvents: EventEmitter;
    /** the remediation actions: built-ins and the plugins loaded at start */
    actions: ActionRegistry;
  }
}

export interface AppOptions {
  config: Config;
  db: Db;
  logger?: FastifyServerOptions['logger'];
  /** serve the built console (off in API-only tests) */
  console?: boolean;
  /** credentials of this process for itself, such as its own trace exporter's */
  services?: readonly ServiceIdentity[];
  /** the cluster managed (default: KUBECONFIG or none); server/demo.ts gives the simulated one */
  cluster?: ClusterAccess;
  /** remediation actions (default: the built-ins) */
  actions?: ActionRegistry;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

// Query parameters that carry a credential (the bootstrap link's token, OIDC's code and
// state, a Faro key): the request log keeps their names, never their values.
const SECRET_PARAMS = /^(token|code|state|secret|key|api[_-]?key|access[_-]?token)$/i;

export function redactUrl(url: string): string {
  if (url.startsWith('/collect/')) url = url.replace(/^\/collect\/[^/?]+/, '/collect/REDACTED');
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url.slice(q + 1).split('&').map((kv) => {
    const eq = kv.indexOf('=');
    return eq > 0 && SECRET_PARAMS.test(kv.slice(0, eq)) ? `${kv.slice(0, eq)}=REDACTED` : kv;
  });
  return `${url.slice(0, q)}?${query.join('&')}`;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { config, db } = opts;
  const app = Fastify({
    logger: opts.logger ?? {
      level: config.LOG_LEVEL,
      // Every log line of a traced request names its trace, so logs and traces join up.
      mixin() {
        const ctx = trace.getActiveSpan()?.spanContext();
        return ctx ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
      },
    },
    bodyLimit: 1024 * 1024,
    // One line per request, written below with its route, status and trace id.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    requestIdHeader: false,
    genReqId: (req) => {
      const sent = req.headers['x-request-id'];
      return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID();
    },
    trustProxy: false,
    routerOptions: { ignoreTrailingSlash: true },
    ajv: undefined,
  });
  app.decorate('db', db);
  app.decorate('config', config);
  app.decorate('cluster', opts.cluster ?? clusterFromConfig(config));
  const caches = new CacheInvalidation();
  app.decorate('caches', caches);
  app.addHook('onReady', async () => caches.start(db));
  app.addHook('onClose', async () => caches.stop());
  // The database announces such changes to every replica; this one also drops its entries
  // before answering, so the caller's next request already sees the change.
  app.addHook('onSend', async (req) => {
    if (changesPrincipals(req.method, req.routeOptions.url ?? req.url)) caches.emit('auth');
  });
  app.decorate('alertEvents', new EventEmitter());
  app.decorate('actions', opts.actions ?? defaultActionRegistry());
  installValidation(app);
  installInputGuard(app);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    // Tie this request's log lines to its trace: @fastify/otel opened the span just before.
    const span = (req as { opentelemetry?: () => { span?: { spanContext(): { traceId: string; spanId: string } } } })
      .opentelemetry?.().span ?? trace.getActiveSpan();
    const ids = span?.spanContext();
    if (ids && ids.traceId !== '00000000000000000000000000000000') {
      req.log = req.log.child({ trace_id: ids.traceId, span_id: ids.spanId });
      reply.log = req.log;
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ method: req.method, url: redactUrl(req.url), route: req.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request completed');
  });

  // `expose` marks a server-side error whose message is written for the caller (a missing
  // configuration, say), as http-errors does; any other 5xx hides its cause behind the request id.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown; expose?: boolean }, req, reply) => {
    // A database error caused by the request's values is the caller's to fix, but its text
    // (constraint and table names) is ours: the caller gets a plain sentence, the log the rest.
    const fromDb = clientErrorOf(err);
    if (fromDb) {
      req.log.info({ err }, 'request refused by a database constraint');
      return reply.code(fromDb.status).send({ statusCode: fromDb.status, error: STATUS_CODES[fromDb.status] ?? 'Error', message: fromDb.message });
    }
    let status = err.statusCode ?? 500;
    if (status < 400) status = 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    if (status >= 500 && !err.expose) {
      return reply.code(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: `internal error; quote request id ${req.id} when reporting it` });
    }
    return reply.code(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: err.message });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route for ${req.method} ${req.url.split('?')[0]}` });
  });

  await app.register(cookie);
  // CSP is set on the console's HTML by its plugin; API responses are JSON.
  await app.register(helmet, { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false });
  await app.register(rateLimit, { global: false });
  await app.register(metrics, { token: config.METRICS_TOKEN });
  await app.register(storedGauges);
  await app.register(auth, { db, publicUrl: config.publicUrl, publicPrefixes: ['/api/docs'], services: opts.services, principals: new PrincipalCache(caches) });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Pilothouse API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  // staticCSP: the docs page gets a Content-Security-Policy with hashes of its own scripts and styles.
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  const oidc = config.OIDC_ISSUER && config.OIDC_CLIENT_ID
    ? new OidcClient({
      issuer: config.OIDC_ISSUER,
      clientId: config.OIDC_CLIENT_ID,
      clientSecret: config.OIDC_CLIENT_SECRET,
      scopes: config.OIDC_SCOPES,
      redirectUri: `${config.publicUrl}/auth/callback`,
      roles: {
        adminEmails: listOf(config.OIDC_ADMIN_EMAILS, true),
        groupsClaim: config.OIDC_GROUPS_CLAIM,
        groups: { admin: listOf(config.OIDC_ADMIN_GROUPS), sre: listOf(config.OIDC_SRE_GROUPS), viewer: listOf(config.OIDC_VIEWER_GROUPS) },
      },
      allowInsecure: config.OIDC_ALLOW_INSECURE,
    })
    : undefined;
  await app.register(authRoutes, { oidc });
  for (const routes of FEATURE_ROUTES) await app.register(routes);
  if (opts.console !== false) await app.register(consolePlugin);
  return app;
}

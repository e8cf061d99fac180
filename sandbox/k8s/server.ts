// The sandbox Kubernetes API server: fastify on a loopback port, one catch-all route that
// parses the Kubernetes path grammar (/api/v1/namespaces/<ns>/<resource>/<name>/<sub>) and
// hands the verb to the store. Errors are Status bodies; fault rules wrap every request.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { ObjectStore, type DeleteOptions, type ListOptions, type ListResult } from './store.ts';
import { RESOURCES, apiVersionOf, findResource, keyOf, resourceByKey, type ResourceType } from './resources.ts';
import { ApiError, badRequest, conflict, gone, invalid, methodNotAllowed, notFound, unknownResource } from './status.ts';
import { parseFieldSelector, parseLabelSelector, fromLabelSelector, selectorToString, matchesLabels, matchesFields } from './selectors.ts';
import { patchTypeOf, applyPatch } from './patch.ts';
import { coreVersions, group, groupList, resourceList, VERSION_INFO } from './discovery.ts';
import { FaultInjector, faultStatusBody, type FaultRule, type RequestFacts } from './faults.ts';
import { invalidValue } from './validation.ts';
import { Authenticator, authorize, forbidden, requestAttributes } from './rbac.ts';
import { Volumes } from './volumes.ts';
import type { KObject, StoredObject, WatchEvent } from './types.ts';

// The simulated API server is not Pilothouse: when it runs inside Pilothouse's process (the
// demo), its requests must not show up among Pilothouse's own server spans. `otel: false`
// turns @fastify/otel off per route; the marked server is skipped by the HTTP instrumentation.
const UNTRACED = { config: { otel: false } };
export const UNTRACED_SERVER = Symbol.for('pilothouse.untraced-server');

export interface MetricsItem { metadata: { name: string; namespace?: string; labels?: Record<string, string>; creationTimestamp?: string }; timestamp: string; window: string; usage?: Record<string, string>; containers?: Array<{ name: string; usage: Record<string, string> }> }

/** What answers metrics.k8s.io; the fleet simulator provides it. */
export interface MetricsProvider {
  nodes(): MetricsItem[];
  pods(namespace?: string): MetricsItem[];
}

/** Region front doors the health checks reach (the fleet provides them). */
export interface GatewayProvider {
  list(): Array<{ name: string; up: boolean }>;
  known(region: string): boolean;
  state(region: string): { up: true } | { up: false; mode: 'hang' | 'refuse' };
  down(region: string, mode?: 'hang' | 'refuse'): void;
  up(region: string): void;
}

/** how long a region in a `hang` outage holds a probe before dropping the connection */
export const HANG_MS = 30_000;

export interface ApiServerOptions {
  store?: ObjectStore;
  faults?: FaultInjector;
  metrics?: MetricsProvider;
  logger?: boolean;
  /**
   * 'rbac': authenticate bearer tokens (issued by `server.auth`) and authorize every API
   * request against the Roles, ClusterRoles and bindings in the store, as kube-apiserver
   * does; 'none' (default): any request is allowed, as before.
   */
  authorization?: 'rbac' | 'none';
}

interface Target {
  rt: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const ALL_FIELDS = ['metadata.name', 'metadata.namespace'];

/** Splits a path under /api/v1 or /apis/<g>/<v> into resource, namespace, name and subresource. */
function resolve(groupName: string, version: string, parts: string[]): Target {
  const lookup = (plural: string) => {
    const rt = findResource(groupName, version, plural);
    if (!rt) throw unknownResource();
    return rt;
  };
  // namespaces/<ns>/<plural>[/<name>[/<sub>]], unless it is the namespace's own subresource.
  if (parts[0] === 'namespaces' && parts.length >= 3 && !(groupName === '' && (parts[2] === 'status' || parts[2] === 'finalize') && parts.length === 3)) {
    const rt = lookup(parts[2]!);
    if (!rt.namespaced) throw unknownResource();
    if (parts.length > 5) throw unknownResource();
    return { rt, namespace: parts[1], name: parts[3], subresource: parts[4] };
  }
  const rt = lookup(parts[0]!);
  if (parts.length > 3) throw unknownResource();
  if (rt.namespaced && parts.length > 1) throw unknownResource();
  return { rt, name: parts[1], subresource: parts[2] };
}

function listKind(rt: ResourceType, r: ListResult) {
  const items = r.items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
  return {
    kind: `${rt.kind}List`, apiVersion: apiVersionOf(rt),
    metadata: { resourceVersion: r.resourceVersion, ...(r.continue ? { continue: r.continue, remainingItemCount: r.remainingItemCount } : {}) },
    items,
  };
}

function toScale(o: StoredObject) {
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
    spec: { replicas: o.spec?.replicas ?? 0 },
    status: { replicas: o.status?.replicas ?? 0, selector: selectorToString(fromLabelSelector(o.spec?.selector)) },
  };
}

function parseBody(req: FastifyRequest): unknown {
  const raw = req.body;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const ct = String(req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim();
  if (ct === 'application/apply-patch+yaml') return raw;
  if (!/json/.test(ct)) throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got ${ct})`);
  try { return JSON.parse(String(raw)); } catch (err) { throw badRequest(`the body of the request could not be decoded as JSON: ${(err as Error).message}`); }
}

const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
const intParam = (v: string | undefined, name: string) => {
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid ${name} "${v}": must be an integer`);
  return Number(v);
};

export class SandboxApiServer {
  readonly store: ObjectStore;
  readonly faults: FaultInjector;
  readonly auth = new Authenticator();
  readonly volumes: Volumes;
  readonly rbac: boolean;
  metrics: MetricsProvider;
  gateways?: GatewayProvider;
  readonly app: FastifyInstance;
  private readonly held = new Set<ServerResponse>();

  /** Region health endpoints and the switch that takes a region down and back. */
  private regionRoutes(): void {
    const region = (req: FastifyRequest) => {
      const name = (req.params as { name: string }).name;
      if (!this.gateways?.known(name)) throw new ApiError(404, 'NotFound', `region "${name}" has no nodes in this fleet`);
      return name;
    };
    this.app.get('/sandbox/v1/regions', UNTRACED, async () => ({ regions: this.gateways?.list() ?? [] }));
    this.app.get('/sandbox/v1/regions/:name/healthz', UNTRACED, async (req, reply) => {
      const state = this.gateways?.state(region(req));
      if (!state || state.up) return reply.type('text/plain').send('ok');
      if (state.mode === 'refuse') return reply.code(503).type('text/plain').send('region unavailable');
      // A dead front door: no answer until the checker gives up.
      reply.hijack();
      this.held.add(reply.raw);
      const timer = setTimeout(() => reply.raw.destroy(), HANG_MS);
      timer.unref();
      reply.raw.on('close', () => { clearTimeout(timer); this.held.delete(reply.raw); });
    });
    this.app.post('/sandbox/v1/regions/:name/outage', UNTRACED, async (req, reply) => {
      const name = region(req);
      const body = (parseBody(req) ?? {}) as { mode?: string };
      if (body.mode !== undefined && body.mode !== 'hang' && body.mode !== 'refuse') throw badRequest('mode must be "hang" (probes get no answer) or "refuse" (503)');
      this.gateways!.down(name, (body.mode as 'hang' | 'refuse' | undefined) ?? 'hang');
      return reply.code(201).send({ region: name, up: false });
    });
    this.app.delete('/sandbox/v1/regions/:name/outage', UNTRACED, async (req) => {
      const name = region(req);
      this.gateways!.up(name);
      return { region: name, up: true };
    });
  }
  private readonly watchers = new Set<() => void>();

  constructor(opts: ApiServerOptions = {}) {
    this.store = opts.store ?? new ObjectStore();
    this.faults = opts.faults ?? new FaultInjector();
    this.rbac = opts.authorization === 'rbac';
    this.volumes = new Volumes(this.store);
    this.metrics = opts.metrics ?? { nodes: () => [], pods: () => [] };
    this.app = Fastify({ logger: opts.logger ?? false, bodyLimit: 3 * 1024 * 1024, routerOptions: { ignoreTrailingSlash: true } });
    (this.app.server as unknown as Record<symbol, boolean>)[UNTRACED_SERVER] = true;
    this.app.removeAllContentTypeParsers();
    this.app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    this.app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
      if (err instanceof ApiError) return reply.code(err.code).send(err.status);
      const code = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
      const status = new ApiError(code, code === 413 ? 'RequestEntityTooLarge' : code >= 500 ? 'InternalError' : 'BadRequest', err.message);
      return reply.code(code).send(status.status);
    });
    this.app.get('/version', UNTRACED, async () => VERSION_INFO);
    for (const p of ['/healthz', '/livez', '/readyz']) this.app.get(p, UNTRACED, async (_r, reply) => reply.type('text/plain').send('ok'));
    this.app.get('/sandbox/v1/faults', UNTRACED, async () => this.faults.list());
    this.app.post('/sandbox/v1/faults', UNTRACED, async (req, reply) => {
      const rule = parseBody(req) as FaultRule & { times?: number };
      if (!rule || typeof rule !== 'object' || !rule.action || typeof rule.action !== 'object') throw badRequest('a fault rule needs an action such as {"kind":"status","code":500}');
      if (rule.times === -1) rule.times = Infinity;
      const state = this.faults.inject(rule);
      return reply.code(201).send({ id: state.id });
    });
    this.app.delete('/sandbox/v1/faults', UNTRACED, async () => { this.faults.clear(); return { cleared: true }; });
    // The files on a claim (see volumes.ts): what a workspace's agent wrote there.
    this.app.get<{ Params: { ns: string; name: string } }>('/sandbox/v1/volumes/:ns/:name', UNTRACED, async (req) => {
      const files = this.volumes.read(req.params.ns, req.params.name);
      if (!files) throw notFound(resourceByKey('persistentvolumeclaims'), req.params.name);
      return { files };
    });
    this.app.put<{ Params: { ns: string; name: string } }>('/sandbox/v1/volumes/:ns/:name', UNTRACED, async (req) => {
      const body = parseBody(req) as { files?: Record<string, string> } | undefined;
      if (!body?.files || typeof body.files !== 'object') throw badRequest('send {"files": {"path": "content"}}');
      if (!this.volumes.write(req.params.ns, req.params.name, body.files)) throw notFound(resourceByKey('persistentvolumeclaims'), req.params.name);
      return { files: this.volumes.read(req.params.ns, req.params.name) };
    });
    this.regionRoutes();
    this.app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/*', ...UNTRACED, handler: (req, reply) => this.dispatch(req, reply) });
    this.app.addHook('onClose', async () => {
      for (const stop of this.watchers) stop();
      for (const res of this.held) res.destroy();
    });
  }

  private async dispatch(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const url = new URL(req.url, 'http://sandbox');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method.toUpperCase();
    let facts: RequestFacts = { method, path: url.pathname + url.search };
    let target: Target | undefined;
    let groupName = '';
    let version = '';
    let rest: string[] = [];
    if (parts[0] === 'api' && parts.length >= 2) { version = parts[1]!; rest = parts.slice(2); }
    else if (parts[0] === 'apis' && parts.length >= 3) { groupName = parts[1]!; version = parts[2]!; rest = parts.slice(3); }
    try {
      if (rest.length > 0) {
        target = resolve(groupName, version, rest);
        facts = { ...facts, resource: target.rt.plural, namespace: target.namespace, name: target.name, subresource: target.subresource };
      }
    } catch { /* answered below as a 404 after faults */ }

    const before = this.faults.take(facts, false);
    if (before && (await this.applyFault(before.action, facts, reply))) return reply;
    if (this.rbac) {
      // Authentication and authorization come before the resource is even looked up.
      const attrs = requestAttributes(this.auth.authenticate(req.headers.authorization), method, url);
      if (!authorize(this.store, attrs)) throw forbidden(attrs);
    }

    const result = await this.handle(req, reply, parts, groupName, version, rest, target);
    if (reply.sent) return reply;
    const after = this.faults.take(facts, true);
    if (after && (await this.applyFault(after.action, facts, reply))) return reply;
    return reply.code(result.code).send(result.body);
  }

  /** Carries out a fault; true when the request has been answered (or abandoned) by it. */
  private async applyFault(action: FaultRule['action'], facts: RequestFacts, reply: FastifyReply): Promise<boolean> {
    switch (action.kind) {
      case 'delay':
        await new Promise((ok) => setTimeout(ok, action.ms));
        return false;
      case 'status': {
        if (action.retryAfterSeconds !== undefined) reply.header('retry-after', String(action.retryAfterSeconds));
        reply.code(action.code).send(faultStatusBody(action, facts));
        return true;
      }
      case 'reset':
        reply.hijack();
        reply.raw.destroy();
        return true;
      case 'timeout': {
        reply.hijack();
        const res = reply.raw;
        this.held.add(res);
        const timer = setTimeout(() => { this.held.delete(res); res.destroy(); }, action.holdMs ?? 30_000);
        res.on('close', () => { clearTimeout(timer); this.held.delete(res); });
        return true;
      }
    }
  }

  private async handle(req: FastifyRequest, reply: FastifyReply, parts: string[], groupName: string, version: string, rest: string[], target: Target | undefined): Promise<{ code: number; body: unknown }> {
    const method = req.method.toUpperCase();
    const host = String(req.headers.host ?? '127.0.0.1');
    if (parts.length === 1 && parts[0] === 'api') return { code: 200, body: coreVersions(host) };
    if (parts.length === 1 && parts[0] === 'apis') return { code: 200, body: groupList() };
    if (parts[0] === 'apis' && parts.length === 2) {
      const g = group(parts[1]!);
      if (!g) throw unknownResource();
      return { code: 200, body: g };
    }
    if ((parts[0] === 'api' || parts[0] === 'apis') && rest.length === 0 && version) {
      const list = resourceList(groupName, version);
      if (!list) throw unknownResource();
      return { code: 200, body: list };
    }
    if (!target) {
      if (rest.length > 0) throw unknownResource();
      throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${method} ${parts.join('/')})`);
    }
    const { rt, namespace, name, subresource } = target;
    if (rt.readOnly) return this.handleMetrics(req, rt, namespace, name);
    if (subresource && !rt.subresources.includes(subresource as 'status' | 'scale' | 'eviction')) throw unknownResource();
    const query = q(req);
    const dryRun = query.dryRun === 'All';
    if (!name) {
      const listOpts: ListOptions = {
        labelSelector: parseLabelSelector(query.labelSelector),
        fieldSelector: parseFieldSelector(query.fieldSelector, [...ALL_FIELDS, ...rt.fields]),
        limit: intParam(query.limit, 'limit'),
        continue: query.continue,
      };
      if (method === 'GET') {
        if (query.watch === 'true' || query.watch === '1') { this.watch(req, reply, rt, namespace, listOpts); return { code: 200, body: undefined }; }
        return { code: 200, body: listKind(rt, this.store.list(rt, namespace, listOpts)) };
      }
      if (method === 'POST') {
        if (rt.namespaced && !namespace) throw methodNotAllowed();
        return { code: 201, body: this.store.create(rt, namespace, parseBody(req) as KObject, { dryRun }) };
      }
      if (method === 'DELETE') {
        if (rt.namespaced && !namespace) throw methodNotAllowed();
        const opts = this.deleteOptions(req);
        return { code: 200, body: listKind(rt, this.store.deleteCollection(rt, namespace, { ...listOpts, ...opts })) };
      }
      throw methodNotAllowed();
    }
    if (rt.namespaced && !namespace) throw unknownResource();
    if (subresource === 'scale') return this.handleScale(req, rt, namespace, name, dryRun);
    if (subresource === 'eviction') return this.handleEviction(req, rt, namespace!, name, dryRun);
    const sub = subresource === 'status' ? 'status' as const : undefined;
    switch (method) {
      case 'GET': return { code: 200, body: this.store.get(rt, namespace, name) };
      case 'PUT': return { code: 200, body: this.store.update(rt, namespace, name, parseBody(req) as KObject, { dryRun, subresource: sub }) };
      case 'PATCH': {
        const type = patchTypeOf(req.headers['content-type']);
        const existed = this.store.tryGet(rt, namespace, name) !== undefined;
        const body = type === 'apply' ? req.body : parseBody(req);
        const out = this.store.patch(rt, namespace, name, type, body, { dryRun, subresource: sub, fieldManager: query.fieldManager, force: query.force === 'true' });
        return { code: existed ? 200 : 201, body: out };
      }
      case 'DELETE': {
        if (sub) throw methodNotAllowed();
        return { code: 200, body: this.store.delete(rt, namespace, name, this.deleteOptions(req)) };
      }
      default: throw methodNotAllowed();
    }
  }

  private deleteOptions(req: FastifyRequest): DeleteOptions {
    const query = q(req);
    const body = (parseBody(req) ?? {}) as DeleteOptions & { dryRun?: string[] | boolean };
    const grace = intParam(query.gracePeriodSeconds, 'gracePeriodSeconds') ?? body.gracePeriodSeconds;
    const policy = (query.propagationPolicy ?? body.propagationPolicy) as DeleteOptions['propagationPolicy'];
    if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
    }
    return {
      preconditions: body.preconditions,
      gracePeriodSeconds: grace,
      propagationPolicy: policy,
      dryRun: query.dryRun === 'All' || (Array.isArray(body.dryRun) && body.dryRun.includes('All')),
    };
  }

  private handleScale(req: FastifyRequest, rt: ResourceType, namespace: string | undefined, name: string, dryRun: boolean) {
    const method = req.method.toUpperCase();
    const current = this.store.get(rt, namespace, name);
    if (method === 'GET') return { code: 200, body: toScale(current) };
    let scale: any;
    if (method === 'PUT') scale = parseBody(req);
    else if (method === 'PATCH') {
      const type = patchTypeOf(req.headers['content-type']);
      scale = applyPatch(type, toScale(current), type === 'apply' ? req.body : parseBody(req));
    } else throw methodNotAllowed();
    if (!scale || typeof scale !== 'object') throw badRequest('the body must be a Scale object');
    if (scale.metadata?.resourceVersion && scale.metadata.resourceVersion !== current.metadata.resourceVersion) throw conflict(rt, name);
    const replicas = scale.spec?.replicas;
    if (!Number.isInteger(replicas ?? 0) || (replicas ?? 0) < 0) {
      throw invalid({ group: 'autoscaling', kind: 'Scale' }, name, [invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0')]);
    }
    const next = { ...current, spec: { ...current.spec, replicas: replicas ?? 0 } };
    const updated = this.store.update(rt, namespace, name, next, { dryRun });
    return { code: 200, body: toScale(updated) };
  }

  /**
   * The Eviction API (policy/v1 Eviction posted to pods/<name>/eviction): refused with 429
   * while a PodDisruptionBudget selecting the pod allows no disruption, as the API server's
   * eviction REST handler does; otherwise the budget's disruptionsAllowed goes down by one
   * and the pod is deleted gracefully.
   */
  private handleEviction(req: FastifyRequest, rt: ResourceType, namespace: string, name: string, dryRun: boolean) {
    if (req.method.toUpperCase() !== 'POST') throw methodNotAllowed();
    const body = (parseBody(req) ?? {}) as { kind?: string; metadata?: { name?: string }; deleteOptions?: DeleteOptions };
    if (body.metadata?.name && body.metadata.name !== name) throw badRequest(`name in URL does not match name in Eviction object`);
    const pod = this.store.get(rt, namespace, name);
    const pdbRt = findResource('policy', 'v1', 'poddisruptionbudgets')!;
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' || pod.status?.phase === 'Pending';
    const budgets = this.store.list(pdbRt, namespace, {}).items
      .filter((b) => b.spec?.selector && matchesLabels(fromLabelSelector(b.spec.selector), pod.metadata.labels));
    if (budgets.length > 1) throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    const pdb = budgets[0];
    if (pdb && !terminal && !pod.metadata.deletionTimestamp) {
      if ((pdb.status?.disruptionsAllowed ?? 0) < 1) {
        throw new ApiError(429, 'TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.', {
          causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdb.metadata.name} needs ${pdb.status?.desiredHealthy ?? 0} healthy pods and has ${pdb.status?.currentHealthy ?? 0} currently` }],
        });
      }
      if (!dryRun) this.store.update(pdbRt, namespace, pdb.metadata.name, { ...pdb, status: { ...pdb.status, disruptionsAllowed: pdb.status.disruptionsAllowed - 1 } }, { subresource: 'status' });
    }
    this.store.delete(rt, namespace, name, { ...body.deleteOptions, dryRun });
    return { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
  }

  private handleMetrics(req: FastifyRequest, rt: ResourceType, namespace: string | undefined, name: string | undefined) {
    if (req.method.toUpperCase() !== 'GET') throw methodNotAllowed();
    const selector = parseLabelSelector(q(req).labelSelector);
    const all = (rt.plural === 'nodes' ? this.metrics.nodes() : this.metrics.pods(namespace))
      .filter((m) => matchesLabels(selector, m.metadata.labels));
    if (name) {
      const one = all.find((m) => m.metadata.name === name);
      if (!one) throw notFound(rt, name);
      return { code: 200, body: { kind: rt.kind, apiVersion: apiVersionOf(rt), ...one } };
    }
    return { code: 200, body: { kind: `${rt.kind}List`, apiVersion: apiVersionOf(rt), metadata: {}, items: all } };
  }

  /** A watch stream: newline-delimited JSON events, as the API server sends them. */
  private watch(req: FastifyRequest, reply: FastifyReply, rt: ResourceType, namespace: string | undefined, opts: ListOptions): void {
    const query = q(req);
    const fromRv = query.resourceVersion && query.resourceVersion !== '0' ? Number(query.resourceVersion) : undefined;
    if (fromRv !== undefined && !Number.isFinite(fromRv)) throw badRequest(`invalid resourceVersion "${query.resourceVersion}"`);
    const key = keyOf(rt);
    const inScope = (o: StoredObject) => !rt.namespaced || namespace === undefined || o.metadata.namespace === namespace;
    const matches = (o: StoredObject) => inScope(o) && (!opts.labelSelector || matchesLabels(opts.labelSelector, o.metadata.labels))
      && (!opts.fieldSelector || matchesFields(opts.fieldSelector, o));
    const seen = new Set<string>();
    const id = (o: StoredObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
    // Clients wait for the headers before they read events: send them now, not with the first event.
    res.flushHeaders();
    const send = (type: string, object: unknown) => res.write(JSON.stringify({ type, object }) + '\n');
    const onEvent = (ev: WatchEvent) => {
      if (ev.resource !== key || !inScope(ev.object)) return;
      const was = seen.has(id(ev.object));
      const now = ev.type !== 'DELETED' && matches(ev.object);
      if (ev.type === 'DELETED') { if (was || matches(ev.object)) { seen.delete(id(ev.object)); send('DELETED', ev.object); } return; }
      if (now) { seen.add(id(ev.object)); send(was ? 'MODIFIED' : 'ADDED', ev.object); }
      else if (was) { seen.delete(id(ev.object)); send('DELETED', ev.object); }
    };
    if (fromRv === undefined) {
      for (const o of this.store.list(rt, namespace, opts).items) { seen.add(id(o)); send('ADDED', o); }
    } else {
      const backlog = this.store.eventsSince(fromRv);
      if (!backlog) {
        send('ERROR', gone(`too old resource version: ${fromRv} (${this.store.resourceVersion})`).status);
        res.end();
        return;
      }
      for (const o of this.store.list(rt, namespace, opts).items) if (Number(o.metadata.resourceVersion) <= fromRv) seen.add(id(o));
      for (const ev of backlog) onEvent(ev);
    }
    this.store.events.on('event', onEvent);
    const timeout = intParam(query.timeoutSeconds, 'timeoutSeconds');
    const stop = () => {
      this.store.events.off('event', onEvent);
      this.watchers.delete(stop);
      clearTimeout(timer);
      if (!res.writableEnded) res.end();
    };
    const timer = setTimeout(stop, (timeout ?? 1800) * 1000);
    this.watchers.add(stop);
    res.on('close', stop);
  }

  /** Listens on a loopback port (0: any free one) and returns the base URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return this.app.listen({ port, host });
  }

  close(): Promise<void> { return this.app.close(); }
}

export { RESOURCES };

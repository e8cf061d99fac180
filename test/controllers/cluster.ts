// Test fixtures for controllers: the sandbox cluster (its API server, and the simulated
// control plane and nodes that turn Deployments into pods that become ready, on test
// timings) reached through the real client, behind a proxy that records every request.
// The cluster enforces RBAC with the ServiceAccount, Roles and bindings of deploy/: every
// client that does not say otherwise (cluster.kube(), and any request through the proxy
// without a token of its own) acts as Pilothouse's ServiceAccount, so a verb missing from
// deploy/base/rbac.yaml fails the test that needs it with a 403.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { applyObjects, startSandbox, TEST_TIMINGS, type FleetOptions, type RunningSandbox } from '../../sandbox/index.ts';
import { pilothouseServiceAccount, rbacObjects } from '../deploy/manifests.ts';
import { Kube, type KubeOptions } from '../../kube/client.ts';
import { eventually } from '../eventually.ts';

export interface SeenRequest {
  method: string;
  path: string;
  status: number;
}

export interface TestCluster {
  api: RunningSandbox;
  /**
   * Writes the API server carried out on one object that changed its spec or metadata (not
   * status-only updates), counted from the server's own event stream: a write whose answer
   * was lost, or whose client died, still counts.
   */
  specWrites(resource: string, namespace: string, name: string): number;
  /** the proxy's URL: point clients here so their requests are recorded */
  url: string;
  requests: SeenRequest[];
  /** a client acting as Pilothouse's ServiceAccount (under deploy/'s RBAC) unless `token` says otherwise */
  kube(opts?: Omit<KubeOptions, 'server'>): Kube;
  /** a cluster-admin client, for set-up and checks that are not what is under test */
  admin(opts?: Omit<KubeOptions, 'server' | 'token'>): Kube;
  /** Pilothouse's own namespace (where its Lease lives), from deploy/ */
  namespace: string;
  /** the bearer tokens: Pilothouse's ServiceAccount and a cluster admin */
  tokens: { pilothouse: string; admin: string };
  /** writes (POST, PUT, PATCH, DELETE) whose path contains `fragment` */
  writes(fragment: string): SeenRequest[];
}

/** The sandbox on test timings; `fleet` changes its pools or some timings. */
export async function startTestCluster(fleet: FleetOptions = {}): Promise<TestCluster> {
  const api = await startSandbox({ seed: 7, ...fleet, timings: { ...TEST_TIMINGS, ...fleet.timings }, authorization: 'rbac' });
  applyObjects(api.server, rbacObjects());
  const sa = pilothouseServiceAccount();
  const tokens = { pilothouse: api.server.auth.serviceAccountToken(sa.namespace, sa.name), admin: api.server.auth.adminToken() };
  const upstream = new URL(api.url);
  const lastSeen = new Map<string, string>();
  const writeCounts = new Map<string, number>();
  api.server.store.events.on('event', (ev: { type: string; resource: string; object: { metadata: { namespace?: string; name: string; annotations?: unknown; labels?: unknown }; spec?: unknown } }) => {
    const key = `${ev.resource}|${ev.object.metadata.namespace ?? ''}|${ev.object.metadata.name}`;
    const shape = JSON.stringify([ev.type, ev.object.spec, ev.object.metadata.annotations, ev.object.metadata.labels]);
    if (lastSeen.get(key) !== shape) writeCounts.set(key, (writeCounts.get(key) ?? 0) + 1);
    lastSeen.set(key, shape);
  });
  const requests: SeenRequest[] = [];
  const proxy = http.createServer((req, res) => {
    const seen: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/', status: 0 };
    requests.push(seen);
    const headers = { ...req.headers, authorization: req.headers.authorization ?? `Bearer ${tokens.pilothouse}` };
    const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (r) => {
      seen.status = r.statusCode ?? 0;
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  after(async () => {
    proxy.closeAllConnections();
    await new Promise((ok) => proxy.close(ok));
    const closing = api.close();
    api.server.app.server.closeAllConnections();
    await closing;
  });
  const client = (opts: Omit<KubeOptions, 'server'>) => new Kube({ timeoutMs: 2_000, minBackoffMs: 20, maxBackoffMs: 200, ...opts, server: url });
  return {
    api, url, requests, tokens, namespace: sa.namespace,
    specWrites: (resource, namespace, name) => writeCounts.get(`${resource}|${namespace}|${name}`) ?? 0,
    kube: (opts = {}) => client({ token: tokens.pilothouse, ...opts }),
    admin: (opts = {}) => client({ ...opts, token: tokens.admin }),
    writes: (fragment) => requests.filter((r) => r.method !== 'GET' && r.path.includes(fragment)),
  };
}

export const waitFor = <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> => eventually(what, probe, timeoutMs);

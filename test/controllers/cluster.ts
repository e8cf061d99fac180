// Test fixtures for controllers: the sandbox API server reached through the real client,
// a proxy in front of it that records every request (so a test can count writes), and a
// stand-in for the kubelet and deployment controller that reports a deployment's pods
// ready some time after its replicas change (the sandbox API server stores objects; it
// runs no pods).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startSandboxApi, type RunningApiServer } from '../../sandbox/k8s/index.ts';
import { Kube, type KubeOptions } from '../../controllers/kube/client.ts';
import { MANAGED_SELECTOR } from '../../controllers/workspaces/manifests.ts';

export interface SeenRequest {
  method: string;
  path: string;
  status: number;
}

export interface TestCluster {
  api: RunningApiServer;
  /**
   * Writes the API server carried out on one object that changed its spec or metadata (not
   * status-only updates), counted from the server's own event stream: a write whose answer
   * was lost, or whose client died, still counts.
   */
  specWrites(resource: string, namespace: string, name: string): number;
  /** the proxy's URL: point clients here so their requests are recorded */
  url: string;
  requests: SeenRequest[];
  kube(opts?: Omit<KubeOptions, 'server'>): Kube;
  /** writes (POST, PUT, PATCH, DELETE) whose path contains `fragment` */
  writes(fragment: string): SeenRequest[];
}

const simulators = new Set<() => void>();

export async function startTestCluster(): Promise<TestCluster> {
  const api = await startSandboxApi();
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
    const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
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
    // Clients polling the API server keep its connections busy: stop them, then close.
    for (const stop of simulators) stop();
    proxy.closeAllConnections();
    await new Promise((ok) => proxy.close(ok));
    const closing = api.close();
    api.server.app.server.closeAllConnections();
    await closing;
  });
  return {
    api, url, requests,
    specWrites: (resource, namespace, name) => writeCounts.get(`${resource}|${namespace}|${name}`) ?? 0,
    kube: (opts = {}) => new Kube({ timeoutMs: 2_000, minBackoffMs: 20, maxBackoffMs: 200, ...opts, server: url }),
    writes: (fragment) => requests.filter((r) => r.method !== 'GET' && r.path.includes(fragment)),
  };
}

/**
 * Reports a managed Deployment's pods ready `delayMs` after its replica count last changed,
 * through the status subresource, as the deployment controller does once the kubelet says
 * the pod is ready. Returns a stop function.
 */
export function simulatePods(apiUrl: string, delayMs = 300): () => void {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: apiUrl, skipTLSVerify: true }], users: [{ name: 'u' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c',
  });
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const since = new Map<string, { replicas: number; at: number }>();
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      try {
        const list = await apps.listDeploymentForAllNamespaces({ labelSelector: MANAGED_SELECTOR });
        for (const d of list.items) {
          const key = `${d.metadata?.namespace}/${d.metadata?.name}`;
          const want = d.spec?.replicas ?? 0;
          if ((d.status?.readyReplicas ?? 0) === want && (d.status?.replicas ?? 0) === want) continue;
          const seen = since.get(key);
          if (!seen || seen.replicas !== want) {
            since.set(key, { replicas: want, at: Date.now() });
            if (want !== 0) continue;
          } else if (Date.now() - seen.at < delayMs && want !== 0) continue;
          await apps.replaceNamespacedDeploymentStatus({
            namespace: d.metadata!.namespace!, name: d.metadata!.name!,
            body: { ...d, status: { ...d.status, replicas: want, readyReplicas: want, availableReplicas: want, observedGeneration: d.metadata?.generation } },
          }).catch(() => {});
        }
      } catch {
        // the API server may be failing on purpose; try again
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
  };
  void loop();
  const stop = () => { stopped = true; };
  simulators.add(stop);
  after(stop);
  return stop;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

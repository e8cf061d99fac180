// The sandbox Kubernetes API: start it, point @kubernetes/client-node at it, break it on
// purpose. See sandbox/README.md.
import { KubeConfig } from '@kubernetes/client-node';
import { SandboxApiServer, type ApiServerOptions } from './server.ts';
import { RESOURCES, resourceByKey } from './resources.ts';
import { SYSTEM_PRIORITY_CLASSES } from './priority.ts';

const NAMESPACES = resourceByKey('namespaces');
const PRIORITY_CLASSES = resourceByKey('scheduling.k8s.io/priorityclasses');

export { SandboxApiServer, type MetricsProvider, type MetricsItem } from './server.ts';
export { ObjectStore, k8sTime } from './store.ts';
export { FaultInjector, injectFault, clearFaults, type FaultRule, type FaultAction, type FaultMatch, type FaultState } from './faults.ts';
export { RESOURCES, keyOf, resourceByKey, type ResourceType } from './resources.ts';
export { ApiError } from './status.ts';
export { Authenticator, type UserInfo } from './rbac.ts';
export type { KObject, StoredObject, WatchEvent } from './types.ts';

export interface RunningApiServer {
  server: SandboxApiServer;
  /** base URL, such as http://127.0.0.1:41234 */
  url: string;
  /** a KubeConfig for the real client, pointed at this server */
  kubeConfig(): KubeConfig;
  close(): Promise<void>;
}

/** A KubeConfig for a sandbox server URL: what a kubeconfig file would give the client. */
export function sandboxKubeConfig(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sandbox', server: url, skipTLSVerify: true }],
    users: [{ name: 'sandbox', token: 'sandbox' }],
    contexts: [{ name: 'sandbox', cluster: 'sandbox', user: 'sandbox', namespace: 'default' }],
    currentContext: 'sandbox',
  });
  return kc;
}

/**
 * Creates or replaces each object in the store, found by its apiVersion and kind, as
 * `kubectl apply` of rendered manifests would (without field ownership). Namespaced objects
 * without a namespace go to `default`; missing namespaces are created.
 */
export function applyObjects(server: SandboxApiServer, objects: KObjectInput[]): void {
  for (const o of objects) {
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') as [string, string] : ['', o.apiVersion];
    const rt = RESOURCES.find((r) => r.group === group && r.version === version && r.kind === o.kind && !r.readOnly);
    if (!rt) throw new Error(`the sandbox does not serve ${o.apiVersion} ${o.kind}`);
    const ns = rt.namespaced ? o.metadata.namespace ?? 'default' : undefined;
    if (ns && !server.store.tryGet(NAMESPACES, undefined, ns)) server.store.create(NAMESPACES, undefined, { metadata: { name: ns } });
    const existing = server.store.tryGet(rt, ns, o.metadata.name);
    if (existing) server.store.update(rt, ns, o.metadata.name, { ...o, metadata: { ...o.metadata, resourceVersion: existing.metadata.resourceVersion } });
    else server.store.create(rt, ns, o);
  }
}

type KObjectInput = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

/**
 * Starts the API server on a loopback port with what a fresh cluster has: the `default`,
 * `kube-system` and `kube-node-lease` namespaces and the two system PriorityClasses.
 */
export async function startSandboxApi(opts: ApiServerOptions & { port?: number; host?: string } = {}): Promise<RunningApiServer> {
  const server = new SandboxApiServer(opts);
  for (const ns of ['default', 'kube-system', 'kube-node-lease']) {
    if (!server.store.tryGet(NAMESPACES, undefined, ns)) server.store.create(NAMESPACES, undefined, { metadata: { name: ns } });
  }
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    if (!server.store.tryGet(PRIORITY_CLASSES, undefined, pc.name)) server.store.create(PRIORITY_CLASSES, undefined, { metadata: { name: pc.name }, value: pc.value, description: pc.description });
  }
  const url = await server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  return { server, url, kubeConfig: () => sandboxKubeConfig(url), close: () => server.close() };
}

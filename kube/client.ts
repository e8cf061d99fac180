// Kubernetes access through @kubernetes/client-node: a kubeconfig file, the in-cluster
// service account, or a plain URL (the sandbox API server). Every request has a timeout;
// 5xx, 429, timeouts and network errors are retried with exponential backoff. Conflicts
// (409) and other 4xx are not retried here: the object layer answers them with a fresh read.
import * as k8s from '@kubernetes/client-node';
import pRetry from 'p-retry';

export interface KubeOptions {
  /** path of a kubeconfig file */
  kubeconfig?: string;
  /** the service account of the pod this runs in */
  inCluster?: boolean;
  /** a bare API server URL (the sandbox), with no authentication unless `token` is given */
  server?: string;
  /** a bearer token for `server` (a service account's token, as a pod would present) */
  token?: string;
  /** per request, including reading the body */
  timeoutMs?: number;
  /** retries after the first attempt */
  retries?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  onRetry?: (what: string, error: unknown, attempt: number) => void;
}

/** A time with the microsecond precision a Lease needs (a real API server rejects milliseconds). */
export const microTime = (ms = Date.now()) => new k8s.V1MicroTime(ms);

// The object types callers outside kube/ need, so that none of them imports the client.
export type { V1Container, V1ContainerStatus, V1Deployment, V1Lease, V1Node, V1Pod } from '@kubernetes/client-node';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRIES = 4;

export function loadKubeConfig(o: KubeOptions): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (o.server) {
    kc.loadFromOptions({
      // The client refuses http:// without skipTLSVerify (and then opens a connection per request).
      clusters: [{ name: 'pilothouse', server: o.server.replace(/\/+$/, ''), skipTLSVerify: true }],
      users: [{ name: 'pilothouse', ...(o.token ? { token: o.token } : {}) }],
      contexts: [{ name: 'pilothouse', cluster: 'pilothouse', user: 'pilothouse' }],
      currentContext: 'pilothouse',
    });
  } else if (o.kubeconfig) {
    kc.loadFromFile(o.kubeconfig);
  } else if (o.inCluster) {
    kc.loadFromCluster();
  } else {
    throw new Error('Kubernetes access needs a kubeconfig path, inCluster, or a server URL');
  }
  return kc;
}

/** The HTTP status of a failed call, or undefined for network errors and timeouts. */
export function statusOf(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? err.code : undefined;
}

/** The Kubernetes Status `reason` (AlreadyExists, Conflict, NotFound…) of a failed call. */
export function reasonOf(err: unknown): string | undefined {
  if (!(err instanceof k8s.ApiException)) return undefined;
  try {
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    return typeof body?.reason === 'string' ? body.reason : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What an action log may say of a failed call: the status code, reason and Status message.
 * ApiException's own message carries the whole response, headers included, which tenant
 * members reading their tenant's actions have no business seeing.
 */
export function describeKubeError(err: unknown): string {
  if (!(err instanceof k8s.ApiException)) return err instanceof Error ? err.message : String(err);
  let said = '';
  try {
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    if (typeof body?.message === 'string') said = `: ${body.message.slice(0, 500)}`;
  } catch {
    // a body that is not a Status says nothing more worth keeping
  }
  return `Kubernetes answered ${err.code}${reasonOf(err) ? ` ${reasonOf(err)}` : ''}${said}`;
}

export function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; cause?: { name?: string } };
  return e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'TimeoutError';
}

/** Worth another attempt: the server failed or was unreachable, not the request. */
export function isRetryable(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status >= 500 || status === 429;
  if (isTimeout(err)) return true;
  const e = err as { name?: string; message?: string; cause?: { code?: string } };
  return e?.name === 'TypeError' && /fetch failed|terminated|other side closed/i.test(e.message ?? '')
    || ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'].includes(e?.cause?.code ?? '');
}

export class Kube {
  readonly config: k8s.KubeConfig;
  readonly core: k8s.CoreV1Api;
  readonly apps: k8s.AppsV1Api;
  readonly policy: k8s.PolicyV1Api;
  readonly coordination: k8s.CoordinationV1Api;
  readonly scheduling: k8s.SchedulingV1Api;
  readonly custom: k8s.CustomObjectsApi;
  readonly version: k8s.VersionApi;
  readonly server: string;
  private readonly opts: Required<Pick<KubeOptions, 'timeoutMs' | 'retries' | 'minBackoffMs' | 'maxBackoffMs'>> & KubeOptions;

  constructor(opts: KubeOptions) {
    this.opts = { timeoutMs: DEFAULT_TIMEOUT_MS, retries: DEFAULT_RETRIES, minBackoffMs: 100, maxBackoffMs: 2_000, ...opts };
    this.config = loadKubeConfig(opts);
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = cluster.server;
    const timeoutMs = this.opts.timeoutMs;
    const configuration = k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration(cluster.server, {}),
      authMethods: { default: this.config },
      promiseMiddleware: [{
        // The generated client has no timeout of its own; a hung API server would hang the loop.
        pre: async (ctx) => {
          ctx.setSignal(AbortSignal.timeout(timeoutMs));
          return ctx;
        },
        post: async (res) => res,
      }],
    });
    this.core = new k8s.CoreV1Api(configuration);
    this.apps = new k8s.AppsV1Api(configuration);
    this.policy = new k8s.PolicyV1Api(configuration);
    this.coordination = new k8s.CoordinationV1Api(configuration);
    this.scheduling = new k8s.SchedulingV1Api(configuration);
    this.custom = new k8s.CustomObjectsApi(configuration);
    this.version = new k8s.VersionApi(configuration);
  }

  /** Runs one API call, retrying server failures and timeouts with backoff. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return pRetry(fn, {
      retries: this.opts.retries,
      minTimeout: this.opts.minBackoffMs,
      maxTimeout: this.opts.maxBackoffMs,
      factor: 2,
      randomize: true,
      shouldRetry: ({ error }) => isRetryable(error),
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (isRetryable(error)) this.opts.onRetry?.(what, error, attemptNumber);
      },
    });
  }
}

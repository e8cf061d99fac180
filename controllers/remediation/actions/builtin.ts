// The built-in actions. Each is thin: read, check the target still needs it, write through
// kube/ (fenced by the epoch, guarded by resourceVersion), and say what it did.
import { createHmac } from 'node:crypto';
import { Type, type Static } from 'typebox';
import type { Kube, V1ContainerStatus, V1Node, V1Pod } from '../../../kube/client.ts';
import { readObject, deleteObject, updateObject } from '../../../kube/objects.ts';
import { listAll } from '../../../kube/list.ts';
import { drainNode } from '../../../kube/drain.ts';
import { listWorkspaces, transitionWorkspace } from '../../../tenancy/workspaces.ts';
import { type ActionPlugin, type LoadedAction, validatePlugin } from './plugin.ts';
import { configMapRouter, headroomWarmPool, type RegionRouter, type WarmPool } from './ports.ts';

const Name = Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' });

const needKube = (kube: Kube | undefined): Kube => {
  if (!kube) throw new Error('this action needs a Kubernetes cluster, and none is configured');
  return kube;
};

const ScaleParams = Type.Object({
  namespace: Name, name: Name,
  step: Type.Integer({ minimum: 1, maximum: 100, default: 1 }),
  min: Type.Integer({ minimum: 0, maximum: 10_000, default: 0 }),
  max: Type.Integer({ minimum: 1, maximum: 10_000 }),
}, { additionalProperties: false });

export const scaleDeployment: ActionPlugin<Static<typeof ScaleParams>> = {
  name: 'scale-deployment',
  description: 'Scale a Deployment up by `step` replicas, never past `max` (nor below `min`)',
  paramsSchema: ScaleParams, risky: false, kind: 'deployment',
  target: (p) => `Deployment ${p.namespace}/${p.name}`,
  async apply(kube, dryRun, epoch, p) {
    const k = needKube(kube);
    const d = await readObject(k, 'Deployment', p.namespace, p.name);
    if (!d) throw new Error(`Deployment ${p.namespace}/${p.name} not found`);
    const from = d.spec?.replicas ?? 1;
    const to = Math.max(p.min, Math.min(p.max, from + p.step));
    if (to === from) return { changed: false, replicas: from, reason: `already at the bound (min ${p.min}, max ${p.max})` };
    if (dryRun) return { changed: true, dryRun: true, from, to };
    const r = await updateObject(k, 'Deployment', p.namespace, p.name, epoch, (cur) => {
      const now = cur.spec?.replicas ?? 1;
      const want = Math.max(p.min, Math.min(p.max, now + p.step));
      return want === now ? null : { ...cur, spec: { ...cur.spec, replicas: want } };
    });
    return { ...r, from, to };
  },
};

/** CrashLoopBackOff, as `kubectl get pods` shows it. */
export function isCrashLooping(p: { status?: { containerStatuses?: V1ContainerStatus[] } }): boolean {
  return (p.status?.containerStatuses ?? []).some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff');
}

const RestartParams = Type.Object({
  namespace: Name,
  pod: Type.Optional(Name),
  selector: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000, description: 'a label selector; every crash-looping pod it selects' })),
}, { additionalProperties: false });

export const restartPods: ActionPlugin<Static<typeof RestartParams>> = {
  name: 'restart-pod',
  description: 'Delete crash-looping pods (their controller creates fresh ones); pods that are not crash-looping are left alone',
  paramsSchema: RestartParams, risky: false, kind: 'pod',
  target: (p) => `Pod ${p.namespace}/${p.pod ?? `{${p.selector ?? ''}}`}`,
  async fleetHealth(kube) {
    const pods = await listAll(kube, 'list pods', (cont) => kube.core.listPodForAllNamespaces({ limit: 500, _continue: cont }));
    return { total: pods.length, unhealthy: pods.filter(isCrashLooping).length };
  },
  async apply(kube, dryRun, epoch, p) {
    const k = needKube(kube);
    if (!p.pod && !p.selector) throw new Error('give the pod\'s name or a label selector');
    const pods: V1Pod[] = p.pod
      ? [await readObject(k, 'Pod', p.namespace, p.pod)].filter(Boolean) as V1Pod[]
      : await listAll(k, `list pods ${p.selector}`, (cont) => k.core.listNamespacedPod({ namespace: p.namespace, labelSelector: p.selector, limit: 500, _continue: cont }));
    const looping = pods.filter(isCrashLooping);
    if (dryRun) return { changed: looping.length > 0, dryRun: true, wouldDelete: looping.map((x) => x.metadata!.name) };
    const deleted: string[] = [];
    for (const pod of looping) {
      const r = await deleteObject(k, 'Pod', p.namespace, pod.metadata!.name!, epoch);
      if (r.changed) deleted.push(pod.metadata!.name!);
    }
    return { changed: deleted.length > 0, deleted, notCrashLooping: pods.filter((x) => !isCrashLooping(x)).map((x) => x.metadata!.name) };
  },
};

const NodeParams = Type.Object({ node: Name }, { additionalProperties: false });

export const cordonDrain: ActionPlugin<Static<typeof NodeParams>> = {
  name: 'cordon-drain-node',
  description: 'Cordon a node and evict its pods through the Eviction API (disruption budgets honoured)',
  paramsSchema: NodeParams, risky: true, kind: 'node',
  target: (p) => `Node/${p.node}`,
  async fleetHealth(kube) {
    const nodes = await listAll(kube, 'list nodes', (cont) => kube.core.listNode({ limit: 500, _continue: cont }));
    const ready = (n: V1Node) => (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    return { total: nodes.length, unhealthy: nodes.filter((n) => !ready(n) || n.spec?.unschedulable).length };
  },
  async apply(kube, dryRun, epoch, p) {
    const k = needKube(kube);
    if (!(await readObject(k, 'Node', '', p.node))) throw new Error(`Node ${p.node} not found`);
    return drainNode(k, p.node, epoch, dryRun);
  },
};

const WarmParams = Type.Object({
  region: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$' }),
  pool: Type.Union([Type.Literal('on-demand'), Type.Literal('spot')], { default: 'on-demand' }),
  by: Type.Integer({ minimum: 1, maximum: 40, default: 2 }),
  max: Type.Integer({ minimum: 1, maximum: 200, default: 40 }),
  holdSeconds: Type.Integer({ minimum: 60, maximum: 86_400, default: 3_600 }),
}, { additionalProperties: false });

export const raiseWarmPool = (pool: WarmPool = headroomWarmPool): ActionPlugin<Static<typeof WarmParams>> => ({
  name: 'raise-warm-pool',
  description: 'Raise the warm pool (headroom placeholders) of a region and node pool by `by`, up to `max`, for `holdSeconds`',
  paramsSchema: WarmParams, risky: false, kind: 'warm-pool',
  target: (p) => `WarmPool ${p.region}/${p.pool}`,
  apply: (kube, dryRun, epoch, p, ctx) => pool.raise(needKube(kube), { ...p, epoch, dryRun, now: ctx.now }),
});

const FailoverParams = Type.Object({
  from: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$' }),
  to: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$' }),
}, { additionalProperties: false });

export const failRegionOver = (router: RegionRouter = configMapRouter): ActionPlugin<Static<typeof FailoverParams>> => ({
  name: 'failover-region',
  description: 'Fail a region over: steer new workspaces and traffic from `from` to `to`',
  paramsSchema: FailoverParams, risky: true, kind: 'region',
  target: (p) => `Region/${p.from}`,
  async apply(kube, dryRun, epoch, p, ctx) {
    if (p.from === p.to) throw new Error('a region cannot fail over to itself');
    return router.failover(needKube(kube), { ...p, reason: `remediation ${ctx.policy ?? ''} for alert ${ctx.alert?.id ?? ''}`.trim(), epoch, dryRun, now: ctx.now });
  },
});

const TenantParams = Type.Object({
  tenantId: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description: 'the tenant id (a UUID)' }),
  reason: Type.String({ minLength: 1, maxLength: 200, default: 'paused by remediation' }),
}, { additionalProperties: false });

export const pauseTenantWorkspaces: ActionPlugin<Static<typeof TenantParams>> = {
  name: 'pause-tenant-workspaces',
  description: 'Pause every running workspace of a tenant (the lifecycle controller then scales each to zero)',
  paramsSchema: TenantParams, risky: true, kind: 'tenant',
  target: (p) => `Tenant/${p.tenantId}`,
  async apply(_kube, dryRun, _epoch, p, ctx) {
    const running: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listWorkspaces(ctx.db, { tenantId: p.tenantId, state: ['running', 'starting'], limit: 200, cursor });
      running.push(...page.items.map((w) => w.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    if (dryRun) return { changed: running.length > 0, dryRun: true, wouldPause: running };
    const paused: string[] = [];
    // Fenced: a deposed leader's pause is refused before it changes anything.
    await ctx.fenced(async (c) => {
      for (const id of running) {
        const w = await transitionWorkspace(c, p.tenantId, id, { to: 'paused', reason: p.reason, actor: 'controller:remediation' }).catch(() => null);
        if (w?.state === 'paused') paused.push(id);
      }
    });
    return { changed: paused.length > 0, paused };
  },
};

const WebhookParams = Type.Object({
  url: Type.String({ pattern: '^https?://', maxLength: 2_000 }),
  secret: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
  timeoutMs: Type.Integer({ minimum: 100, maximum: 30_000, default: 5_000 }),
}, { additionalProperties: false });

export const runWebhook: ActionPlugin<Static<typeof WebhookParams>> = {
  name: 'webhook',
  description: 'POST the alert and policy as JSON to a URL (signed with HMAC-SHA256 when a secret is given); a 2xx is success',
  paramsSchema: WebhookParams, risky: false, kind: 'webhook',
  target: (p) => `Webhook ${new URL(p.url).host}`,
  async apply(_kube, dryRun, epoch, p, ctx) {
    const body = JSON.stringify({ policy: ctx.policy, alert: ctx.alert, fencingToken: epoch, at: ctx.now.toISOString() });
    if (dryRun) return { changed: true, dryRun: true, url: p.url };
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'pilothouse-remediation' };
    if (p.secret) headers['x-pilothouse-signature'] = `sha256=${createHmac('sha256', p.secret).update(body).digest('hex')}`;
    const res = await fetch(p.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(p.timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`webhook ${new URL(p.url).host} answered ${res.status}`);
    return { changed: true, status: res.status };
  },
};

const NotifyParams = Type.Object({
  message: Type.String({ minLength: 1, maxLength: 2_000, default: 'an alert matched this policy' }),
}, { additionalProperties: false });

export const notifyOnly: ActionPlugin<Static<typeof NotifyParams>> = {
  name: 'notify',
  description: 'Change nothing: send a notification through the notification routes',
  paramsSchema: NotifyParams, risky: false, kind: 'notification',
  target: () => 'Notification',
  async apply(_kube, dryRun, _epoch, p, ctx) {
    if (dryRun) return { changed: false, dryRun: true };
    await ctx.notify?.(`[remediation] ${ctx.alert?.alertname ?? ctx.policy ?? 'policy'}`, p.message, { ...ctx.alert?.labels, policy: ctx.policy ?? '' });
    return { changed: true, notified: Boolean(ctx.notify) };
  },
};

export interface BuiltinPorts {
  router?: RegionRouter;
  warmPool?: WarmPool;
}

export function builtinActions(ports: BuiltinPorts = {}): LoadedAction[] {
  return [scaleDeployment, restartPods, cordonDrain, raiseWarmPool(ports.warmPool), failRegionOver(ports.router), pauseTenantWorkspaces, runWebhook, notifyOnly]
    .map((a) => validatePlugin(a, `built-in ${a.name}`));
}

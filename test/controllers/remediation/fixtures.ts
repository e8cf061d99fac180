// Remediation test fixtures: the app (for the webhook and approvals), the sandbox cluster
// through the real client, a runtime on an injected clock, and Alertmanager payloads.
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import type { V1Deployment } from '../../../kube/client.ts';
import { bearer, buildTestApp } from '../../helper.ts';
import { startTestCluster } from '../cluster.ts';
import { buildRuntime, defaultActionRegistry } from '../../../controllers/index.ts';
import type { ActionRegistry } from '../../../controllers/remediation/actions/plugin.ts';
import { putPolicy, parsePolicy } from '../../../controllers/remediation/policy.ts';

export async function remediationWorld(opts: { registry?: ActionRegistry; recheckSlo?: (slo: string, now: Date) => Promise<void> } = {}) {
  const cluster = await startTestCluster();
  const registry = opts.registry ?? defaultActionRegistry();
  const t = await buildTestApp({ cluster: { mode: 'simulated', server: cluster.url } as never });
  (t.app as unknown as { actions: ActionRegistry }).actions = registry;
  const kube = cluster.kube();
  let now = new Date();
  const notes: { subject: string; text: string }[] = [];
  const runtime = buildRuntime({
    db: t.db, kube, holder: `test-${randomBytes(3).toString('hex')}`, clock: () => now,
    // The runtime's own action rate limit runs on the wall clock; these tests act in bursts.
    rates: { remediation: { perMinute: 10_000, burst: 10_000 } },
    remediation: { registry, notify: async (subject, text) => { notes.push({ subject, text }); }, recheckSlo: opts.recheckSlo },
  });
  await runtime.tick();
  after(() => runtime.stop());
  const alertsToken = await t.token('alerts' as never);
  const sre = await t.token('sre');
  return {
    t, cluster, kube, runtime, registry, notes, alertsToken, sre,
    now: () => now,
    advance(ms: number) { now = new Date(now.getTime() + ms); },
    async run() {
      await runtime.tick();
      return runtime.runOnce('remediation');
    },
    async policy(doc: Record<string, unknown>) {
      const { matchers: _m, ...p } = parsePolicy(doc);
      await putPolicy(t.db, p, 'test');
    },
    send(payload: unknown) {
      return t.app.inject({ method: 'POST', url: '/api/v1/alerts/alertmanager', headers: bearer(alertsToken), payload: payload as object });
    },
    async deployment(namespace: string, name: string, replicas = 1) {
      await kube.core.createNamespace({ body: { metadata: { name: namespace } } }).catch(() => {});
      await kube.apps.createNamespacedDeployment({ namespace, body: {
        metadata: { name, namespace },
        spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'busybox:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } } },
      } as V1Deployment });
    },
  };
}

/** An Alertmanager webhook body (version 4) as notify/webhook sends it. */
export function alertmanagerPayload(alerts: { labels: Record<string, string>; annotations?: Record<string, string>; status?: 'firing' | 'resolved'; startsAt: string; fingerprint?: string }[], extra: Record<string, unknown> = {}) {
  const status = alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing';
  return {
    version: '4', groupKey: '{}:{alertname="X"}', truncatedAlerts: 0, status, receiver: 'pilothouse',
    groupLabels: { alertname: alerts[0]?.labels.alertname ?? '' }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing', labels: a.labels, annotations: a.annotations ?? {}, startsAt: a.startsAt,
      endsAt: a.status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph', fingerprint: a.fingerprint ?? randomBytes(8).toString('hex'),
    })),
    ...extra,
  };
}

// The reactive autoscaler controller: for each Deployment an operator listed, observes its
// scale (spec and status replicas), its pods by selector, their metrics.k8s.io usage or the
// PromQL values named, and the stored history; decides with decideReactive (the HPA rules
// plus cooldowns); applies by setting the Deployment's replicas through the fenced object
// layer and recording the scale event and recommendation in the same fenced step.
import { readObject, updateObject } from '../../kube/objects.ts';
import { namespacedPods, podMetrics, selectorString } from '../../kube/metrics.ts';
import { podFacts, podSamples } from '../hpa/objects.ts';
import type { MetricValues } from '../hpa/hpa.ts';
import type { Controller } from '../runtime/types.ts';
import { decideReactive, type ReactiveAction, type ReactiveObservation, type TargetObservation } from './decide.ts';
import { listTargets, readHistory, recordRecommendation, recordScaleEvent } from './store.ts';
import { cooldownOf, targetKey, type ReactiveTarget } from './target.ts';

export const REACTIVE = 'reactive-autoscaler';

/** Answers an instant PromQL query with one number, or throws saying why it cannot. */
export type PromQuery = (query: string, at: Date) => Promise<number>;

export interface ReactiveOptions {
  schedule?: string;
  /** the targets, when not read from autoscaling_targets (tests, a fixed deployment) */
  targets?: ReactiveTarget[];
  /** PromQL for Prometheus metrics (PROMETHEUS_URL) */
  prometheus?: PromQuery;
  /** the controller's clock: tests inject a virtual one instead of sleeping */
  clock?: () => Date;
}

async function observeTarget(ctx: Parameters<Controller['observe']>[0], t: ReactiveTarget, now: Date, prom?: PromQuery): Promise<TargetObservation> {
  const kube = ctx.kube!;
  const cd = cooldownOf(t.spec);
  const { history, lastScale } = await readHistory(ctx.db, t, now, Math.max(cd?.upSeconds ?? 0, cd?.downSeconds ?? 0));
  const metrics: MetricValues = { resources: new Map(), pods: new Map(), external: new Map() };
  const { rows: [last] } = await ctx.db.query(
    `SELECT decision FROM controller_actions WHERE controller = $1 AND target = $2 ORDER BY id DESC LIMIT 1`, [REACTIVE, targetKey(t)]);
  const lastDecision: string | null = last?.decision ?? null;
  const d = await readObject(kube, 'Deployment', t.namespace, t.name);
  if (!d) return { target: t, deployment: null, pods: [], metrics, history, lastScale, lastDecision };
  const selector = selectorString(d.spec?.selector);
  const wantsPods = t.spec.metrics.some((m) => m.type === 'Resource');
  const [pods, usage] = await Promise.all([
    namespacedPods(kube, t.namespace, selector),
    // No metrics API (or a failing one) is a metric that cannot be read, as the HPA treats it:
    // it blocks this target's scale-down, not the other targets' runs.
    wantsPods ? podMetrics(kube, t.namespace, selector).catch(() => []) : Promise.resolve([]),
  ]);
  for (const m of t.spec.metrics) {
    if (m.type === 'Resource') metrics.resources.set(m.resource, podSamples(usage, m.resource));
    else if (!prom) metrics.external.set(m.name, { error: 'PROMETHEUS_URL is not set' });
    else metrics.external.set(m.name, await prom(m.query, now).then((v) => v * 1000, (e: Error) => ({ error: e.message })));
  }
  return {
    target: t, deployment: { specReplicas: d.spec?.replicas ?? 1, statusReplicas: d.status?.replicas ?? 0 },
    pods: pods.map(podFacts), metrics, history, lastScale, lastDecision,
  };
}

export function createReactiveController(opts: ReactiveOptions = {}): Controller<ReactiveObservation, ReactiveAction> {
  return {
    name: REACTIVE,
    description: 'Scales the Deployments an operator lists with the HorizontalPodAutoscaler\'s algorithm (CPU/memory from metrics.k8s.io, or PromQL), then the cooldowns (300 s up / 600 s down by default)',
    schedule: opts.schedule ?? '*/15 * * * * *',
    needsKube: true,
    rate: { perMinute: 60, burst: 20 },
    async observe(ctx) {
      const now = opts.clock?.() ?? ctx.now;
      const targets = opts.targets ?? await listTargets(ctx.db);
      const observed: TargetObservation[] = [];
      // One at a time: a few Deployments, and a slow metrics API should not be hit in parallel.
      for (const t of targets) observed.push(await observeTarget(ctx, t, now, opts.prometheus));
      return { now, targets: observed };
    },
    decide: decideReactive,
    async apply(a, ctx) {
      const key = targetKey(a);
      const at = new Date(a.at);
      if (a.kind === 'record') {
        await ctx.fenced((c) => recordRecommendation(c, key, at, a.recommendation, a.initial));
        return { recorded: a.recommendation };
      }
      const updated = await updateObject(ctx.kube!, 'Deployment', a.namespace, a.name, ctx.epoch, (d) => {
        // Level-based: scale from the count decided on; a changed count means re-observe.
        if ((d.spec?.replicas ?? 1) !== a.from) return null;
        d.spec = { ...d.spec, replicas: a.to };
        return d;
      });
      if (updated.gone) throw new Error(`Deployment ${key} is gone`);
      await ctx.fenced(async (c) => {
        if (a.recommendation !== null) await recordRecommendation(c, key, at, a.recommendation, a.initial);
        if (updated.changed) await recordScaleEvent(c, key, at, a.from, a.to);
      });
      return { ...updated, replicas: updated.changed ? a.to : a.from };
    },
  };
}

// Evaluates every SLO once a minute (node-cron) and stores the results. Each SLO reads its
// own source: Prometheus when PROMETHEUS_URL is set, PostgreSQL always.
import cron from 'node-cron';
import type { Db } from '../../db/pool.ts';
import { everySeconds, runOncePerPeriod } from '../../db/scheduled.ts';
import type { SloRegistry } from '../registry.ts';
import { pascal, runbookUrl } from '../rules/generate.ts';
import { PostgresSource } from '../sources/postgres.ts';
import { PrometheusClient, PrometheusSource } from '../sources/prometheus.ts';
import type { SliSource } from '../sources/source.ts';
import type { SourceType, SloDefinition } from '../openslo/types.ts';
import { periodAt } from '../math/calendar.ts';
import { evaluateSlo, type Evaluation } from './evaluate.ts';
import { measure } from './measure.ts';
import { storeEvaluation, type AlertChange } from './store.ts';

export interface EvaluatorOptions {
  prometheusUrl?: string;
  runbookBaseUrl: string;
}

export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function sourcesFor(db: Db, prometheusUrl?: string): Partial<Record<SourceType, SliSource>> {
  return {
    PostgreSQL: new PostgresSource(db),
    ...(prometheusUrl ? { Prometheus: new PrometheusSource(new PrometheusClient(prometheusUrl)) } : {}),
  };
}

export interface SloOutcome {
  slo: string;
  objective: number;
  evaluation?: Evaluation;
  error?: string;
  change: AlertChange | null;
}

/** The labels and name of the SLO's alert: the same as the generated Prometheus rule's. */
export function sloAlertIdentity(slo: SloDefinition) {
  return {
    labels: { ...slo.labels, service: slo.service, slo: slo.name },
    alertname: (severity: string) => `${pascal(slo.name)}${severity === 'page' ? 'Page' : 'Ticket'}BurnRate`,
    summary: `${slo.displayName}: the error budget of a ${slo.objective * 100}% objective is burning too fast.`,
  };
}

export async function evaluateOne(db: Db, slo: SloDefinition, sources: Partial<Record<SourceType, SliSource>>, now: Date, runbookBase: string): Promise<SloOutcome> {
  const source = sources[slo.sourceType];
  try {
    if (!source) throw new Error(`${slo.sourceType} is not configured: set PROMETHEUS_URL to evaluate this SLO`);
    const evaluation = evaluateSlo(slo, await measure(slo, source, now), now);
    const change = await storeEvaluation(db, evaluation, (sev) => runbookUrl(slo, sev as 'page' | 'ticket', runbookBase), sloAlertIdentity(slo));
    return { slo: slo.name, objective: slo.objectiveIndex, evaluation, change };
  } catch (err) {
    const error = (err as Error).message;
    await storeEvaluation(db, { slo: slo.name, objective: slo.objectiveIndex, at: now, target: slo.objective, period: periodAt(slo.period, now), error });
    return { slo: slo.name, objective: slo.objectiveIndex, error, change: null };
  }
}

export async function evaluateAll(db: Db, registry: SloRegistry, opts: EvaluatorOptions, now = new Date(), only?: readonly string[]): Promise<SloOutcome[]> {
  const slos = (await registry.all()).slos.filter((s) => !only || only.includes(s.name));
  const sources = sourcesFor(db, opts.prometheusUrl);
  const out: SloOutcome[] = [];
  for (const [type, source] of Object.entries(sources)) {
    // A failed read-ahead only loses the shortcut: each SLO then queries on its own.
    await source?.prepare?.(slos.filter((s) => s.sourceType === type), now).catch(() => undefined);
  }
  // One at a time: a minute is plenty, and it keeps the load on the sources flat.
  for (const slo of slos) out.push(await evaluateOne(db, slo, sources, now, opts.runbookBaseUrl));
  return out;
}

/** Every minute (or `intervalSeconds`), once across all replicas (db/scheduled.ts); `onChange` hears alert changes. */
export function startSloJob(db: Db, registry: SloRegistry, opts: EvaluatorOptions, log: Log, intervalSeconds = 60, onChange?: (changes: AlertChange[]) => void): { stop(): void } {
  const task = cron.schedule(everySeconds(intervalSeconds), async () => {
    try {
      const outcome = await runOncePerPeriod(db, 'slo-evaluation', intervalSeconds * 1000, () => evaluateAll(db, registry, opts));
      const results = outcome.ran ? outcome.result : [];
      for (const r of results) {
        if (r.change) log.warn({ slo: r.slo, objective: r.objective, from: r.change.from, to: r.change.to }, 'SLO alert state changed');
      }
      const changes = results.flatMap((r) => (r.change ? [r.change] : []));
      if (changes.length) onChange?.(changes);
    } catch (err) {
      log.error({ err }, 'SLO evaluation failed');
    }
  }, { name: 'slo-evaluation', timezone: 'UTC', noOverlap: true });
  return { stop: () => void task.stop() };
}

// `promtool test rules` files for generated rules: for each SLO, its page (or, when no page
// tier can fire, its ticket) alert fires under a fast burn; nothing fires at half the budget;
// and one failed request among a trickle does not page.
import { promDuration } from '../math/duration.ts';
import type { SloDefinition } from '../openslo/types.ts';
import type { Generated } from './generate.ts';
import { num, sloId } from './promql.ts';
import { eventSeries } from './series.ts';

export interface PromtoolTests {
  rule_files: string[];
  evaluation_interval: string;
  tests: unknown[];
}

const MINUTE = 60_000;
const EVENTS_PER_MINUTE = 6000;

/** The error ratio the firing case uses: 2% when that burns fast enough, else a higher one. */
export function firingRatio(slo: SloDefinition, factor: number): number {
  const budget = 1 - slo.objective;
  const floor = slo.budgeting.method === 'Timeslices' ? (1 - slo.budgeting.sliceTarget) * 2 : 0;
  const needed = Math.max(floor, factor * budget);
  if (0.02 > needed * 1.05) return 0.02;
  return Math.min(1, Math.max(needed * 1.5, floor));
}

/** The healthy case: half the budget (0.05% against 99.9%) or less, or half the slice allowance. */
export function healthyRatio(slo: SloDefinition): number {
  const budget = 1 - slo.objective;
  // Below every tier: a ticket factor under 1 (Sloth's 7-day 0.233) fires at half the budget.
  const share = Math.min(0.5, ...slo.tiers.map((t) => t.factor / 2));
  return slo.budgeting.method === 'Timeslices' ? Math.min(budget, 1 - slo.budgeting.sliceTarget) * share : budget * share;
}

/** promtool's expanding notation for a counter growing by `step` per interval, `steps` times. */
function counter(step: number, steps: number): string {
  return `0+${num(step)}x${steps}`;
}

function inputs(slo: SloDefinition, ratio: number, minutes: number) {
  const bad = EVENTS_PER_MINUTE * ratio;
  const good = EVENTS_PER_MINUTE - bad;
  return eventSeries(slo.indicator).map((s) => ({ series: s.series, values: counter((s.bad ? bad : 0) + (s.good ? good : 0), minutes) }));
}

const label = (slo: SloDefinition) => (slo.objectiveCount > 1 ? `${slo.name} objective ${slo.objectiveIndex}` : slo.name);

export function promtoolTests(slos: readonly SloDefinition[], generated: Generated, ruleFile: string): PromtoolTests {
  const tests: unknown[] = [];
  for (const slo of slos.filter((s) => s.sourceType === 'Prometheus')) {
    const alerts = generated.alerts.filter((a) => a.slo === slo.name && a.objective === slo.objectiveIndex);
    const target = alerts.find((a) => a.severity === 'page') ?? alerts.find((a) => a.severity === 'ticket');
    const firing = (severity?: string) => `count(ALERTS{alertstate="firing", sloth_id=${JSON.stringify(sloId(slo))}${severity ? `, sloth_severity=${JSON.stringify(severity)}` : ''}})`;
    if (target) {
      const tier = [...target.tiers].sort((a, b) => a.longMs - b.longMs)[0]!;
      const ratio = firingRatio(slo, tier.factor);
      const evalMs = tier.longMs + 10 * MINUTE + tier.forMs;
      tests.push({
        name: `${label(slo)}: ${target.severity} alert fires at a ${num(ratio * 100)}% error ratio`,
        interval: '1m',
        input_series: inputs(slo, ratio, evalMs / MINUTE + 5),
        promql_expr_test: [{ expr: firing(target.severity), eval_time: promDuration(evalMs), exp_samples: [{ labels: '{}', value: 1 }] }],
      });
    }
    const calm = healthyRatio(slo);
    tests.push({
      name: `${label(slo)}: nothing fires at a ${num(calm * 100)}% error ratio`,
      interval: '1m',
      input_series: inputs(slo, calm, 130),
      promql_expr_test: [{ expr: firing(), eval_time: '2h', exp_samples: [] }],
    });
    // One bad event among one event a minute: every short window burns far above 14.4.
    // The bad event arrives at minute 65; the good-only series misses that one increment.
    const trickle = (s: { bad: boolean; good: boolean }) => (s.bad && s.good ? '0+1x80' : s.bad ? '0x64 1x15' : '0+1x64 64+1x15');
    tests.push({
      name: `${label(slo)}: one failed request among a trickle does not page`,
      interval: '1m',
      input_series: eventSeries(slo.indicator).map((s) => ({ series: s.series, values: trickle(s) })),
      promql_expr_test: [{ expr: firing(), eval_time: '70m', exp_samples: [] }],
    });
  }
  return { rule_files: [ruleFile], evaluation_interval: '1m', tests };
}

// k6 options for a scenario, written from the same scenario profiles and SLO-derived
// thresholds the local runner uses (`pilothouse loadtest k6`), so the two cannot drift:
// a constant-arrival-rate scenario per profile, thresholds in k6's notation, and the trend
// statistics the import reads (p95 and p99).
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SloDefinition } from '../slo/openslo/types.ts';
import { PROFILES, type ProfileName, type Scenario } from './scenarios/types.ts';
import { k6Thresholds, scenarioThresholds } from './thresholds.ts';

export const K6_OPTIONS_DIR = join(import.meta.dirname, 'k6', 'options');
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'];

export interface K6Options {
  scenarios: Record<string, {
    executor: 'constant-arrival-rate';
    rate: number;
    timeUnit: string;
    duration: string;
    preAllocatedVUs: number;
    maxVUs: number;
    gracefulStop: string;
  }>;
  thresholds: Record<string, string[]>;
  summaryTrendStats: string[];
  /** what generated this file, for people reading it */
  tags: Record<string, string>;
}

export interface K6OptionsFile {
  generatedBy: string;
  scenario: string;
  description: string;
  slos: string[];
  profiles: Record<ProfileName, K6Options>;
}

export function k6OptionsFor(scenario: Scenario, slos: readonly SloDefinition[]): K6OptionsFile {
  const thresholds = k6Thresholds(scenarioThresholds(slos, scenario.slos, scenario.tighten));
  const profiles = Object.fromEntries(PROFILES.map((name) => {
    const p = scenario.profiles[name];
    const options: K6Options = {
      scenarios: {
        [scenario.name]: {
          executor: 'constant-arrival-rate',
          rate: p.rate,
          timeUnit: '1s',
          duration: `${p.durationS}s`,
          preAllocatedVUs: p.connections,
          maxVUs: p.connections * 2,
          gracefulStop: '30s',
        },
      },
      thresholds,
      summaryTrendStats: SUMMARY_TREND_STATS,
      tags: { scenario: scenario.name, profile: name },
    };
    return [name, options];
  })) as Record<ProfileName, K6Options>;
  return {
    generatedBy: `pilothouse loadtest k6 --scenario ${scenario.name} (from slo/specs/ and loadtests/scenarios/; do not edit)`,
    scenario: scenario.name, description: scenario.description, slos: scenario.slos, profiles,
  };
}

export function renderK6Options(file: K6OptionsFile): string {
  return JSON.stringify(file, null, 2) + '\n';
}

export function writeK6Options(scenarios: readonly Scenario[], slos: readonly SloDefinition[], dir = K6_OPTIONS_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  return scenarios.map((s) => {
    const path = join(dir, `${s.name}.json`);
    writeFileSync(path, renderK6Options(k6OptionsFor(s, slos)));
    return path;
  });
}

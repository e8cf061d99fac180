// Load-test runs imported from CI (k6 or npm run loadtest), latest per scenario, against
// the API's own latency as Prometheus sees it.
import { row, type DashboardSpec } from './lib.ts';

export const loadtests: DashboardSpec = {
  uid: 'pilothouse-loadtests',
  title: 'Pilothouse / Load-test runs',
  description: 'The latest imported load-test run of each scenario (POST /api/v1/loadtest-runs): p95 and p99 against the SLO limits, error rate, throughput, pass or fail. History per run is on the console\'s Load tests page.',
  tags: ['pilothouse', 'loadtests'],
  refresh: '1m',
  from: 'now-7d',
  variables: [
    { name: 'job', label: 'Job', query: 'label_values(pilothouse_loadtest_runs, job)', multi: true, allValue: '.+' },
    { name: 'scenario', label: 'Scenario', query: 'label_values(pilothouse_loadtest_runs{job=~"$job"}, scenario)', multi: true, allValue: '.+' },
  ],
  links: [{ title: 'SLOs', tags: ['slo'] }],
  items: [
    row('Latest run'),
    { kind: 'stat', title: 'Scenarios failing', description: 'Scenarios whose latest run missed a threshold.', w: 6, h: 5, queries: [{ expr: 'count(max by (scenario) (pilothouse_loadtest_latest_passed{job=~"$job", scenario=~"$scenario"}) == 0) or vector(0)' }] },
    { kind: 'stat', title: 'Worst p95', unit: 's', w: 6, h: 5, queries: [{ expr: 'max(pilothouse_loadtest_latest_p95_seconds{job=~"$job", scenario=~"$scenario"})' }] },
    { kind: 'stat', title: 'Worst error rate', unit: 'percentunit', w: 6, h: 5, queries: [{ expr: 'max(pilothouse_loadtest_latest_error_ratio{job=~"$job", scenario=~"$scenario"})' }] },
    { kind: 'stat', title: 'Runs imported', w: 6, h: 5, queries: [{ expr: 'sum(max by (scenario) (pilothouse_loadtest_runs{job=~"$job", scenario=~"$scenario"}))' }] },
    row('By scenario'),
    { kind: 'timeseries', title: 'p95 and p99 of the latest run', unit: 's', w: 12, h: 9, queries: [
      { expr: 'max by (scenario) (pilothouse_loadtest_latest_p95_seconds{job=~"$job", scenario=~"$scenario"})', legend: '{{scenario}} p95' },
      { expr: 'max by (scenario) (pilothouse_loadtest_latest_p99_seconds{job=~"$job", scenario=~"$scenario"})', legend: '{{scenario}} p99' },
    ] },
    { kind: 'timeseries', title: 'Throughput of the latest run', unit: 'reqps', w: 12, h: 9, queries: [{ expr: 'max by (scenario) (pilothouse_loadtest_latest_throughput{job=~"$job", scenario=~"$scenario"})', legend: '{{scenario}}' }] },
    { kind: 'timeseries', title: 'Error rate of the latest run', unit: 'percentunit', w: 12, h: 8, queries: [{ expr: 'max by (scenario) (pilothouse_loadtest_latest_error_ratio{job=~"$job", scenario=~"$scenario"})', legend: '{{scenario}}' }] },
    { kind: 'timeseries', title: 'API p95 as served (for comparison)', unit: 's', w: 12, h: 8, queries: [{ expr: 'histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))', legend: 'p95' }] },
  ],
};

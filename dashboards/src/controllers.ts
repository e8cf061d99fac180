// The controllers and the remediations they carry out: who leads, what they decided and
// did, how long a reconcile takes, and what their actions were for (quota warnings, startups).
import { row, type DashboardSpec } from './lib.ts';

export const controllers: DashboardSpec = {
  uid: 'pilothouse-controllers',
  title: 'Pilothouse / Controllers & remediations',
  description: 'Reconcile loops and remediation actions: leader and fencing epoch, decisions by controller and result (applied, dry run, failed, deferred), reconcile time, and the signals they act on.',
  tags: ['pilothouse', 'controllers'],
  refresh: '30s',
  from: 'now-6h',
  variables: [
    { name: 'job', label: 'Job', query: 'label_values(pilothouse_controller_actions_total, job)', multi: true, allValue: '.+' },
    { name: 'controller', label: 'Controller', query: 'label_values(pilothouse_controller_actions_total{job=~"$job"}, controller)', multi: true, allValue: '.+' },
  ],
  links: [{ title: 'Pilothouse', tags: ['pilothouse'] }],
  items: [
    row('Leadership'),
    { kind: 'stat', title: 'Replicas leading', description: 'Exactly one replica should lead: 0 means nothing acts, 2 a fencing problem.', w: 6, h: 5, queries: [{ expr: 'sum(pilothouse_controller_leader{job=~"$job"})' }] },
    { kind: 'stat', title: 'Lease epoch', description: 'The fencing token; it rises each time leadership changes hands.', w: 6, h: 5, queries: [{ expr: 'max(pilothouse_controller_lease_epoch{job=~"$job"})' }] },
    { kind: 'stat', title: 'Actions failed (1h)', w: 6, h: 5, queries: [{ expr: 'sum(increase(pilothouse_controller_actions_total{job=~"$job", controller=~"$controller", result="failed"}[1h]))' }] },
    { kind: 'stat', title: 'Actions applied (1h)', w: 6, h: 5, queries: [{ expr: 'sum(increase(pilothouse_controller_actions_total{job=~"$job", controller=~"$controller", result="applied"}[1h]))' }] },
    row('Decisions and actions'),
    { kind: 'timeseries', title: 'Actions by controller and result', unit: 'ops', w: 12, h: 9, queries: [{ expr: 'sum by (controller, result) (rate(pilothouse_controller_actions_total{job=~"$job", controller=~"$controller"}[$__rate_interval]))', legend: '{{controller}} {{result}}' }] },
    { kind: 'timeseries', title: 'Failed share of actions', unit: 'percentunit', w: 12, h: 9, queries: [{ expr: 'sum by (controller) (rate(pilothouse_controller_actions_total{job=~"$job", controller=~"$controller", result="failed"}[$__rate_interval])) / sum by (controller) (rate(pilothouse_controller_actions_total{job=~"$job", controller=~"$controller"}[$__rate_interval]))', legend: '{{controller}}' }] },
    { kind: 'timeseries', title: 'Reconcile p95 by controller', unit: 's', w: 12, h: 8, queries: [{ expr: 'histogram_quantile(0.95, sum by (le, controller) (rate(pilothouse_controller_reconcile_duration_seconds_bucket{job=~"$job", controller=~"$controller"}[$__rate_interval])))', legend: '{{controller}}' }] },
    { kind: 'timeseries', title: 'Leader by replica', w: 12, h: 8, queries: [{ expr: 'max by (instance) (pilothouse_controller_leader{job=~"$job"})', legend: '{{instance}}' }] },
    row('What they act on'),
    { kind: 'timeseries', title: 'Quota warnings by resource', w: 12, h: 8, queries: [{ expr: 'sum by (resource, threshold) (rate(pilothouse_quota_warnings_total{job=~"$job"}[$__rate_interval]))', legend: '{{resource}} {{threshold}}' }] },
    { kind: 'timeseries', title: 'Workspace startup p95', unit: 's', w: 12, h: 8, queries: [{ expr: 'histogram_quantile(0.95, sum by (le) (rate(pilothouse_workspace_startup_seconds_bucket{job=~"$job"}[$__rate_interval])))', legend: 'p95' }] },
  ],
};

// One SLO at a time over the recording rules of `pilothouse slo rules` (Sloth's names and
// labels, so Sloth's dashboards work too).
import type { DashboardSpec } from './lib.ts';

export const slo: DashboardSpec = {
  uid: 'pilothouse-slo',
  title: 'Pilothouse / SLO',
  description: "One SLO over the recording rules of `pilothouse slo rules` (Sloth's names and labels, so Sloth's dashboards work too). Runbooks: each alert's runbook_url.",
  tags: ['pilothouse', 'slo'],
  refresh: '1m',
  from: 'now-7d',
  variables: [
    { name: 'service', label: 'Service', query: 'label_values(slo:objective:ratio, sloth_service)' },
    { name: 'slo', label: 'SLO', query: 'label_values(slo:objective:ratio{sloth_service="$service"}, sloth_slo)' },
  ],
  links: [{ title: 'Pilothouse', tags: ['pilothouse'] }],
  items: [
  { kind: 'stat', title: "Objective", unit: 'percentunit', w: 4, h: 4, queries: [{ expr: "max(slo:objective:ratio{sloth_service=\"$service\", sloth_slo=\"$slo\"})", legend: "__auto" }] },
  { kind: 'stat', title: "Error budget left (period)", description: "1 is untouched, 0 spent, below 0 overspent.", unit: 'percentunit', w: 5, h: 4, queries: [{ expr: "max(slo:period_error_budget_remaining:ratio{sloth_service=\"$service\", sloth_slo=\"$slo\"})", legend: "__auto" }] },
  { kind: 'stat', title: "Burn rate now (5m)", description: "1 spends exactly the budget over the period; 14.4 pages (30-day period).", w: 5, h: 4, queries: [{ expr: "max(slo:current_burn_rate:ratio{sloth_service=\"$service\", sloth_slo=\"$slo\"})", legend: "__auto" }] },
  { kind: 'stat', title: "Burn rate over the period", w: 5, h: 4, queries: [{ expr: "max(slo:period_burn_rate:ratio{sloth_service=\"$service\", sloth_slo=\"$slo\"})", legend: "__auto" }] },
  { kind: 'stat', title: "Alerts firing", w: 5, h: 4, queries: [{ expr: "count(ALERTS{alertstate=\"firing\", sloth_service=\"$service\", sloth_slo=\"$slo\"}) or vector(0)", legend: "__auto" }] },
  { kind: 'timeseries', title: "Error ratio by window against the budget", unit: 'percentunit', w: 24, h: 9, queries: [{ expr: "max(slo:sli_error:ratio_rate5m{sloth_service=\"$service\", sloth_slo=\"$slo\"})", legend: "5m" }, { expr: "max(slo:sli_error:ratio_rate1h{sloth_service=\"$service\", sloth_slo=\"$slo\"})", legend: "1h" }, { expr: "max(slo:sli_error:ratio_rate6h{sloth_service=\"$service\", sloth_slo=\"$slo\"})", legend: "6h" }, { expr: "max(slo:error_budget:ratio{sloth_service=\"$service\", sloth_slo=\"$slo\"})", legend: "error budget (1 - objective)" }] },
  { kind: 'timeseries', title: "Error budget left over time", unit: 'percentunit', w: 12, h: 8, queries: [{ expr: "max(slo:period_error_budget_remaining:ratio{sloth_service=\"$service\", sloth_slo=\"$slo\"})", legend: "budget left" }] },
  { kind: 'timeseries', title: "Burn rate over time", w: 12, h: 8, queries: [{ expr: "max(slo:current_burn_rate:ratio{sloth_service=\"$service\", sloth_slo=\"$slo\"})", legend: "5m" }, { expr: "max(slo:period_burn_rate:ratio{sloth_service=\"$service\", sloth_slo=\"$slo\"})", legend: "period" }] },
  ],
};

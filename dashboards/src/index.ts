// Every dashboard, by the file its JSON is written to.
import { controllers } from './controllers.ts';
import { buildDashboard, type DashboardSpec } from './lib.ts';
import { loadtests } from './loadtests.ts';
import { overview } from './overview.ts';
import { slo } from './slo.ts';
import { tenantUsage } from './tenant-usage.ts';

export const DASHBOARDS: Record<string, DashboardSpec> = {
  'pilothouse-overview.json': overview,
  'slo.json': slo,
  'tenant-usage.json': tenantUsage,
  'controllers.json': controllers,
  'loadtests.json': loadtests,
};

export function renderDashboard(spec: DashboardSpec): string {
  return JSON.stringify(buildDashboard(spec), null, 2) + '\n';
}

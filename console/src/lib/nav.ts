// The console's navigation. A feature adds its page here; `permission` hides the entry from
// callers who could not use it (the server enforces it regardless).
export interface NavItem {
  href: string;
  label: string;
  /** shown when the caller holds this permission on the platform or in any tenant */
  permission?: string;
}

export const NAV: NavItem[] = [
  { href: '/', label: 'Overview' },
  { href: '/tenants', label: 'Tenants' },
  { href: '/workspaces', label: 'Workspaces', permission: 'workspaces:read' },
  { href: '/usage', label: 'Usage', permission: 'usage:read' },
  { href: '/fleet', label: 'Fleet', permission: 'fleet:read' },
  { href: '/regions', label: 'Regions', permission: 'regions:read' },
  { href: '/traces', label: 'Traces', permission: 'telemetry:read' },
  { href: '/frontend', label: 'Frontend', permission: 'telemetry:read' },
  { href: '/slos', label: 'SLOs', permission: 'slo:read' },
  { href: '/alerts', label: 'Alerts', permission: 'alerts:read' },
  { href: '/controllers', label: 'Controllers', permission: 'controllers:read' },
  { href: '/loadtests', label: 'Load tests', permission: 'loadtests:read' },
];

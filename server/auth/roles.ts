// Roles and what they may do. Routes declare one permission each; a tenant-scoped route
// (its URL has :tenantId) checks it against that tenant, any other route against the
// caller's platform role. Tenant roles never reach another tenant's rows.

import {
  MEMBER_ROLES, PLATFORM_ROLES, PLATFORM_TOKEN_ROLES, TENANT_ROLES, TENANT_ROLE_RANK,
  type MemberRole, type PlatformRole, type PlatformTokenRole, type TenantRole,
} from '../../tenancy/roles.ts';

export { MEMBER_ROLES, PLATFORM_ROLES, PLATFORM_TOKEN_ROLES, TENANT_ROLES, TENANT_ROLE_RANK, type MemberRole, type PlatformRole, type PlatformTokenRole, type TenantRole };

export const PERMISSIONS = [
  // tenant-scoped
  'tenant:read', 'tenant:update', 'tenant:delete', 'quota:write',
  'members:read', 'members:write',
  'tokens:read', 'tokens:write',
  'workspaces:read', 'workspaces:write',
  'usage:read', 'usage:ingest', 'telemetry:ingest', 'telemetry:read', 'telemetry:write',
  // platform-scoped
  'tenants:list', 'tenants:create', 'platform:tokens', 'fleet:read', 'fleet:write',
  'meters:write', 'prices:write', 'billing:write', 'slo:read', 'slo:write', 'loadtests:read', 'loadtests:write',
  // alerts in (only the alerts token role and admins send them), remediation and notifications
  'alerts:ingest', 'alerts:read', 'remediation:read', 'remediation:write', 'remediation:approve', 'notifications:read', 'notifications:write',
  'regions:read', 'regions:failover',
  // platform-scoped, except controllers:read, which tenant roles hold for their own tenant's decisions
  'controllers:read', 'controllers:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READS = PERMISSIONS.filter((p) => p.endsWith(':read') || p === 'tenants:list');

export const TENANT_ROLE_PERMISSIONS: Record<TenantRole, readonly Permission[]> = {
  owner: ['tenant:read', 'tenant:update', 'members:read', 'members:write', 'tokens:read', 'tokens:write', 'workspaces:read', 'workspaces:write', 'usage:read', 'telemetry:read', 'telemetry:write', 'controllers:read'],
  admin: ['tenant:read', 'members:read', 'members:write', 'tokens:read', 'tokens:write', 'workspaces:read', 'workspaces:write', 'usage:read', 'telemetry:read', 'telemetry:write', 'controllers:read'],
  member: ['tenant:read', 'members:read', 'workspaces:read', 'workspaces:write', 'usage:read', 'telemetry:read', 'controllers:read'],
  // A tenant-minted credential: its own apps' traces, never billable usage or corrections.
  ingest: ['telemetry:ingest'],
};

export const PLATFORM_ROLE_PERMISSIONS: Record<PlatformRole, readonly Permission[]> = {
  admin: PERMISSIONS,
  sre: [...READS, 'workspaces:write', 'fleet:write', 'controllers:write', 'slo:write', 'loadtests:write', 'remediation:write', 'remediation:approve', 'notifications:write', 'regions:failover'],
  viewer: READS,
};

/** What a platform token role may do: its grants, and nothing a platform role would add. */
export const PLATFORM_TOKEN_ROLE_GRANTS: Record<PlatformTokenRole, readonly Permission[]> = {
  loadtest: ['loadtests:write'],
  alerts: ['alerts:ingest'],
  collector: ['usage:ingest', 'telemetry:ingest'],
};

export function isPlatformTokenRole(role: string): role is PlatformTokenRole {
  return (PLATFORM_TOKEN_ROLES as readonly string[]).includes(role);
}


export function isTenantScoped(url: string): boolean {
  return url.includes(':tenantId');
}

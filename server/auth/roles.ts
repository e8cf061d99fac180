// Roles and what they may do. Routes declare one permission each; a tenant-scoped route
// (its URL has :tenantId) checks it against that tenant, any other route against the
// caller's platform role. Tenant roles never reach another tenant's rows.

import { MEMBER_ROLES, PLATFORM_ROLES, TENANT_ROLES, TENANT_ROLE_RANK, type MemberRole, type PlatformRole, type TenantRole } from '../../tenancy/roles.ts';

export { MEMBER_ROLES, PLATFORM_ROLES, TENANT_ROLES, TENANT_ROLE_RANK, type MemberRole, type PlatformRole, type TenantRole };

export const PERMISSIONS = [
  // tenant-scoped
  'tenant:read', 'tenant:update', 'tenant:delete', 'quota:write',
  'members:read', 'members:write',
  'tokens:read', 'tokens:write',
  'workspaces:read', 'workspaces:write',
  'usage:read', 'usage:ingest', 'telemetry:ingest', 'telemetry:read', 'telemetry:write',
  // platform-scoped
  'tenants:list', 'tenants:create', 'platform:tokens', 'fleet:read', 'fleet:write',
  'meters:write', 'prices:write', 'billing:write', 'slo:read', 'slo:write',
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
  ingest: ['usage:ingest', 'telemetry:ingest'],
};

export const PLATFORM_ROLE_PERMISSIONS: Record<PlatformRole, readonly Permission[]> = {
  admin: PERMISSIONS,
  sre: [...READS, 'workspaces:write', 'fleet:write', 'controllers:write', 'slo:write', 'regions:failover'],
  viewer: READS,
};


export function isTenantScoped(url: string): boolean {
  return url.includes(':tenantId');
}

import type { Permission, PlatformRole, TenantRole } from './roles.ts';
import { PLATFORM_ROLE_PERMISSIONS, TENANT_ROLE_PERMISSIONS } from './roles.ts';

/** Who is calling: a signed-in user (console session) or an API token. */
export interface Principal {
  kind: 'user' | 'token';
  /** user id or token id */
  id: string;
  name: string;
  userId: string | null;
  platformRole: PlatformRole | null;
  tenantRoles: ReadonlyMap<string, TenantRole>;
  via: 'session' | 'bearer';
  csrfToken?: string;
  /** permissions held on the platform outside any role: a service identity of this process */
  grants?: readonly Permission[];
}

export function hasPermission(p: Principal, permission: Permission, tenantId?: string): boolean {
  if (p.grants?.includes(permission)) return true;
  if (p.platformRole && PLATFORM_ROLE_PERMISSIONS[p.platformRole].includes(permission)) return true;
  if (tenantId === undefined) return false;
  const role = p.tenantRoles.get(tenantId);
  return role !== undefined && TENANT_ROLE_PERMISSIONS[role].includes(permission);
}

/** The tenants whose rows a caller may read; undefined means all of them (platform roles
 *  that list tenants). A role without tenant:read (ingest, collector) sees none. */
export function visibleTenants(p: Principal): string[] | undefined {
  if (hasPermission(p, 'tenants:list')) return undefined;
  return [...p.tenantRoles].filter(([, role]) => TENANT_ROLE_PERMISSIONS[role].includes('tenant:read')).map(([id]) => id);
}

/** Actor string recorded in audit trails and transitions. */
export function actorOf(p: Principal): string {
  return `${p.kind}:${p.id}`;
}

/**
 * Whether the caller reads the console's shared reference data (fleet mode, price catalogues):
 * a platform reader, or a member of some tenant. Machine credentials (ingest, collector) do
 * not: they write telemetry and usage, and learn nothing else.
 */
export function readsReferenceData(p: Principal): boolean {
  return hasPermission(p, 'tenants:list') || [...p.tenantRoles.values()].some((role) => TENANT_ROLE_PERMISSIONS[role].includes('tenant:read'));
}

export class NotAReaderError extends Error {
  readonly statusCode = 403;
  constructor() {
    super('this credential writes telemetry or usage only: read with a member\'s or a platform reader\'s credential');
  }
}

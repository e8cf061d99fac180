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

/** The tenants a caller may see; undefined means all of them (platform roles). */
export function visibleTenants(p: Principal): string[] | undefined {
  return p.platformRole ? undefined : [...p.tenantRoles.keys()];
}

/** Actor string recorded in audit trails and transitions. */
export function actorOf(p: Principal): string {
  return `${p.kind}:${p.id}`;
}

// The roles a principal can hold: platform roles see every tenant, tenant roles only their
// own. What each role may do over HTTP is server/auth/roles.ts's business.

export const PLATFORM_ROLES = ['admin', 'sre', 'viewer'] as const;
/**
 * Platform roles only a token can hold: a machine with one job, seeing no tenant (CI posting
 * load-test runs; Alertmanager sending alerts; `collector`: the platform's own gateway,
 * runtime and collectors, the only senders of billable usage, see the README's Access section).
 */
export const PLATFORM_TOKEN_ROLES = ['loadtest', 'alerts', 'collector'] as const;
export const TENANT_ROLES = ['owner', 'admin', 'member', 'ingest'] as const;
export const MEMBER_ROLES = ['owner', 'admin', 'member'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];
export type TenantRole = (typeof TENANT_ROLES)[number];
export type MemberRole = (typeof MEMBER_ROLES)[number];
export type PlatformTokenRole = (typeof PLATFORM_TOKEN_ROLES)[number];

/** Tenant roles ordered by power, for "you cannot grant more than you hold". */
export const TENANT_ROLE_RANK: Record<TenantRole, number> = { ingest: 0, member: 1, admin: 2, owner: 3 };

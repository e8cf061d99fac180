// Which platform role an OpenID Connect sign-in carries: the identity provider is the source
// of truth, as in Grafana's role mapping and Argo CD's group policies. A verified e-mail in
// OIDC_ADMIN_EMAILS or a group in OIDC_{ADMIN,SRE,VIEWER}_GROUPS grants a role; the highest
// wins; the role is set again at every sign-in, so whoever leaves a group or the list loses it.
import { PLATFORM_ROLES, type PlatformRole } from './roles.ts';

export type { PlatformRole };

export interface RoleMapping {
  adminEmails: string[];
  groupsClaim: string;
  groups: Record<PlatformRole, string[]>;
}

/** Comma-separated values, trimmed, blanks dropped; e-mails compare without case. */
export function listOf(value: string, lower = false): string[] {
  return value.split(',').map((v) => (lower ? v.trim().toLowerCase() : v.trim())).filter(Boolean);
}

/** Whether any mapping is configured: without one, sign-in leaves platform roles alone. */
export function mapsRoles(m: RoleMapping): boolean {
  return m.adminEmails.length > 0 || Object.values(m.groups).some((g) => g.length > 0);
}

/** The groups a provider's claims name: an array of strings, or one space- or comma-separated string. */
export function groupsIn(claims: Record<string, unknown>, claim: string): string[] {
  const v = claims[claim];
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === 'string');
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  return [];
}

/** The role for a verified e-mail (or none) and the groups the provider lists; PLATFORM_ROLES runs from the most powerful. */
export function platformRoleFor(m: RoleMapping, email: string | undefined, groups: readonly string[]): PlatformRole | null {
  if (email !== undefined && m.adminEmails.includes(email.toLowerCase())) return 'admin';
  for (const role of PLATFORM_ROLES) {
    if (m.groups[role].some((g) => groups.includes(g))) return role;
  }
  return null;
}

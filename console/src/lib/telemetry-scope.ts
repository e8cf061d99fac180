// Which API a telemetry page reads: the platform's (every tenant, or ?tenant= one of them or
// "platform") for platform roles, else the caller's own tenant's.
import { session } from '#lib/session.svelte.ts';

export interface Scope {
  /** API prefix: /api/v1 or /api/v1/tenants/ID */
  base: string;
  /** the ?tenant= filter of platform routes */
  tenant: string | undefined;
}

export function telemetryScope(chosen: string): Scope {
  const platform = !!session.me?.platformPermissions.includes('telemetry:read');
  if (platform) return { base: '/api/v1', tenant: chosen || undefined };
  const own = session.me?.tenants.find((t) => t.permissions.includes('telemetry:read'))?.id;
  const tenantId = chosen && chosen !== 'platform' ? chosen : own;
  return { base: `/api/v1/tenants/${tenantId}`, tenant: undefined };
}

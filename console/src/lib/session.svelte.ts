import { api, setCsrfToken } from './api';
import type { FleetMode, Me } from './api-shapes.ts';

export type { FleetMode, Me };

export const session = $state<{ me: Me | null; fleet: FleetMode | null; loaded: boolean }>({ me: null, fleet: null, loaded: false });

/**
 * Who is signed in, and the fleet mode with it: both are known before the frame renders, so
 * the fleet notice never arrives late and pushes the page down.
 */
export async function loadSession(): Promise<Me | null> {
  const [me, fleet] = await Promise.all([
    api<Me>('/api/v1/me').catch(() => null),
    api<FleetMode>('/api/v1/fleet/mode').catch(() => null),
  ]);
  if (me) setCsrfToken(me.csrfToken);
  session.me = me;
  session.fleet = fleet;
  session.loaded = true;
  return me;
}

/** May the signed-in user do `permission` in `tenantId` (or on the platform)? Display only: the server decides. */
export function can(permission: string, tenantId?: string): boolean {
  const me = session.me;
  if (!me) return false;
  if (me.platformPermissions.includes(permission)) return true;
  return tenantId !== undefined && !!me.tenants.find((t) => t.id === tenantId)?.permissions.includes(permission);
}

import { api, setCsrfToken } from './api';

export interface Me {
  kind: string;
  id: string;
  name: string;
  platformRole: string | null;
  platformPermissions: string[];
  tenants: { id: string; name: string; role: string; permissions: string[] }[];
  csrfToken: string | null;
}

export const session = $state<{ me: Me | null; loaded: boolean }>({ me: null, loaded: false });

export async function loadSession(): Promise<Me | null> {
  try {
    const me = await api<Me>('/api/v1/me');
    setCsrfToken(me.csrfToken);
    session.me = me;
  } catch {
    session.me = null;
  }
  session.loaded = true;
  return session.me;
}

/** May the signed-in user do `permission` in `tenantId` (or on the platform)? Display only: the server decides. */
export function can(permission: string, tenantId?: string): boolean {
  const me = session.me;
  if (!me) return false;
  if (me.platformPermissions.includes(permission)) return true;
  return tenantId !== undefined && !!me.tenants.find((t) => t.id === tenantId)?.permissions.includes(permission);
}

// Tenant names by id, read once per session and shared by every page, so that a tenant
// shown anywhere is shown by name (and linked).
import { api } from './api.ts';
import type { Tenant } from './api-shapes.ts';

export const tenantNames = $state<{ byId: Record<string, string>; list: Tenant[]; loaded: boolean }>({ byId: {}, list: [], loaded: false });
let loading: Promise<void> | null = null;

export function loadTenantNames(force = false): Promise<void> {
  if (loading && !force) return loading;
  loading = api<Tenant[]>('/api/v1/tenants').then((list) => {
    tenantNames.list = list;
    tenantNames.byId = Object.fromEntries(list.map((t) => [t.id, t.name]));
    tenantNames.loaded = true;
  }).catch(() => {
    loading = null;
  });
  return loading;
}

/** A tenant's id from its name or id (filters accept either). */
export function tenantIdOf(nameOrId: string): string | undefined {
  if (tenantNames.byId[nameOrId]) return nameOrId;
  return tenantNames.list.find((t) => t.name.toLowerCase() === nameOrId.trim().toLowerCase())?.id;
}

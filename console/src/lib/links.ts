// Where each thing the console shows lives: one href per kind, used by every page, so that
// a tenant, workspace, trace, SLO, node or controller target shown anywhere leads to its page.
export const tenantHref = (id: string) => `/tenants/${id}`;
export const workspaceHref = (tenantId: string, id: string) => `/workspaces/${tenantId}/${id}`;
export const traceHref = (traceId: string, tenantId?: string | null) => `/traces/${traceId}${tenantId === undefined ? '' : `?tenant=${tenantId ?? 'platform'}`}`;
export const sloHref = (name: string) => `/slos/${encodeURIComponent(name)}`;
export const nodeHref = (name: string) => `/fleet#node-${encodeURIComponent(name)}`;
export const regionHref = (name: string) => `/fleet#region-${encodeURIComponent(name)}`;
export const controllerHref = (name: string) => `/controllers?controller=${encodeURIComponent(name)}`;
export const usageHref = (tenantId: string, extra: Record<string, string> = {}) => `/usage?${new URLSearchParams({ tenant: tenantId, ...extra })}`;

/** A short, readable form of an id for link text when no name is known. */
export const shortId = (id: string) => (id.length > 12 ? `${id.slice(0, 8)}…` : id);

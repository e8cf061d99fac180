// The few Pilothouse endpoints the synthetic tenants call, over plain HTTP with real tokens.
// An endpoint that does not exist (404 "no route") is remembered and skipped from then on,
// so the demo runs on whatever parts of Pilothouse are present.
export interface Reply<T = any> { status: number; body: T }

export interface WorkspaceView {
  id: string;
  name: string;
  state: 'pending' | 'starting' | 'running' | 'paused' | 'archived' | 'error';
  region: string;
  nodePool: 'on-demand' | 'spot';
  resourceFactor: number;
}

export class PilothouseClient {
  /** endpoint names found missing, with the status that said so */
  readonly missing = new Map<string, string>();
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, timeoutMs = 10_000) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
  }

  available(endpoint: string): boolean { return !this.missing.has(endpoint); }

  private async call<T>(endpoint: string, method: string, path: string, token: string, body?: unknown, contentType = 'application/json'): Promise<Reply<T> | undefined> {
    if (this.missing.has(endpoint)) return undefined;
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let parsed: any = text;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
    if (res.status === 404 && typeof parsed?.message === 'string' && parsed.message.startsWith('no route for')) {
      this.missing.set(endpoint, `${method} ${path.split('?')[0]} answered 404 (not built yet)`);
      return undefined;
    }
    return { status: res.status, body: parsed as T };
  }

  listWorkspaces(token: string, tenantId: string) {
    return this.call<{ items: WorkspaceView[] } | WorkspaceView[]>('workspaces', 'GET', `/api/v1/tenants/${tenantId}/workspaces?limit=100`, token);
  }

  createWorkspace(token: string, tenantId: string, ws: { name: string; region: string; repository: string; nodePool: 'on-demand' | 'spot'; resourceFactor: number }) {
    return this.call<WorkspaceView>('workspaces', 'POST', `/api/v1/tenants/${tenantId}/workspaces`, token, ws);
  }

  action(token: string, tenantId: string, workspaceId: string, verb: 'pause' | 'resume') {
    return this.call<WorkspaceView>(`workspaces.${verb}`, 'POST', `/api/v1/tenants/${tenantId}/workspaces/${workspaceId}/${verb}`, token, {});
  }

  archive(token: string, tenantId: string, workspaceId: string) {
    return this.call<WorkspaceView>('workspaces', 'DELETE', `/api/v1/tenants/${tenantId}/workspaces/${workspaceId}`, token);
  }

  sendEvents(token: string, tenantId: string, events: unknown[]) {
    return this.call<{ accepted: number; duplicates: number; rejected: number }>('events', 'POST', `/api/v1/tenants/${tenantId}/events`, token, events, 'application/cloudevents-batch+json');
  }

  sendTraces(token: string, request: unknown) {
    return this.call<unknown>('traces', 'POST', '/v1/traces', token, request);
  }
}

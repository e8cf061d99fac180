// Response types of the REST API, read from the types generated from the server's OpenAPI
// document (api-types.ts). A page names what it reads here rather than writing it again.
import type { paths } from './api-types.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Json<R> = R extends { content: { 'application/json': infer T } } ? T : never;
type Ok<O> = O extends { responses: infer R } ? (200 extends keyof R ? Json<R[200]> : 201 extends keyof R ? Json<R[201]> : never) : never;

/** The JSON body of a successful answer to `method path`. */
export type Resp<P extends keyof paths, M extends Method = 'get'> = Ok<NonNullable<paths[P][M]>>;
type Item<T> = T extends readonly (infer I)[] ? I : never;

export type Me = Resp<'/api/v1/me'>;
export type FleetMode = Resp<'/api/v1/fleet/mode'>;
export type Tenant = Item<Resp<'/api/v1/tenants'>>;
export type TenantDetail = Resp<'/api/v1/tenants/{tenantId}'>;
export type Member = Item<Resp<'/api/v1/tenants/{tenantId}/members'>>;
export type Token = Item<Resp<'/api/v1/tenants/{tenantId}/tokens'>>;
export type CreatedToken = Resp<'/api/v1/tenants/{tenantId}/tokens', 'post'>;
export type Workspace = Item<Resp<'/api/v1/workspaces'>['items']>;
export type WorkspaceDetail = Resp<'/api/v1/tenants/{tenantId}/workspaces/{workspaceId}'>;
export type WorkspaceCounts = Resp<'/api/v1/workspaces/counts'>;
export type KubeEvents = Resp<'/api/v1/tenants/{tenantId}/workspaces/{workspaceId}/events'>;
export type Quota = Resp<'/api/v1/tenants/{tenantId}/quota'>;
export type QuotaRow = Item<Quota['resources']>;
export type Controllers = Resp<'/api/v1/controllers'>;
export type ControllerView = Item<Controllers['controllers']>;
export type ActionPage = Resp<'/api/v1/controller-actions'>;
export type Action = Item<ActionPage['items']>;
export type SloList = Resp<'/api/v1/slos'>;
export type Slo = Item<SloList['items']>;
export type SloDetail = Resp<'/api/v1/slos/{name}'>;
export type SloHistory = Resp<'/api/v1/slos/{name}/history'>;
export type SloPoint = Item<SloHistory['points']>;
export type Compliance = Resp<'/api/v1/slos/{name}/compliance'>;
export type ComplianceMonth = Item<Compliance['items']>;
export type AlertChange = Item<Resp<'/api/v1/slos/{name}/alerts'>['items']>;
export type Fleet = Resp<'/api/v1/fleet'>;
export type FleetTotals = Fleet['totals'];
export type FleetPool = Item<Item<Fleet['regions']>['pools']>;
export type FleetNode = Item<FleetPool['nodes']>;
export type FleetCosts = Resp<'/api/v1/fleet/costs'>;
export type Meter = Item<Resp<'/api/v1/meters'>>;
export type UsageSeries = Item<Resp<'/api/v1/usage'>['series']>;
export type UsageReport = Resp<'/api/v1/tenants/{tenantId}/usage/report'>;
export type TenantCosts = Resp<'/api/v1/usage/costs'>;
export type TenantCost = Item<TenantCosts['items']>;
export type TraceHit = Item<Resp<'/api/v1/traces'>>;
export type TraceSpan = Item<Resp<'/api/v1/traces/{traceId}'>['spans']>;
export type RouteRow = Item<Resp<'/api/v1/requests/routes'>>;
export type LatencyPoint = Item<Resp<'/api/v1/requests/series'>>;
export type RumApp = Item<Resp<'/api/v1/rum/apps'>>;
export type RumConsole = Resp<'/api/v1/rum/console'>;
export type VitalPoint = Item<Resp<'/api/v1/rum/apps/{appId}/vitals'>>;
export type RumException = Item<Resp<'/api/v1/rum/apps/{appId}/exceptions'>>;
export type LoadtestScenario = Item<Resp<'/api/v1/loadtest-scenarios'>['items']>;
export type LoadtestRun = Item<Resp<'/api/v1/loadtest-runs'>['items']>;
export type Rightsizing = Resp<'/api/v1/fleet/rightsizing'>;

// Shared JSON schemas (TypeBox): one definition gives validation, serialization, OpenAPI
// and TypeScript types.
import { Type, type Static, type TSchema } from 'typebox';
import { MEMBER_ROLES, PLATFORM_ROLES, PLATFORM_TOKEN_ROLES, TENANT_ROLES } from './auth/roles.ts';
import { NODE_POOLS, RESOURCE_FACTORS } from '../tenancy/workspaces.ts';
import { WORKSPACE_STATES } from '../tenancy/workspace-states.ts';
import { PLANS } from '../tenancy/tenants.ts';

export const Uuid = Type.String({ format: 'uuid', description: 'a UUID' });
export const DateTime = Type.String({ format: 'date-time' });
export const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const literals = <T extends readonly (string | number)[]>(values: T, description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});

/** `T | null`: a field that is always present and may be empty. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ErrorResponse = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
});

export const TenantParams = Type.Object({ tenantId: Uuid });

export const Tenant = Type.Object({
  id: Uuid,
  name: Type.String(),
  plan: literals(PLANS),
  config: JsonObject,
  resourceQuota: JsonObject,
  budgetMonthlyUsd: Type.Union([Type.String(), Type.Null()]),
  budgetResetDay: Type.Integer({ description: 'the reset day in force' }),
  budgetResetDayNext: Type.Union([Type.Object({ day: Type.Integer(), from: DateTime }), Type.Null()], { description: 'a changed reset day and when it takes effect: the next reset under the day in force, so a change never restarts the period holding now' }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const TenantName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });

export const Member = Type.Object({
  userId: Uuid,
  email: Type.Union([Type.String(), Type.Null()]),
  displayName: Type.Union([Type.String(), Type.Null()]),
  role: literals(MEMBER_ROLES),
  createdAt: DateTime,
});

export const ApiToken = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String(),
  tenantId: Type.Union([Uuid, Type.Null()]),
  role: literals([...TENANT_ROLES, ...PLATFORM_ROLES.filter((r) => r !== 'admin'), ...PLATFORM_TOKEN_ROLES]),
  createdAt: DateTime,
  expiresAt: Type.Union([DateTime, Type.Null()]),
  lastUsedAt: Type.Union([DateTime, Type.Null()]),
  revokedAt: Type.Union([DateTime, Type.Null()]),
});

export const NewTokenBody = (roles: readonly string[]) =>
  Type.Object({
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role: literals(roles),
    expiresInDays: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 3650 })),
  }, { additionalProperties: false });

export const WorkspaceStateSchema = literals(WORKSPACE_STATES);

export const Workspace = Type.Object({
  id: Uuid,
  tenantId: Uuid,
  name: Type.String(),
  repository: Type.Union([Type.String(), Type.Null()]),
  gitConfig: JsonObject,
  envConfig: JsonObject,
  state: WorkspaceStateSchema,
  errorReason: Type.Union([Type.String(), Type.Null()]),
  region: Type.String(),
  nodePool: literals(NODE_POOLS),
  resourceFactor: Type.Integer(),
  createdBy: Type.Union([Uuid, Type.Null()]),
  createdAt: DateTime,
  updatedAt: DateTime,
  lastActivityAt: Type.Union([DateTime, Type.Null()]),
  version: Type.Integer(),
  transitions: Type.Record(Type.String(), Type.Union([DateTime, Type.Null()])),
});

export const NewWorkspaceBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  region: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$' }),
  repository: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  nodePool: Type.Optional(literals(NODE_POOLS)),
  resourceFactor: Type.Optional(literals(RESOURCE_FACTORS)),
  gitConfig: Type.Optional(JsonObject),
  envConfig: Type.Optional(JsonObject),
}, { additionalProperties: false });

export const WorkspaceListQuery = Type.Object({
  state: Type.Optional(Type.Array(WorkspaceStateSchema, { description: 'repeat to match any of several states' })),
  region: Type.Optional(Type.String({ maxLength: 64 })),
  nodePool: Type.Optional(literals(NODE_POOLS)),
  q: Type.Optional(Type.String({ maxLength: 100, description: 'part of the name' })),
  activeFrom: Type.Optional(Type.String({ format: 'date-time', description: 'only workspaces not archived before this time' })),
  activeTo: Type.Optional(Type.String({ format: 'date-time', description: 'only workspaces created before this time' })),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorResponse]));

export type TenantT = Static<typeof Tenant>;

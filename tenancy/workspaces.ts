import type { Queryable } from '../db/pool.ts';
import { ConflictError, InvalidError, NotFoundError, isUniqueViolation } from './errors.ts';
import { WORKSPACE_STATES, allowedTransitions, canTransition, type WorkspaceState } from './workspace-states.ts';

export const RESOURCE_FACTORS = [1, 2, 4, 8] as const;
export const NODE_POOLS = ['on-demand', 'spot'] as const;

export interface Workspace {
  id: string;
  tenantId: string;
  name: string;
  repository: string | null;
  gitConfig: Record<string, unknown>;
  envConfig: Record<string, unknown>;
  state: WorkspaceState;
  errorReason: string | null;
  region: string;
  nodePool: (typeof NODE_POOLS)[number];
  resourceFactor: number;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastActivityAt: Date | null;
  version: number;
  transitions: Partial<Record<WorkspaceState, Date | null>>;
}

const COLUMNS = `id, tenant_id, name, repository, git_config, env_config, state, error_reason, region, node_pool,
  resource_factor, created_by, created_at, updated_at, last_activity_at, version,
  pending_at, starting_at, running_at, paused_at, archived_at, error_at`;

function toWorkspace(r: Record<string, any>): Workspace {
  return {
    id: r.id, tenantId: r.tenant_id, name: r.name, repository: r.repository, gitConfig: r.git_config,
    envConfig: r.env_config, state: r.state, errorReason: r.error_reason, region: r.region, nodePool: r.node_pool,
    resourceFactor: r.resource_factor, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at,
    lastActivityAt: r.last_activity_at, version: r.version,
    transitions: {
      pending: r.pending_at, starting: r.starting_at, running: r.running_at,
      paused: r.paused_at, archived: r.archived_at, error: r.error_at,
    },
  };
}

export interface NewWorkspace {
  tenantId: string;
  name: string;
  region: string;
  repository?: string | null;
  nodePool?: (typeof NODE_POOLS)[number];
  resourceFactor?: number;
  gitConfig?: Record<string, unknown>;
  envConfig?: Record<string, unknown>;
  createdBy?: string | null;
}

export async function createWorkspace(db: Queryable, w: NewWorkspace): Promise<Workspace> {
  try {
    const { rows } = await db.query(
      `WITH ws AS (
         INSERT INTO workspaces (tenant_id, name, region, repository, node_pool, resource_factor, git_config, env_config, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *
       ), tr AS (
         INSERT INTO workspace_transitions (workspace_id, tenant_id, from_state, to_state, reason, actor)
         SELECT id, tenant_id, NULL, 'pending', 'created', $9::text FROM ws
       )
       SELECT ${COLUMNS} FROM ws`,
      [w.tenantId, w.name.trim(), w.region, w.repository ?? null, w.nodePool ?? 'on-demand', w.resourceFactor ?? 1,
        w.gitConfig ?? {}, w.envConfig ?? {}, w.createdBy ?? null],
    );
    return toWorkspace(rows[0]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`a workspace named "${w.name.trim()}" already exists in this tenant; choose another name`);
    throw err;
  }
}

/** One workspace of one tenant; another tenant's id is simply not found. */
export async function getWorkspace(db: Queryable, tenantId: string, id: string): Promise<Workspace> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM workspaces WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  if (!rows[0]) throw new NotFoundError(`workspace ${id} not found`);
  return toWorkspace(rows[0]);
}

/** The names of a tenant's workspaces, by id (ids of other tenants are left out). */
export async function workspaceNames(db: Queryable, tenantId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query('SELECT id, name FROM workspaces WHERE tenant_id = $1 AND id = ANY($2::uuid[])', [tenantId, ids]);
  return new Map(rows.map((r) => [r.id as string, r.name as string]));
}

/** The ids of the workspaces called `name` (in one tenant, or any). */
export async function workspaceIdsNamed(db: Queryable, name: string, tenantId?: string): Promise<string[]> {
  const { rows } = await db.query('SELECT id FROM workspaces WHERE name = $1 AND ($2::uuid IS NULL OR tenant_id = $2) LIMIT 100', [name, tenantId ?? null]);
  return rows.map((r) => r.id as string);
}

export interface WorkspaceFilter {
  /** undefined lists every tenant's workspaces (platform roles only) */
  tenantId?: string;
  state?: WorkspaceState[];
  region?: string;
  nodePool?: string;
  q?: string;
  /** only workspaces that existed at some time in [activeFrom, activeTo): created before its end, not archived before its start */
  activeFrom?: string;
  activeTo?: string;
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

// The cursor carries created_at to the microsecond, as stored: a JavaScript Date keeps only
// milliseconds, and rows created within the same millisecond would be skipped.
function encodeCursor(row: { created_at_us: string; id: string }): string {
  return Buffer.from(JSON.stringify([row.created_at_us, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && !Number.isNaN(Date.parse(v[0])) && /^[0-9a-f-]{36}$/.test(v[1])) return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new InvalidError('cursor is not valid: pass the nextCursor value of the previous page unchanged');
}

/** Newest first, keyset-paginated on (created_at, id) so pages stay stable under inserts. */
export async function listWorkspaces(db: Queryable, f: WorkspaceFilter): Promise<Page<Workspace>> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replaceAll('?', `$${values.length}`));
  };
  if (f.tenantId !== undefined) add('tenant_id = ?', f.tenantId);
  if (f.state?.length) add('state = ANY(?::text[])', f.state);
  if (f.region) add('region = ?', f.region);
  if (f.nodePool) add('node_pool = ?', f.nodePool);
  if (f.q) add(`name ILIKE '%' || ? || '%'`, f.q.replace(/[\\%_]/g, (c) => '\\' + c));
  if (f.activeTo) add('created_at < ?::timestamptz', f.activeTo);
  if (f.activeFrom) add(`(state <> 'archived' OR updated_at >= ?::timestamptz)`, f.activeFrom);
  if (f.cursor) {
    const [at, id] = decodeCursor(f.cursor);
    values.push(at, id);
    where.push(`(created_at, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  values.push(f.limit + 1);
  const { rows } = await db.query(
    `SELECT ${COLUMNS}, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_us
       FROM workspaces ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY created_at DESC, id DESC LIMIT $${values.length}`,
    values,
  );
  const items = rows.slice(0, f.limit).map(toWorkspace);
  const last = rows[f.limit - 1];
  return { items, nextCursor: rows.length > f.limit && last ? encodeCursor(last) : null };
}

/** Workspaces by state, of one tenant or of all; every state is present, zero or not. */
export async function countWorkspaces(db: Queryable, f: { tenantId?: string } = {}): Promise<Record<WorkspaceState, number>> {
  const { rows } = await db.query<{ state: WorkspaceState; n: number }>(
    `SELECT state, count(*)::int AS n FROM workspaces WHERE $1::uuid IS NULL OR tenant_id = $1 GROUP BY state`,
    [f.tenantId ?? null],
  );
  const counts = Object.fromEntries(WORKSPACE_STATES.map((s) => [s, 0])) as Record<WorkspaceState, number>;
  for (const r of rows) counts[r.state] = r.n;
  return counts;
}

export interface Transition {
  from: WorkspaceState | null;
  to: WorkspaceState;
  reason: string | null;
  actor: string | null;
  at: Date;
}

export async function listTransitions(db: Queryable, tenantId: string, workspaceId: string): Promise<Transition[]> {
  const { rows } = await db.query(
    `SELECT from_state, to_state, reason, actor, at FROM workspace_transitions
      WHERE tenant_id = $1 AND workspace_id = $2 ORDER BY at, id`,
    [tenantId, workspaceId],
  );
  return rows.map((r) => ({ from: r.from_state, to: r.to_state, reason: r.reason, actor: r.actor, at: r.at }));
}

export interface TransitionRequest {
  to: WorkspaceState;
  reason?: string;
  actor?: string;
  /** optimistic concurrency: refuse when the row changed since this version was read */
  expectedVersion?: number;
}

/**
 * Moves a workspace to another state, stamping the transition time and recording it.
 * Refuses transitions the state machine does not allow (409) and stale versions (409).
 */
export async function transitionWorkspace(db: Queryable, tenantId: string, id: string, t: TransitionRequest): Promise<Workspace> {
  const current = await getWorkspace(db, tenantId, id);
  if (current.state === t.to) return current;
  if (!canTransition(current.state, t.to)) {
    const allowed = allowedTransitions(current.state);
    throw new ConflictError(
      `workspace ${id} is ${current.state} and cannot become ${t.to}` +
        (allowed.length ? `; from ${current.state} it can become ${allowed.join(', ')}` : ''),
    );
  }
  const version = t.expectedVersion ?? current.version;
  const { rows } = await db.query(
    `WITH ws AS (
       UPDATE workspaces SET state = $3, ${t.to}_at = now(), updated_at = now(), version = version + 1,
              error_reason = CASE WHEN $3 = 'error' THEN $4 ELSE NULL END
        WHERE tenant_id = $1 AND id = $2 AND version = $5 RETURNING *
     ), tr AS (
       INSERT INTO workspace_transitions (workspace_id, tenant_id, from_state, to_state, reason, actor)
       SELECT id, tenant_id, $6, $3, $4, $7 FROM ws
     )
     SELECT ${COLUMNS} FROM ws`,
    [tenantId, id, t.to, t.reason ?? null, version, current.state, t.actor ?? null],
  );
  if (!rows[0]) throw new ConflictError(`workspace ${id} changed while this request ran; read it again and retry`);
  return toWorkspace(rows[0]);
}

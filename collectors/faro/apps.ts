// Browser apps that report through Faro, each with its API key and the origins allowed to
// send for it. The console itself is the platform's app CONSOLE_APP.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/pool.ts';
import { NotFoundError } from '../../tenancy/errors.ts';

export const CONSOLE_APP = 'pilothouse-console';

export interface RumApp {
  id: string;
  tenantId: string | null;
  name: string;
  apiKey: string;
  allowedOrigins: string[];
  createdAt: Date;
}

const COLUMNS = 'id, tenant_id, name, api_key, allowed_origins, created_at';
const toApp = (r: Record<string, any>): RumApp => ({ id: r.id, tenantId: r.tenant_id, name: r.name, apiKey: r.api_key, allowedOrigins: r.allowed_origins, createdAt: r.created_at });

export async function createRumApp(db: Queryable, a: { tenantId: string | null; name: string; allowedOrigins?: string[] }): Promise<RumApp> {
  const { rows } = await db.query(
    `INSERT INTO rum_apps (tenant_id, name, api_key, allowed_origins) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
    [a.tenantId, a.name, `faro_${randomBytes(18).toString('base64url')}`, a.allowedOrigins ?? ['*']],
  );
  return toApp(rows[0]);
}

/** The console's own app, created on first use. Only its own origin may send for it. */
export async function consoleApp(db: Queryable): Promise<RumApp> {
  await db.query(
    `INSERT INTO rum_apps (tenant_id, name, api_key, allowed_origins) VALUES (NULL, $1, $2, '{}') ON CONFLICT DO NOTHING`,
    [CONSOLE_APP, `faro_${randomBytes(18).toString('base64url')}`],
  );
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM rum_apps WHERE tenant_id IS NULL AND name = $1`, [CONSOLE_APP]);
  return toApp(rows[0]);
}

export async function appByKey(db: Queryable, apiKey: string): Promise<RumApp | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM rum_apps WHERE api_key = $1`, [apiKey]);
  return rows[0] ? toApp(rows[0]) : undefined;
}

/** Apps of a tenant, of the platform (null), or of everyone (undefined). */
export async function listRumApps(db: Queryable, tenantId: string | null | undefined): Promise<RumApp[]> {
  const { rows } = tenantId === undefined
    ? await db.query(`SELECT ${COLUMNS} FROM rum_apps ORDER BY tenant_id NULLS FIRST, name`)
    : await db.query(`SELECT ${COLUMNS} FROM rum_apps WHERE tenant_id IS NOT DISTINCT FROM $1 ORDER BY name`, [tenantId]);
  return rows.map(toApp);
}

/** An app seen from a scope: a tenant sees only its own apps (others are a 404). */
export async function getRumApp(db: Queryable, id: string, tenantId: string | null | undefined): Promise<RumApp> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM rum_apps WHERE id = $1`, [id]);
  const app = rows[0] ? toApp(rows[0]) : undefined;
  if (!app || (tenantId !== undefined && app.tenantId !== tenantId)) throw new NotFoundError(`app ${id} not found`);
  return app;
}

/** May a page at `origin` send for this app? Its own origin always may (the console). */
export function originAllowed(app: RumApp, origin: string | undefined, ownOrigin: string): boolean {
  if (origin === undefined || origin === ownOrigin) return true;
  return app.allowedOrigins.includes('*') || app.allowedOrigins.includes(origin);
}

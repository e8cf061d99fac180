// The machinery the route walks share (bad input, hostile input, authorization, aborts):
// which routes write, how their URLs are filled, which token may reach each, and two ways of
// telling that the database did not change: a full snapshot (every row of every table, slow,
// exact) and a change counter (row triggers into a log, one count per request).
import { randomUUID } from 'node:crypto';
import type { RouteRecord } from '../../server/auth/plugin.ts';
import type { Db } from '../../db/pool.ts';

export const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** Routes that check a permission and take a body (or delete). */
export function writeRoutes(routes: readonly RouteRecord[], methods = ['POST', 'PUT', 'PATCH']): RouteRecord[] {
  return routes.filter((r) => methods.includes(r.method) && 'permission' in r.auth);
}

/** The route's URL with :tenantId filled in and every other parameter a fresh uuid. */
export function fillUrl(url: string, tenantId: string): string {
  return url.replace(':tenantId', tenantId).replace(/:[A-Za-z]+/g, () => randomUUID()).replace('*', 'x');
}

/** Routes acting in the caller's own tenant refuse platform tokens before reading the body. */
export function tokenFor(r: RouteRecord, tokens: { platform: string; tenant: string }): string {
  return 'tenant' in r.auth && !('platform' in r.auth && r.auth.platform === 'allowed') ? tokens.tenant : tokens.platform;
}

/** Every row of every table, hashed: equal before and after means nothing changed. */
export async function snapshot(db: Db): Promise<string> {
  const { rows } = await db.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'sweep_changes' ORDER BY 1`,
  );
  const counts: string[] = [];
  for (const { table_name } of rows) {
    const c = await db.query(`SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM "${table_name}" x`);
    counts.push(`${table_name}:${c.rows[0].n}:${c.rows[0].h}`);
  }
  return counts.join('\n');
}

/**
 * Installs a row trigger on every table (partitioned parents cover their partitions) that
 * logs each committed change, and returns a counter of them. A token's last-use time is
 * not a change a request makes on purpose, so api_tokens counts only other updates.
 */
export async function changeCounter(db: Db): Promise<() => Promise<number>> {
  await db.query(`
    CREATE TABLE IF NOT EXISTS sweep_changes (id bigint GENERATED ALWAYS AS IDENTITY, at text);
    CREATE OR REPLACE FUNCTION sweep_log() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO sweep_changes (at) VALUES (TG_TABLE_NAME || ' ' || TG_OP); RETURN NULL; END $$;`);
  const { rows } = await db.query(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'sweep_changes'`,
  );
  for (const { relname } of rows) {
    const events = relname === 'api_tokens' ? 'INSERT OR DELETE OR UPDATE OF revoked_at, role, name, expires_at' : 'INSERT OR UPDATE OR DELETE';
    await db.query(`CREATE OR REPLACE TRIGGER sweep_log AFTER ${events} ON "${relname}" FOR EACH ROW EXECUTE FUNCTION sweep_log()`);
  }
  return async () => (await db.query('SELECT count(*)::int AS n FROM sweep_changes')).rows[0].n as number;
}

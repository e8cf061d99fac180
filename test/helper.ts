// Test helpers: a fresh database per test file (cloned from the run's migrated template),
// the app built without listening, and tokens for any role.
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { createPool, withDatabase, type Db } from '../db/pool.ts';
import { loadConfig, type Config } from '../server/config.ts';
import { buildApp } from '../server/app.ts';
import type { ClusterAccess } from '../server/cluster.ts';
import { createTenant, type Tenant } from '../tenancy/tenants.ts';
import { createToken } from '../tenancy/tokens.ts';
import type { PlatformRole, TenantRole, PlatformTokenRole } from '../server/auth/roles.ts';

export interface TestDb {
  url: string;
  pool: Db;
}

function serverUrl(): string {
  const url = process.env.PILOTHOUSE_TEST_DATABASE_URL;
  if (!url) throw new Error('run tests through `npm test` or `node scripts/test.ts FILE…`: they start the test database');
  return url;
}

/** A database of its own for the calling test file, dropped when the file ends. */
export async function createTestDb(): Promise<TestDb> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${process.env.PILOTHOUSE_TEST_TEMPLATE}`);
  await admin.end();
  const url = withDatabase(serverUrl(), name);
  const pool = createPool(url, 10);
  after(async () => {
    await pool.end();
    const c = new pg.Client({ connectionString: serverUrl() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  return { url, pool };
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', PILOTHOUSE_SELF_TRACING: 'false', PILOTHOUSE_DEMO: 'off', ...overrides });
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  dbUrl: string;
  config: Config;
  /** a bearer token for a platform role, or a tenant role in `tenantId` */
  token(role: PlatformRole | PlatformTokenRole, tenantId?: undefined): Promise<string>;
  token(role: TenantRole, tenantId: string): Promise<string>;
  tenant(name?: string): Promise<Tenant>;
}

export async function buildTestApp(opts: { env?: Record<string, string>; console?: boolean; cluster?: ClusterAccess } = {}): Promise<TestApp> {
  const { url, pool } = await createTestDb();
  const config = testConfig(opts.env);
  const app = await buildApp({ config, db: pool, console: opts.console ?? false, cluster: opts.cluster });
  await app.ready();
  after(() => app.close());
  let n = 0;
  return {
    app,
    db: pool,
    dbUrl: url,
    config,
    token: (async (role: string, tenantId?: string) =>
      (await createToken(pool, { name: `test-${role}`, tenantId: tenantId ?? null, role: role as never })).secret) as TestApp['token'],
    tenant: (name?: string) => createTenant(pool, { name: name ?? `tenant-${++n}-${randomBytes(3).toString('hex')}` }),
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

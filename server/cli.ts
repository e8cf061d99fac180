#!/usr/bin/env node
// The `pilothouse` command. Subcommands print only their result on stdout (ids, tokens)
// so scripts can capture it; messages go to stderr.
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase } from './database.ts';
import type { Db } from '../db/pool.ts';
import { createTenant, listTenants, PLANS } from '../tenancy/tenants.ts';
import { createToken } from '../tenancy/tokens.ts';
import { PLATFORM_ROLES, PLATFORM_TOKEN_ROLES, TENANT_ROLES } from './auth/roles.ts';
import { createBootstrapLink } from './auth/sessions.ts';

function config(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(2);
    }
    throw err;
  }
}

async function withDb<T>(fn: (db: Db, cfg: Config) => Promise<T>): Promise<T> {
  const cfg = config();
  const db = await openDatabase(cfg, (m) => process.stderr.write(m + '\n'));
  try {
    return await fn(db.pool, cfg);
  } finally {
    await db.close();
  }
}

function fail(message: string): never {
  process.stderr.write(`pilothouse: ${message}\n`);
  process.exit(1);
}

const program = new Command('pilothouse')
  .description('Operations console and SRE toolkit for a multi-tenant cloud of OpenHands coding agents')
  .showHelpAfterError();

program.command('start').description('start the API and console (embedded PostgreSQL unless DATABASE_URL is set)').action(async () => {
  const cfg = config();
  // Unless OTEL_EXPORTER_OTLP_ENDPOINT names a collector, traces go to this server's own
  // receiver, as the platform, once it listens.
  let self: { exporter: import('./telemetry.ts').SelfExporter; identity: import('./auth/plugin.ts').ServiceIdentity } | undefined;
  if (cfg.PILOTHOUSE_SELF_TRACING) {
    const { startTelemetry, SelfExporter, selfTelemetryIdentity } = await import('./telemetry.ts');
    if (!cfg.OTEL_EXPORTER_OTLP_ENDPOINT) self = { exporter: new SelfExporter(), identity: selfTelemetryIdentity() };
    const telemetry = startTelemetry({
      endpoint: cfg.OTEL_EXPORTER_OTLP_ENDPOINT, self: self?.exporter,
      sampling: { ratio: cfg.PILOTHOUSE_TRACE_SAMPLE_RATIO, slowMs: cfg.PILOTHOUSE_TRACE_SLOW_MS },
    });
    process.once('beforeExit', () => void telemetry.shutdown());
  }
  const { startServer } = await import('./main.ts');
  const running = await startServer(cfg, console.log, { services: self ? [self.identity] : [] });
  self?.exporter.connect(running.localUrl, self.identity.secret);
  const stop = async (signal: string) => {
    process.stderr.write(`\n${signal}: stopping Pilothouse…\n`);
    const timer = setTimeout(() => process.exit(1), 15_000).unref();
    await running.stop();
    clearTimeout(timer);
    process.stderr.write('Pilothouse stopped.\n');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
});

program.command('migrate').description('apply database migrations and exit').action(async () => {
  await withDb(async () => process.stderr.write('database is up to date\n'));
});

const tenant = program.command('tenant').description('manage tenants');
tenant.command('create <name>').description('create a tenant and print its id')
  .addOption(new Option('--plan <plan>', 'the tenant\'s plan').choices(PLANS).default('team'))
  .action(async (name: string, o: { plan: (typeof PLANS)[number] }) => {
    const t = await withDb((db) => createTenant(db, { name, plan: o.plan })).catch((e: Error) => fail(e.message));
    process.stdout.write(t.id + '\n');
  });
tenant.command('list').description('list tenants as JSON lines').action(async () => {
  const all = await withDb((db) => listTenants(db));
  for (const t of all) process.stdout.write(JSON.stringify({ id: t.id, name: t.name, plan: t.plan }) + '\n');
});

const token = program.command('token').description('manage API tokens');
token.command('create').description('create an API token and print it (shown only once)')
  .option('--tenant <id>', 'scope the token to this tenant')
  .option('--platform', 'scope the token to the whole platform')
  .requiredOption('--role <role>', `tenant roles: ${TENANT_ROLES.join(', ')}; platform roles: ${[...PLATFORM_ROLES, ...PLATFORM_TOKEN_ROLES].join(', ')}`)
  .option('--name <name>', 'a label for the token', 'cli')
  .option('--expires-in-days <days>', 'expire the token after this many days', Number)
  .action(async (o: { tenant?: string; platform?: boolean; role: string; name: string; expiresInDays?: number }) => {
    if (!!o.tenant === !!o.platform) fail('give exactly one of --tenant ID or --platform');
    const roles: readonly string[] = o.platform ? [...PLATFORM_ROLES, ...PLATFORM_TOKEN_ROLES] : TENANT_ROLES;
    if (!roles.includes(o.role)) fail(`--role must be one of ${roles.join(', ')} for a ${o.platform ? 'platform' : 'tenant'} token`);
    if (o.tenant && !/^[0-9a-f-]{36}$/i.test(o.tenant)) fail(`--tenant must be a tenant id (a UUID), got "${o.tenant}"`);
    if (o.expiresInDays !== undefined && !(o.expiresInDays > 0)) fail('--expires-in-days must be a positive number');
    const { secret } = await withDb((db) => createToken(db, {
      name: o.name, tenantId: o.tenant ?? null, role: o.role as never, expiresInDays: o.expiresInDays,
    })).catch((e: Error & { code?: string }) => fail(e.code === '23503' ? `no tenant with id ${o.tenant}` : e.message));
    process.stdout.write(secret + '\n');
  });

program.command('admin').description('platform administration')
  .command('link').description('print a new one-time sign-in link for the first admin')
  .action(async () => {
    const url = await withDb(async (db, cfg) => `${cfg.publicUrl}/auth/bootstrap?token=${await createBootstrapLink(db)}`);
    process.stdout.write(url + '\n');
  });

const backup = program.command('backup').description('base backups of the embedded PostgreSQL (WAL is archived continuously)');
backup.command('now', { isDefault: true }).description('take a base backup now and print it as JSON')
  .action(async () => {
    const cfg = config();
    const { backupNow } = await import('./backups.ts');
    if (cfg.DATABASE_URL) fail('DATABASE_URL is set: back up that database where it runs (for CloudNativePG, see deploy/README.md)');
    const db = await openDatabase(cfg, (m) => process.stderr.write(m + '\n'));
    try {
      process.stdout.write(JSON.stringify(await backupNow(cfg, db.url)) + '\n');
    } catch (e) {
      fail((e as Error).message);
    } finally {
      await db.close();
    }
  });
backup.command('list').description('list base backups and the archived WAL as JSON')
  .action(async () => {
    const { backupList } = await import('./backups.ts');
    process.stdout.write(JSON.stringify(await backupList(config()), null, 2) + '\n');
  });

program.command('restore').description('restore the embedded PostgreSQL from the newest base backup and the archived WAL (Pilothouse must be stopped)')
  .option('--to <time>', 'recover up to this time (ISO 8601, such as 2026-12-03T14:05:00Z) instead of to the end of the archive')
  .action(async (o: { to?: string }) => {
    const to = o.to === undefined ? undefined : new Date(o.to);
    if (to && Number.isNaN(to.getTime())) fail(`--to "${o.to}" is not a time: give ISO 8601, such as 2026-12-03T14:05:00Z`);
    const { restoreEmbedded } = await import('./backups.ts');
    const r = await restoreEmbedded(config(), to, (m) => process.stderr.write(m + '\n')).catch((e: Error) => fail(e.message));
    process.stdout.write(JSON.stringify(r) + '\n');
  });

const slo = program.command('slo').description('service level objectives');
slo.command('validate <paths...>').description('validate OpenSLO v1 files and folders (recursively): every problem with file, line, field and fix; exit 1 when any is invalid')
  .option('--json', 'print the report as JSON')
  .action(async (paths: string[], o: { json?: boolean }) => {
    const { validateFiles } = await import('../slo/catalog.ts');
    const { formatReport } = await import('../slo/openslo/report.ts');
    const report = await validateFiles(paths).catch((e: Error) => fail(e.message));
    process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report), () => process.exit(report.valid ? 0 : 1));
  });
slo.command('rules [files...]').description('print Prometheus rules for OpenSLO specs (default: every spec in slo/specs/)')
  .option('--out <file>', 'write the rules to this file instead of standard output')
  .option('--tests [file]', 'also write promtool unit tests (default: next to --out, ending .test.yaml)')
  .option('--runbook-base-url <url>', 'prefix of runbook links (default: PUBLIC_URL/api/v1, where Pilothouse serves runbooks/)')
  .option('--interval <duration>', 'evaluation interval of the rule groups, such as 30s')
  .option('--prometheus-rule [name]', 'print a prometheus-operator PrometheusRule object (default name: pilothouse-slos) instead of a rule file')
  .action(async (files: string[], o: { out?: string; tests?: string | boolean; runbookBaseUrl?: string; interval?: string; prometheusRule?: string | boolean }) => {
    const { writeRules } = await import('../slo/rules/cli.ts');
    await writeRules(files, { ...o, runbookBaseUrl: o.runbookBaseUrl ?? `${config().publicUrl}/api/v1` }).catch((e: Error) => fail(e.message));
  });

program.command('loadtest').description('load tests judged by the SLOs (run them with npm run loadtest)')
  .command('k6').description('write k6 options (constant-arrival-rate scenarios, SLO-derived thresholds) for a scenario, or every one')
  .option('--scenario <name>', 'one scenario (default: all)')
  .option('--out <dir>', 'folder for <scenario>.json (default: loadtests/k6/options/)')
  .action(async (o: { scenario?: string; out?: string }) => {
    const [{ SCENARIOS, scenarioNamed }, { writeK6Options }, { compileSpecDir }] = await Promise.all([
      import('../loadtests/scenarios/index.ts'), import('../loadtests/k6-options.ts'), import('../slo/catalog.ts'),
    ]);
    const { slos, problems } = await compileSpecDir();
    if (problems.length) fail(`the SLO specs do not compile: ${problems.map((p) => p.message).join('; ')}`);
    let chosen: typeof SCENARIOS[number][];
    try {
      chosen = o.scenario ? [scenarioNamed(o.scenario)] : [...SCENARIOS];
    } catch (e) {
      fail((e as Error).message);
    }
    for (const path of writeK6Options(chosen, slos, o.out)) process.stdout.write(path + '\n');
  });

const autoscale = program.command('autoscale').description('autoscaling: try the HPA algorithm on files, replay the warm-pool policies');
autoscale.command('simulate').description('one HorizontalPodAutoscaler sync from files: the desired replicas and why')
  .requiredOption('--hpa <file>', 'an autoscaling/v2 HorizontalPodAutoscaler (YAML or JSON) with status.currentReplicas')
  .requiredOption('--pods <file>', 'the target\'s pods: a PodList (kubectl get pods -o json)')
  .requiredOption('--metrics <file>', 'a metrics.k8s.io PodMetricsList (kubectl get --raw /apis/metrics.k8s.io/v1beta1/namespaces/NS/pods)')
  .option('--now <time>', 'the time of the sync (ISO 8601), for pods still in their CPU initialisation period; default: now')
  .option('--first-sync', 'as a controller that has just started: it records the current count first and so does not scale down within the stabilisation window')
  .option('--json', 'print a JSON object (desiredReplicas, reasoning, metrics) instead of text')
  .action(async (o: { hpa: string; pods: string; metrics: string; now?: string; json?: boolean; firstSync?: boolean }) => {
    const { simulateFiles } = await import('./autoscale-cli.ts');
    const out = await simulateFiles(o).catch((e: Error) => fail(e.message));
    process.stdout.write(out);
  });
autoscale.command('replay').description('both warm-pool policies (reactive, predictive) over a simulated week: cold starts, p95 start time, placeholder cost')
  .option('--seed <n>', 'the random seed of the simulated starts', (v) => Number(v), 1)
  .option('--days <n>', 'days to replay (1..28)', (v) => Number(v), 7)
  .option('--peak <n>', 'weekday peak starts per hour (1..5000)', (v) => Number(v), 40)
  .option('--bursts <n>', 'bursts per weekday (0..100)', (v) => Number(v), 3)
  .option('--empty-probability <p>', 'the predictive pool\'s P(a start finds it empty) target (0.0001..0.5)', (v) => Number(v), 0.01)
  .option('--json', 'print JSON')
  .action(async (o: { seed: number; days: number; peak: number; bursts: number; emptyProbability: number; json?: boolean }) => {
    if (!Number.isInteger(o.seed)) fail('--seed must be an integer');
    if (!(Number.isInteger(o.days) && o.days >= 1 && o.days <= 28)) fail('--days must be an integer 1..28');
    if (!(o.peak >= 1 && o.peak <= 5000)) fail('--peak must be 1..5000');
    if (!(o.bursts >= 0 && o.bursts <= 100)) fail('--bursts must be 0..100');
    if (!(o.emptyProbability >= 0.0001 && o.emptyProbability <= 0.5)) fail('--empty-probability must be 0.0001..0.5');
    const { replayWeek } = await import('./autoscale-cli.ts');
    process.stdout.write(await replayWeek(o));
  });

await program.parseAsync(process.argv);

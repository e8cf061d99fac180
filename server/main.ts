// `pilothouse start`: database, migrations, API and console in one process.
import type { Config } from './config.ts';
import { buildApp, type AppOptions } from './app.ts';
import { openDatabase } from './database.ts';
import { createBootstrapLink } from './auth/sessions.ts';
import { loadPrices, startUsageJobs } from '../collectors/usage/jobs.ts';
import { kubeOptionsOf, type ClusterAccess } from './cluster.ts';
import { startControllers } from '../controllers/index.ts';
import { PrometheusClient } from '../slo/sources/prometheus.ts';
import { startFleetCostJob } from '../collectors/cost/fleet-jobs.ts';
import { evaluateAll, startSloJob } from '../slo/evaluate/job.ts';
import { SloRegistry } from '../slo/registry.ts';
import { fleetCostToday } from '../collectors/cost/fleet-costs.ts';
import { infraRatesAt } from '../collectors/cost/catalog-store.ts';
import { demoWanted, startDemo } from './demo.ts';
import { startBackupSchedule } from './backups.ts';
import { defaultActionRegistry } from '../controllers/index.ts';
import { loadPluginFile } from '../controllers/remediation/actions/plugin.ts';
import { loadPolicyFiles, syncRepoPolicies } from '../controllers/remediation/policy.ts';
import { REMEDIATION } from '../controllers/remediation/controller.ts';
import { enqueueMessage, startNotifier } from '../controllers/notifications/outbox.ts';
import { secretsKey } from '../controllers/notifications/secrets.ts';

/** PromQL for the reactive autoscaler's Prometheus metrics. */
const promQuery = (url: string) => {
  const client = new PrometheusClient(url);
  return (query: string, at: Date) => client.single(query, at);
};

export interface Running {
  url: string;
  /** where this process itself reaches the server (the listening address, not PUBLIC_URL) */
  localUrl: string;
  /** the cluster managed: the simulated demo fleet's sandbox API server, KUBECONFIG, or none */
  cluster: ClusterAccess;
  stop(): Promise<void>;
}

export async function startServer(config: Config, print: (line: string) => void = console.log, opts: Pick<AppOptions, 'services'> = {}): Promise<Running> {
  const started = performance.now();
  const wantDemo = demoWanted(config);
  const db = await openDatabase(config, (m) => print(m));
  const demo = wantDemo ? await startDemo({ log: (m) => print(`  ${m}`), outageEveryMinutes: config.PILOTHOUSE_DEMO_OUTAGE_EVERY_MINUTES }).catch(async (err) => { await db.close(); throw err; }) : undefined;
  const actions = defaultActionRegistry();
  const app = await buildApp({ config, db: db.pool, services: opts.services, cluster: demo?.cluster, actions });
  try {
    await loadPrices(db.pool, config.PRICE_CATALOG_FILE, app.log);
    for (const path of config.PILOTHOUSE_ACTION_PLUGINS.split(',').map((p) => p.trim()).filter(Boolean)) actions.add(await loadPluginFile(path));
    await syncRepoPolicies(db.pool, await loadPolicyFiles());
  } catch (err) {
    await demo?.stop();
    await db.close();
    throw err;
  }
  let address: string;
  try {
    address = await app.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    await demo?.stop();
    await db.close();
    throw err;
  }
  const backups = db.embedded ? startBackupSchedule(config, db.url, app.log) : undefined;
  const usageJobs = startUsageJobs(db.pool, { graceDays: config.USAGE_CLOSE_GRACE_DAYS, intervalSeconds: config.PILOTHOUSE_JOB_INTERVAL_SECONDS }, app.log);
  const kube = kubeOptionsOf(app.cluster);
  const fleetCostJob = kube ? startFleetCostJob(db.pool, kube, app.log, config.PILOTHOUSE_JOB_INTERVAL_SECONDS) : undefined;
  const controllers = config.PILOTHOUSE_CONTROLLERS === 'off' ? undefined : await startControllers({
    db: db.pool, registry: app.metrics, kube, dryRun: config.PILOTHOUSE_CONTROLLERS_DRY_RUN,
    lease: kube ? config.PILOTHOUSE_LEASE : 'postgres', leaseNamespace: config.PILOTHOUSE_LEASE_NAMESPACE, leaseTtlMs: config.PILOTHOUSE_LEASE_TTL_SECONDS * 1000,
    snapshots: config.WORKSPACE_SNAPSHOT_CLASS ? { className: config.WORKSPACE_SNAPSHOT_CLASS, retentionDays: config.WORKSPACE_SNAPSHOT_RETENTION_DAYS } : undefined,
    reactive: config.PROMETHEUS_URL ? { prometheus: promQuery(config.PROMETHEUS_URL) } : {},
    prices: (at) => infraRatesAt(db.pool, at),
    fleetCost: (now) => fleetCostToday(db.pool, now),
    log: (msg, fields) => app.log.info({ ...fields, component: 'controllers' }, msg),
    remediation: {
      registry: actions,
      notify: async (subject, text, labels) => { await enqueueMessage(db.pool, subject, text, labels); },
      // Keptn's re-evaluation: the SLO is evaluated again now, before its alert is read.
      recheckSlo: async (slo, now) => { await evaluateAll(db.pool, new SloRegistry(db.pool), { prometheusUrl: config.PROMETHEUS_URL, runbookBaseUrl: `${config.publicUrl}/api/v1` }, now, [slo]); },
    },
  });
  // An alert arriving (or an approval) wakes remediation at once instead of at its next tick.
  const wake = () => {
    if (controllers?.isLeader()) void controllers.wake(REMEDIATION).catch(() => {});
  };
  app.alertEvents.on('changed', wake);
  const notifier = startNotifier({ db: db.pool, key: secretsKey(config.PILOTHOUSE_SECRETS_KEY), externalUrl: config.publicUrl, log: (msg, f) => app.log.warn({ ...f, component: 'notifications' }, msg) });
  app.alertEvents.on('changed', () => notifier.wake());
  // With PORT=0 the real port is known only now.
  const port = Number(new URL(address).port);
  const url = config.PUBLIC_URL ? config.publicUrl : config.publicUrl.replace(/:\d+$/, `:${port}`);
  if (url !== config.publicUrl) Object.assign(config, { publicUrl: url });
  // Every job starts here, once the server listens; app.inject tests evaluate SLOs on demand.
  const sloJob = startSloJob(db.pool, new SloRegistry(db.pool), { prometheusUrl: config.PROMETHEUS_URL, runbookBaseUrl: `${url}/api/v1` }, app.log, config.PILOTHOUSE_JOB_INTERVAL_SECONDS, (changes) => app.alertEvents.emit('changed', { slo: changes }));
  const lines = [
    '',
    `  Pilothouse is ready at ${url}  (${Math.round(performance.now() - started)} ms)`,
    `  database: ${db.embedded ? `embedded PostgreSQL in ${config.dataDir}/pgdata` : 'DATABASE_URL'}`,
    ...(db.embedded ? [`  backups: ${config.PILOTHOUSE_WAL_ARCHIVE ? `WAL archived every ${config.PILOTHOUSE_WAL_ARCHIVE_TIMEOUT_SECONDS} s at most` : 'WAL archiving off'}, base backups ${config.PILOTHOUSE_BACKUP_SCHEDULE === 'off' ? 'off' : `at "${config.PILOTHOUSE_BACKUP_SCHEDULE}"`}, in ${config.backupDir}`] : []),
    `  API docs: ${url}/api/docs`,
    `  controllers: ${controllers ? `${controllers.names.join(', ')} (${config.PILOTHOUSE_CONTROLLERS_DRY_RUN ? 'DRY RUN, ' : ''}${kube ? 'with' : 'without'} a cluster, lease in ${kube ? config.PILOTHOUSE_LEASE : 'postgres'})` : 'off'}`,
    demo ? `  fleet: SIMULATED demo fleet (sandbox Kubernetes API at ${demo.sandbox.url}); set KUBECONFIG or PILOTHOUSE_DEMO=off for a real cluster`
      : `  fleet: ${app.cluster.mode === 'kubeconfig' ? `the cluster of KUBECONFIG ${config.KUBECONFIG}` : app.cluster.mode === 'in-cluster' ? 'the cluster this pod runs in' : 'no Kubernetes cluster configured'}`,
  ];
  if (!config.OIDC_ISSUER) {
    const secret = await createBootstrapLink(db.pool);
    lines.push(`  sign in (one-time link, valid 60 minutes): ${url}/auth/bootstrap?token=${secret}`);
  } else {
    lines.push(`  sign in with ${config.OIDC_ISSUER}`);
  }
  print(lines.join('\n') + '\n');
  let stopping: Promise<void> | undefined;
  const bound = new URL(address);
  if (bound.hostname === '0.0.0.0' || bound.hostname === '[::]') bound.hostname = '127.0.0.1';
  // Synthetic tenants call this server's own HTTP APIs, so it must be listening first.
  await demo?.startTraffic(db.pool, bound.origin);
  return {
    url,
    localUrl: bound.origin,
    cluster: app.cluster,
    stop: () => (stopping ??= (async () => {
      fleetCostJob?.stop();
      sloJob.stop();
      backups?.stop();
      await notifier.stop();
      await controllers?.stop();
      await demo?.stop();
      usageJobs.stop();
      await app.close();
      await db.close();
    })()),
  };
}

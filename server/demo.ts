// The demo fleet for `npm start` without a cluster: the sandbox Kubernetes API server and
// its simulated fleet on a loopback port, demo tenants with fresh tokens, and synthetic
// traffic sent to this Pilothouse's own HTTP APIs. With KUBECONFIG none of this runs.
import type { Db } from '../db/pool.ts';
import type { Config } from './config.ts';
import type { ClusterAccess, DemoFleet } from './cluster.ts';
import { startSandbox, DEMO_REGIONS, demoNodePools, PRICE_ANNOTATION, type RunningSandbox } from '../sandbox/index.ts';
import { resourceByKey } from '../sandbox/k8s/index.ts';
import { POOL_NAME_LABEL } from '../sandbox/fleet/nodes.ts';
import { Traffic } from '../sandbox/traffic/traffic.ts';
import type { TenantIdentity } from '../sandbox/traffic/tenant.ts';
import { createTenant, listTenants, type Plan, type Tenant } from '../tenancy/tenants.ts';
import { createToken, listTokens, revokeToken } from '../tenancy/tokens.ts';
import { listTargets, putTarget } from '../controllers/reactive/store.ts';
import { listRegions, upsertRegion } from '../controllers/failover/store.ts';

export const DEMO_TENANTS: Array<{ name: string; plan: Plan; workspaces: number }> = [
  { name: 'Acme Robotics', plan: 'enterprise', workspaces: 8 },
  { name: 'Globex', plan: 'team', workspaces: 5 },
  { name: 'Initech', plan: 'team', workspaces: 4 },
  { name: 'Ada Lovelace', plan: 'personal', workspaces: 2 },
];
const TOKEN_NAMES = { admin: 'demo traffic (workspaces)', ingest: 'demo traffic (traces)', collector: 'demo runtime (usage)' };
/** Names of earlier runs' tokens, revoked at start. */
const OLD_TOKEN_NAMES = [...Object.values(TOKEN_NAMES), 'demo traffic (usage and traces)'];

/** Whether this start runs the simulated fleet; refuses the ambiguous PILOTHOUSE_DEMO=on with KUBECONFIG. */
export function demoWanted(config: Pick<Config, 'PILOTHOUSE_DEMO' | 'KUBECONFIG' | 'KUBERNETES_SERVICE_HOST'>): boolean {
  if (config.PILOTHOUSE_DEMO === 'on' && config.KUBECONFIG) {
    throw new Error('PILOTHOUSE_DEMO=on and KUBECONFIG are both set: the demo fleet never runs beside a real cluster. Unset one of them.');
  }
  // Inside a pod the real cluster is at hand: auto never simulates one there.
  return config.PILOTHOUSE_DEMO === 'on' || (config.PILOTHOUSE_DEMO === 'auto' && !config.KUBECONFIG && !config.KUBERNETES_SERVICE_HOST);
}

export interface Demo {
  cluster: ClusterAccess;
  sandbox: RunningSandbox;
  /** seeds the demo tenants (if none) and starts their traffic against `baseUrl` */
  startTraffic(db: Db, baseUrl: string): Promise<void>;
  stop(): Promise<void>;
}

function summary(sb: RunningSandbox, pools = demoNodePools()): DemoFleet {
  const nodes = sb.server.store.list(resourceByKey('nodes'), undefined).items;
  return {
    regions: DEMO_REGIONS.map((r) => r.name),
    nodePools: pools.map((p) => {
      const mine = nodes.filter((n) => n.metadata.labels?.[POOL_NAME_LABEL] === p.name);
      return { name: p.name, region: p.region, capacityType: p.capacityType, nodes: mine.length, pricePerHour: Number(mine[0]?.metadata.annotations?.[PRICE_ANNOTATION] ?? 0) };
    }),
    nodes: nodes.length,
    pods: sb.server.store.list(resourceByKey('pods'), undefined).items.length,
  };
}

/** The demo tenants (created when there are none), with new tokens that expire in a day. */
export async function demoTenants(db: Db): Promise<TenantIdentity[]> {
  const existing = (await listTenants(db)).filter((t) => (t.config as Record<string, unknown> | undefined)?.demo === true);
  const tenants: Array<{ t: Tenant; workspaces: number }> = [];
  if (existing.length === 0) {
    for (const d of DEMO_TENANTS) {
      const t = await createTenant(db, { name: d.name, plan: d.plan, config: { demo: true } });
      tenants.push({ t, workspaces: d.workspaces });
    }
  } else {
    for (const t of existing) tenants.push({ t, workspaces: DEMO_TENANTS.find((d) => d.name === t.name)?.workspaces ?? 3 });
  }
  const out: TenantIdentity[] = [];
  // The simulated runtime meters usage as the platform's own: one collector token for all.
  // Tokens of an earlier run are useless (their secrets are gone): revoke them.
  for (const old of await listTokens(db, null)) {
    if (!old.revokedAt && old.name === TOKEN_NAMES.collector) await revokeToken(db, null, old.id);
  }
  const collector = await createToken(db, { name: TOKEN_NAMES.collector, tenantId: null, role: 'collector', expiresInDays: 1 });
  for (const { t, workspaces } of tenants) {
    for (const old of await listTokens(db, t.id)) {
      if (!old.revokedAt && OLD_TOKEN_NAMES.includes(old.name)) await revokeToken(db, t.id, old.id);
    }
    const admin = await createToken(db, { name: TOKEN_NAMES.admin, tenantId: t.id, role: 'admin', expiresInDays: 1 });
    const ingest = await createToken(db, { name: TOKEN_NAMES.ingest, tenantId: t.id, role: 'ingest', expiresInDays: 1 });
    out.push({ id: t.id, name: t.name, adminToken: admin.secret, ingestToken: ingest.secret, collectorToken: collector.secret, workspaces });
  }
  return out;
}

/**
 * The platform's own Deployments in the demo, listed for the reactive autoscaler (CPU 70 %,
 * the roadmap's bounds); the sandbox runs non-workspace pods at about a third of their CPU
 * request, so the scaler brings the runtime API down to its minimum after its windows.
 */
export const DEMO_PLATFORM = [
  { name: 'runtime-api', replicas: 3, cpu: '500m', memory: '1Gi' },
  { name: 'llm-gateway', replicas: 2, cpu: '1', memory: '2Gi' },
] as const;
export const DEMO_PLATFORM_NAMESPACE = 'pilothouse-platform';

async function demoPlatform(sandbox: RunningSandbox, db: Db): Promise<void> {
  const store = sandbox.server.store;
  const exists = (rt: ReturnType<typeof resourceByKey>, ns: string | undefined, name: string) => { try { return Boolean(store.get(rt, ns, name)); } catch { return false; } };
  if (!exists(resourceByKey('namespaces'), undefined, DEMO_PLATFORM_NAMESPACE)) store.create(resourceByKey('namespaces'), undefined, { metadata: { name: DEMO_PLATFORM_NAMESPACE } });
  const listed = new Set((await listTargets(db)).map((t) => `${t.namespace}/${t.name}`));
  for (const d of DEMO_PLATFORM) {
    if (!exists(resourceByKey('apps/deployments'), DEMO_PLATFORM_NAMESPACE, d.name)) {
      store.create(resourceByKey('apps/deployments'), DEMO_PLATFORM_NAMESPACE, {
        metadata: { name: d.name, labels: { 'app.kubernetes.io/name': d.name } },
        spec: {
          replicas: d.replicas, selector: { matchLabels: { 'app.kubernetes.io/name': d.name } },
          template: {
            metadata: { labels: { 'app.kubernetes.io/name': d.name } },
            spec: { containers: [{ name: d.name, image: `ghcr.io/openhands/${d.name}:demo`, resources: { requests: { cpu: d.cpu, memory: d.memory } } }] },
          },
        },
      });
    }
    if (!listed.has(`${DEMO_PLATFORM_NAMESPACE}/${d.name}`)) {
      await putTarget(db, { namespace: DEMO_PLATFORM_NAMESPACE, name: d.name, spec: { minReplicas: 2, maxReplicas: 10, metrics: [{ type: 'Resource', resource: 'cpu', averageUtilization: 70 }] } }, 'demo');
    }
  }
}

/** The demo regions, priority in catalogue order, each health-checked at its sandbox front door. */
export async function demoRegions(db: Db, sandboxUrl: string): Promise<void> {
  for (const [i, r] of DEMO_REGIONS.entries()) {
    await upsertRegion(db, { name: r.name, priority: i + 1, probeUrl: `${sandboxUrl}/sandbox/v1/regions/${r.name}/healthz` });
  }
}

/** How long a demo outage drill keeps a region down: long enough for three failed checks. */
export const DRILL_MS = 2 * 60_000;

export async function startDemo(opts: { log?: (message: string) => void; outageEveryMinutes?: number } = {}): Promise<Demo> {
  const log = opts.log ?? (() => {});
  const sandbox = await startSandbox({ seed: Date.now() % 100_000, onError: (err) => log(`sandbox fleet: ${(err as Error).message}`) });
  let traffic: Traffic | undefined;
  const timers: NodeJS.Timeout[] = [];
  return {
    sandbox,
    cluster: {
      mode: 'simulated',
      server: sandbox.url,
      fleet: () => summary(sandbox),
      traffic: () => traffic?.status(),
    },
    async startTraffic(db, baseUrl) {
      await demoPlatform(sandbox, db).catch((err: Error) => log(`demo platform deployments: ${err.message}`));
      await demoRegions(db, sandbox.url);
      const every = opts.outageEveryMinutes ?? 0;
      if (every > 0) {
        // A drill: the active region's front door stops answering for two minutes, so the
        // failover (and, with failback manual, the region staying on its standby) shows.
        const drill = async () => {
          const active = (await listRegions(db).catch(() => [])).find((r) => r.active);
          if (!active) return;
          log(`demo drill: region ${active.name} goes down for ${DRILL_MS / 60_000} minutes`);
          sandbox.fleet.regions.down(active.name, 'hang');
          const back = setTimeout(() => { sandbox.fleet.regions.up(active.name); log(`demo drill: region ${active.name} is back`); }, DRILL_MS);
          back.unref();
          timers.push(back);
        };
        const first = setTimeout(() => {
          void drill();
          const again = setInterval(() => void drill(), every * 60_000);
          again.unref();
          timers.push(again);
        }, 2 * 60_000);
        first.unref();
        timers.push(first);
      }
      const tenants = await demoTenants(db);
      traffic = new Traffic({
        baseUrl, tenants, regions: DEMO_REGIONS.map((r) => r.name), log,
        onActivity: (id, level) => sandbox.fleet.metrics.setActivity(id, level),
      });
      traffic.start();
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      await traffic?.stop();
      await sandbox.close();
    },
  };
}

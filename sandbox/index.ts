// The sandbox: a Kubernetes API server with a simulated fleet behind it. See README.md.
import { startSandboxApi, type RunningApiServer } from './k8s/index.ts';
import { Fleet, type FleetOptions } from './fleet/fleet.ts';

export { startSandboxApi, sandboxKubeConfig, applyObjects, type RunningApiServer } from './k8s/index.ts';
export { Fleet, type FleetOptions } from './fleet/fleet.ts';
export * from './fleet/catalogue.ts';

export interface RunningSandbox extends RunningApiServer {
  fleet: Fleet;
}

/** The API server on a loopback port plus the fleet simulator driving it. */
export async function startSandbox(opts: FleetOptions & { port?: number; host?: string; authorization?: 'rbac' | 'none' } = {}): Promise<RunningSandbox> {
  const api = await startSandboxApi({ port: opts.port, host: opts.host, authorization: opts.authorization });
  const fleet = new Fleet(api.server, opts);
  fleet.start();
  return {
    ...api,
    fleet,
    close: async () => {
      fleet.stop();
      await api.close();
    },
  };
}

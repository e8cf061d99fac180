// POST …/workspaces/{id}/restore: an archived workspace back from the VolumeSnapshot its
// volume got when it was archived (WORKSPACE_SNAPSHOT_CLASS). Kept apart from the other
// workspace routes: it is the one that reads the cluster before it answers.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { Kube } from '../../kube/client.ts';
import { readObject } from '../../kube/objects.ts';
import { archiveSnapshotName, namespaceFor } from '../../controllers/workspaces/manifests.ts';
import { restoreArchived } from '../../admission/workspaces.ts';
import { getWorkspace } from '../../tenancy/workspaces.ts';
import { ConflictError, UnavailableError } from '../../tenancy/errors.ts';
import { actorOf } from '../auth/principal.ts';
import { kubeOptionsOf } from '../cluster.ts';
import { Uuid, Workspace, errors } from '../schemas.ts';

const WsParams = Type.Object({ tenantId: Uuid, workspaceId: Uuid });

export default async function workspaceRestore(app: FastifyInstance) {
  let kube: Kube | undefined;
  app.post<{ Params: Static<typeof WsParams> }>('/api/v1/tenants/:tenantId/workspaces/:workspaceId/restore', {
    config: { auth: { permission: 'workspaces:write' } },
    schema: {
      tags: ['workspaces'],
      summary: 'Restore an archived workspace from the snapshot of its volume (409 when there is none; 429 when the quota does not allow it)',
      params: WsParams, response: { 200: Workspace, ...errors(404, 409, 429, 503) },
    },
  }, async (req) => {
    const { tenantId, workspaceId } = req.params;
    const ws = await getWorkspace(app.db, tenantId, workspaceId); // another tenant's id: 404
    if (ws.state !== 'archived') throw new ConflictError(`workspace ${workspaceId} is ${ws.state}, not archived: there is nothing to restore`);
    if (!app.config.WORKSPACE_SNAPSHOT_CLASS) throw new ConflictError('workspace snapshots are off (set WORKSPACE_SNAPSHOT_CLASS): archived volumes were deleted with no copy');
    const access = kubeOptionsOf(app.cluster);
    if (!access) throw new UnavailableError('no Kubernetes cluster is configured, so no snapshot can be read');
    kube ??= new Kube({ ...access, timeoutMs: 5_000, retries: 2 });
    const name = archiveSnapshotName(workspaceId);
    const snap = await readObject(kube, 'VolumeSnapshot', namespaceFor(tenantId), name).catch((err: Error) => {
      throw new UnavailableError(`could not read VolumeSnapshot ${namespaceFor(tenantId)}/${name}: ${err.message.split('\n')[0]}`);
    });
    if (!snap) throw new ConflictError(`workspace ${workspaceId} has no snapshot ${name}: it was not taken, or was deleted after ${app.config.WORKSPACE_SNAPSHOT_RETENTION_DAYS} days`);
    if (snap.status?.readyToUse !== true) throw new ConflictError(`snapshot ${name} is not ready to use yet${snap.status?.error?.message ? `: ${snap.status.error.message}` : ''}`);
    return restoreArchived(app.db, tenantId, workspaceId, actorOf(req.principal!), name);
  });
}

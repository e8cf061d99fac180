import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deploymentManifest, pdbManifest, pvcManifest, serviceManifest, TENANT_LABEL, WORKSPACE_LABEL } from '../../../controllers/workspaces/manifests.ts';

const ws = { id: 'aaaaaaaa-0000-4000-8000-000000000001', tenantId: '11111111-1111-4111-8111-111111111111', resourceFactor: 2, nodePool: 'spot' as const, region: 'eu-west-1', repository: 'github.com/acme/api' };

test('the sandbox runs as uid 1000 without privilege escalation, on the workspace volume', () => {
  const pod = deploymentManifest(ws, 1).spec.template.spec;
  const c = pod.containers[0];
  assert.equal(c.securityContext.runAsUser, 1000);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.volumeMounts, [{ name: 'workspace', mountPath: '/workspace' }]);
  assert.deepEqual(pod.volumes, [{ name: 'workspace', persistentVolumeClaim: { claimName: `ws-${ws.id}` } }]);
});

test('requests grow with the resource factor; the memory limit equals the request', () => {
  const c = deploymentManifest(ws, 1).spec.template.spec.containers[0];
  assert.deepEqual(c.resources.requests, { cpu: '1', memory: '6Gi', 'ephemeral-storage': '10Gi' });
  assert.equal(c.resources.limits.memory, c.resources.requests.memory);
  assert.equal(pvcManifest(ws).spec.resources.requests.storage, '10Gi');
});

test('a paused workspace is the same deployment at zero replicas', () => {
  assert.equal(deploymentManifest(ws, 0).spec.replicas, 0);
  assert.deepEqual(deploymentManifest(ws, 0).spec.template, deploymentManifest(ws, 1).spec.template);
});

test('every object is labelled with its tenant and workspace and lives in the tenant namespace', () => {
  for (const o of [deploymentManifest(ws, 1), serviceManifest(ws), pvcManifest(ws), pdbManifest(ws)]) {
    assert.equal(o.metadata?.namespace, `tenant-${ws.tenantId}`);
    assert.equal(o.metadata?.labels?.[TENANT_LABEL], ws.tenantId);
    assert.equal(o.metadata?.labels?.[WORKSPACE_LABEL], ws.id);
  }
});

test('the disruption budget allows no voluntary eviction and selects the deployment\'s pods', () => {
  const pdb = pdbManifest(ws);
  assert.equal(pdb.spec.maxUnavailable, 0);
  const podLabels = deploymentManifest(ws, 1).spec.template.metadata.labels;
  for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) assert.equal(podLabels[k], v);
  for (const [k, v] of Object.entries(serviceManifest(ws).spec.selector)) assert.equal(podLabels[k], v);
});

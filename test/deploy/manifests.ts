// The deploy/ manifests as a cluster would receive them: each overlay rendered by
// `kubectl kustomize`, split into objects. Tests of the manifests, and the sandbox cluster
// that enforces their RBAC (test/controllers/cluster.ts), read them from here.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { hasTool, TOOLS } from '../tools.ts';

export const DEPLOY = join(import.meta.dirname, '../../deploy');
export const OVERLAYS = readdirSync(join(DEPLOY, 'overlays')).sort();

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: any;
}

const rendered = new Map<string, Manifest[]>();

/** `kubectl kustomize deploy/<dir>` as objects (kubectl must be present). */
export function render(dir: string): Manifest[] {
  let out = rendered.get(dir);
  if (!out) {
    const yaml = execFileSync(TOOLS.kubectl.path, ['kustomize', join(DEPLOY, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    out = parseAllDocuments(yaml).map((d) => d.toJSON() as Manifest).filter(Boolean);
    rendered.set(dir, out);
  }
  return out;
}

export function findObject(objects: Manifest[], kind: string, name?: string): Manifest {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ''} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

const RBAC_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

/**
 * The ServiceAccount and RBAC objects of deploy/base as rendered. Without kubectl they are
 * read from the base's files with the kustomization's namespace applied, which is all
 * kustomize does to them, so the RBAC tests of the controllers still run everywhere.
 */
export function rbacObjects(): Manifest[] {
  if (hasTool('kubectl')) return render('base').filter((o) => RBAC_KINDS.includes(o.kind));
  const kustomization = parse(readFileSync(join(DEPLOY, 'base/kustomization.yaml'), 'utf8')) as { namespace: string };
  const docs = ['serviceaccount.yaml', 'rbac.yaml'].flatMap((f) => parseAllDocuments(readFileSync(join(DEPLOY, 'base', f), 'utf8')).map((d) => d.toJSON() as Manifest));
  return docs.map((o) => (o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding' ? o : { ...o, metadata: { ...o.metadata, namespace: kustomization.namespace } }));
}

/** Namespace and name of the ServiceAccount Pilothouse's Deployment runs as. */
export function pilothouseServiceAccount(): { namespace: string; name: string } {
  const sa = findObject(rbacObjects(), 'ServiceAccount');
  return { namespace: sa.metadata.namespace!, name: sa.metadata.name };
}

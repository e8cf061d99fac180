// Discovery documents (/api, /apis, /api/v1, /apis/<group>/<version>, /version) built from
// the resource table, so clients that look up resources (KubernetesObjectApi) find them.
import { RESOURCES, type ResourceType } from './resources.ts';

const VERBS_RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const VERSION_INFO = {
  major: '1', minor: '33', gitVersion: 'v1.33.0-pilothouse-sandbox', gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.24.0', compiler: 'gc', platform: 'linux/amd64',
};

export function groupVersions(): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCES) seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  return [...seen.values()];
}

export function coreVersions(host: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] };
}

export function groupList() {
  const groups = new Map<string, string[]>();
  for (const { group, version } of groupVersions()) if (group) groups.set(group, [...(groups.get(group) ?? []), version]);
  // Scale lives in autoscaling/v1 though no autoscaling resource is served here.
  return {
    kind: 'APIGroupList', apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

export function group(name: string) {
  const g = groupList().groups.find((x) => x.name === name);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...g } : undefined;
}

function entry(r: ResourceType) {
  return { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.readOnly ? ['get', 'list'] : VERBS_RW, ...(r.shortNames.length ? { shortNames: r.shortNames } : {}) };
}

export function resourceList(groupName: string, version: string) {
  const rs = RESOURCES.filter((r) => r.group === groupName && r.version === version);
  if (!rs.length) return undefined;
  const resources: object[] = [];
  for (const r of rs) {
    resources.push(entry(r));
    for (const s of r.subresources) {
      resources.push(s === 'scale'
        ? { name: `${r.plural}/scale`, singularName: '', namespaced: r.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] }
        : { name: `${r.plural}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupName ? `${groupName}/${version}` : version, resources };
}

// The resource types the sandbox serves: where they live in the API, how they default and
// validate. One table, read by discovery, routing and the store.
import { isDeepStrictEqual } from 'node:util';
import type { ResourceType, StatusCause, } from './types.ts';
import { isQuantity, parseQuantity } from './quantity.ts';
import {
  decodeProblem, forbiddenField, invalidValue, notSupported, required, validatePodSpec, validateResources, validateWorkloadSpec,
} from './validation.ts';
import { validatePriorityClass, validatePriorityClassUpdate } from './priority.ts';


export type { ResourceType, Subresource } from './types.ts';

/** `apps/deployments`, or `pods` for the core group: the store's key. */
export const keyOf = (rt: Pick<ResourceType, 'group' | 'plural'>) => (rt.group ? `${rt.group}/${rt.plural}` : rt.plural);
export const apiVersionOf = (rt: Pick<ResourceType, 'group' | 'version'>) => (rt.group ? `${rt.group}/${rt.version}` : rt.version);

function defaultPodSpec(spec: any): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const c of spec.containers ?? []) {
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.imagePullPolicy ??= typeof c.image === 'string' && (c.image.endsWith(':latest') || !c.image.includes(':')) ? 'Always' : 'IfNotPresent';
    c.resources ??= {};
    // A limit with no request makes the request equal to the limit.
    for (const [k, v] of Object.entries(c.resources.limits ?? {})) {
      c.resources.requests ??= {};
      c.resources.requests[k] ??= v;
    }
  }
}

const immutable = (field: string) => forbiddenField(field, 'field is immutable');
const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);

const core = (plural: string, singular: string, kind: string, namespaced: boolean, rest: Partial<ResourceType> = {}): ResourceType =>
  ({ group: '', version: 'v1', plural, singular, kind, namespaced, shortNames: [], subresources: [], generation: false, fields: [], nameKind: 'subdomain', ...rest });

const ROLE_KINDS = ['Role', 'ClusterRole'];

/** rbac.authorization.k8s.io/v1: rules (roles) or a roleRef and subjects (bindings). */
const rbac = (plural: string, singular: string, kind: string, namespaced: boolean): ResourceType => ({
  group: 'rbac.authorization.k8s.io', version: 'v1', plural, singular, kind, namespaced,
  shortNames: [], subresources: [], generation: false, fields: [], nameKind: 'subdomain',
  validate(o) {
    const out: StatusCause[] = [];
    if (kind.endsWith('Binding')) {
      const ref = o.roleRef;
      if (!ref?.name) out.push(required('roleRef.name'));
      const allowed = namespaced ? ROLE_KINDS : ['ClusterRole'];
      if (!allowed.includes(ref?.kind)) out.push(notSupported('roleRef.kind', ref?.kind, allowed));
      (o.subjects ?? []).forEach((s: any, i: number) => {
        if (!['User', 'Group', 'ServiceAccount'].includes(s?.kind)) out.push(notSupported(`subjects[${i}].kind`, s?.kind, ['ServiceAccount', 'User', 'Group']));
        if (!s?.name) out.push(required(`subjects[${i}].name`));
      });
    } else {
      (o.rules ?? []).forEach((r: any, i: number) => {
        if (!Array.isArray(r?.verbs) || r.verbs.length === 0) out.push(required(`rules[${i}].verbs`));
        if (!r?.nonResourceURLs && !Array.isArray(r?.apiGroups)) out.push(required(`rules[${i}].apiGroups`));
      });
    }
    return out;
  },
  validateUpdate: kind.endsWith('Binding') ? (o, old) => (same(o.roleRef, old.roleRef) ? [] : [forbiddenField('roleRef', 'cannot change roleRef')]) : undefined,
});

export const RESOURCES: ResourceType[] = [
  core('namespaces', 'namespace', 'Namespace', false, {
    shortNames: ['ns'], subresources: ['status'], fields: ['status.phase'], nameKind: 'label',
    defaults(o) {
      o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name! };
      o.spec = { finalizers: ['kubernetes'], ...o.spec };
      o.status = { phase: 'Active' };
    },
  }),
  core('nodes', 'node', 'Node', false, {
    shortNames: ['no'], subresources: ['status'], fields: ['spec.unschedulable'],
    defaults(o) { o.spec ??= {}; o.status ??= {}; },
  }),
  core('pods', 'pod', 'Pod', true, {
    shortNames: ['po'], subresources: ['status', 'eviction'], generation: true,
    fields: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
    decode: (o) => decodeProblem(o.spec?.priority, 'int32', 'PodSpec.spec.priority') ?? decodeProblem(o.spec?.priorityClassName, 'string', 'PodSpec.spec.priorityClassName'),
    // spec.priority and spec.preemptionPolicy are the Priority admission plugin's (priority.ts).
    defaults(o) {
      o.spec ??= {};
      defaultPodSpec(o.spec);
      o.spec.serviceAccountName ??= 'default';
      o.spec.enableServiceLinks ??= true;
      o.status ??= { phase: 'Pending', qosClass: qosClass(o.spec) };
    },
    validate: (o) => validatePodSpec(o.spec, 'spec'),
    validateUpdate(o, old) {
      // Pod specs are immutable but for images, activeDeadlineSeconds and added tolerations;
      // the scheduler's binding sets nodeName once.
      const strip = (s: any) => ({ ...s, containers: (s?.containers ?? []).map((c: any) => ({ ...c, image: undefined })), activeDeadlineSeconds: undefined, tolerations: undefined, nodeName: undefined });
      const out: StatusCause[] = [];
      if (!same(strip(o.spec), strip(old.spec))) out.push(forbiddenField('spec', 'pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds`'));
      if (old.spec?.nodeName && o.spec?.nodeName !== old.spec.nodeName) out.push(immutable('spec.nodeName'));
      return out;
    },
  }),
  core('services', 'service', 'Service', true, {
    shortNames: ['svc'], subresources: ['status'], nameKind: 'label',
    defaults(o) {
      o.spec ??= {};
      o.spec.type ??= 'ClusterIP';
      o.spec.sessionAffinity ??= 'None';
      o.spec.ipFamilies ??= ['IPv4'];
      o.spec.ipFamilyPolicy ??= 'SingleStack';
      o.spec.internalTrafficPolicy ??= 'Cluster';
      for (const p of o.spec.ports ?? []) { p.protocol ??= 'TCP'; p.targetPort ??= p.port; }
      o.status ??= { loadBalancer: {} };
    },
    validate(o) {
      const out: StatusCause[] = [];
      const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
      if (!types.includes(o.spec?.type)) out.push(notSupported('spec.type', o.spec?.type, types));
      const ports = o.spec?.ports;
      if (o.spec?.type !== 'ExternalName' && o.spec?.clusterIP !== 'None' && (!Array.isArray(ports) || ports.length === 0)) out.push(required('spec.ports'));
      (Array.isArray(ports) ? ports : []).forEach((p: any, i: number) => {
        if (!Number.isInteger(p?.port) || p.port < 1 || p.port > 65535) out.push(invalidValue(`spec.ports[${i}].port`, p?.port, 'must be between 1 and 65535, inclusive'));
        if (ports.length > 1 && !p?.name) out.push(required(`spec.ports[${i}].name`));
      });
      return out;
    },
    validateUpdate(o, old) {
      return old.spec?.clusterIP && o.spec?.clusterIP !== undefined && o.spec.clusterIP !== old.spec.clusterIP ? [immutable('spec.clusterIP')] : [];
    },
  }),
  core('configmaps', 'configmap', 'ConfigMap', true, {
    shortNames: ['cm'],
    validate(o) {
      const out: StatusCause[] = [];
      for (const [k, v] of Object.entries(o.data ?? {})) {
        if (!/^[-._a-zA-Z0-9]+$/.test(k)) out.push(invalidValue(`data[${k}]`, k, 'a valid config key must consist of alphanumeric characters, \'-\', \'_\' or \'.\''));
        if (typeof v !== 'string') out.push(invalidValue(`data[${k}]`, v, 'must be a string'));
      }
      return out;
    },
  }),
  core('persistentvolumeclaims', 'persistentvolumeclaim', 'PersistentVolumeClaim', true, {
    shortNames: ['pvc'], subresources: ['status'],
    defaults(o) {
      o.spec ??= {};
      o.spec.volumeMode ??= 'Filesystem';
      o.spec.storageClassName ??= 'standard';
      o.status ??= { phase: 'Pending' };
    },
    validate(o) {
      const out: StatusCause[] = [];
      if (!Array.isArray(o.spec?.accessModes) || o.spec.accessModes.length === 0) out.push(required('spec.accessModes'));
      const storage = o.spec?.resources?.requests?.storage;
      if (storage === undefined) out.push(required('spec.resources[storage]'));
      else if (!isQuantity(storage) || parseQuantity(storage) <= 0) out.push(invalidValue('spec.resources[storage]', storage, 'must be greater than zero'));
      return out;
    },
    validateUpdate(o, old) {
      const strip = (s: any) => ({ ...s, resources: undefined, volumeName: undefined });
      const out: StatusCause[] = [];
      if (!same(strip(o.spec), strip(old.spec))) out.push(forbiddenField('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
      const now = o.spec?.resources?.requests?.storage;
      const was = old.spec?.resources?.requests?.storage;
      if (isQuantity(now) && isQuantity(was) && parseQuantity(now) < parseQuantity(was)) out.push(forbiddenField('spec.resources.requests.storage', 'field can not be less than status.capacity'));
      return out;
    },
  }),
  core('resourcequotas', 'resourcequota', 'ResourceQuota', true, {
    shortNames: ['quota'], subresources: ['status'],
    defaults(o) { o.spec ??= {}; o.status ??= {}; },
    validate(o) {
      return Object.entries(o.spec?.hard ?? {}).filter(([, q]) => !isQuantity(q))
        .map(([k, q]) => invalidValue(`spec.hard[${k}]`, q, 'quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\''));
    },
  }),
  core('events', 'event', 'Event', true, {
    shortNames: ['ev'],
    fields: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
    microTimes: ['eventTime'],
    defaults(o) { o.type ??= 'Normal'; o.count ??= 1; },
    validate(o) {
      const out: StatusCause[] = [];
      if (!o.involvedObject) out.push(required('involvedObject'));
      if (o.involvedObject?.namespace && o.involvedObject.namespace !== o.metadata.namespace) out.push(invalidValue('involvedObject.namespace', o.involvedObject.namespace, 'does not match event.namespace'));
      if (o.type && !['Normal', 'Warning'].includes(o.type)) out.push(notSupported('type', o.type, ['Normal', 'Warning']));
      return out;
    },
  }),
  {
    group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true,
    shortNames: ['deploy'], subresources: ['status', 'scale'], generation: true, fields: [], nameKind: 'subdomain',
    defaults(o) {
      o.spec ??= {};
      o.spec.replicas ??= 1;
      o.spec.revisionHistoryLimit ??= 10;
      o.spec.progressDeadlineSeconds ??= 600;
      o.spec.strategy ??= { type: 'RollingUpdate' };
      if (o.spec.strategy.type === 'RollingUpdate') o.spec.strategy.rollingUpdate ??= { maxUnavailable: '25%', maxSurge: '25%' };
      o.spec.template ??= {};
      o.spec.template.metadata ??= {};
      if (o.spec.template.spec) defaultPodSpec(o.spec.template.spec);
      o.status ??= {};
    },
    validate: (o) => validateWorkloadSpec(o.spec, 'Deployment'),
    validateUpdate: (o, old) => (same(o.spec?.selector, old.spec?.selector) ? [] : [immutable('spec.selector')]),
  },
  {
    group: 'apps', version: 'v1', plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true,
    shortNames: ['rs'], subresources: ['status', 'scale'], generation: true, fields: [], nameKind: 'subdomain',
    defaults(o) {
      o.spec ??= {};
      o.spec.replicas ??= 1;
      if (o.spec.template?.spec) defaultPodSpec(o.spec.template.spec);
      o.status ??= { replicas: 0 };
    },
    validate: (o) => validateWorkloadSpec(o.spec, 'ReplicaSet'),
    validateUpdate: (o, old) => (same(o.spec?.selector, old.spec?.selector) ? [] : [immutable('spec.selector')]),
  },
  {
    group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', singular: 'poddisruptionbudget', kind: 'PodDisruptionBudget', namespaced: true,
    shortNames: ['pdb'], subresources: ['status'], generation: true, fields: [], nameKind: 'subdomain',
    defaults(o) { o.spec ??= {}; o.status ??= { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }; },
    validate(o) {
      const out: StatusCause[] = [];
      if (o.spec?.minAvailable !== undefined && o.spec?.maxUnavailable !== undefined) {
        out.push(invalidValue('spec', o.spec, 'minAvailable and maxUnavailable cannot be both set'));
      }
      for (const f of ['minAvailable', 'maxUnavailable'] as const) {
        const v = o.spec?.[f];
        if (v !== undefined && !(Number.isInteger(v) && v >= 0) && !(typeof v === 'string' && /^\d+%$/.test(v))) {
          out.push(invalidValue(`spec.${f}`, v, 'must be a non-negative integer or a percentage such as "50%"'));
        }
      }
      return out;
    },
  },
  {
    group: 'scheduling.k8s.io', version: 'v1', plural: 'priorityclasses', singular: 'priorityclass', kind: 'PriorityClass', namespaced: false,
    shortNames: ['pc'], subresources: [], generation: false, fields: [], nameKind: 'subdomain',
    decode: (o) => decodeProblem(o.value, 'int32', 'PriorityClass.value') ?? decodeProblem(o.globalDefault, 'bool', 'PriorityClass.globalDefault')
      ?? decodeProblem(o.description, 'string', 'PriorityClass.description') ?? decodeProblem(o.preemptionPolicy, 'string', 'PriorityClass.preemptionPolicy'),
    defaults(o) {
      // value is a plain int32: absent decodes as 0. globalDefault and description are
      // omitempty, so false and "" are not written back.
      o.value ??= 0;
      o.preemptionPolicy ??= 'PreemptLowerPriority';
      if (o.globalDefault !== true) delete o.globalDefault;
      if (!o.description) delete o.description;
      // The registry's PrepareForCreate sets generation 1; nothing bumps it later.
      o.metadata.generation ??= 1;
    },
    validate: validatePriorityClass,
    validateUpdate: validatePriorityClassUpdate,
  },
  {
    group: 'coordination.k8s.io', version: 'v1', plural: 'leases', singular: 'lease', kind: 'Lease', namespaced: true,
    shortNames: [], subresources: [], generation: false, fields: [], nameKind: 'subdomain',
    microTimes: ['spec.acquireTime', 'spec.renewTime'],
    defaults(o) { o.spec ??= {}; },
    validate(o) {
      const out: StatusCause[] = [];
      const d = o.spec?.leaseDurationSeconds;
      if (d !== undefined && (!Number.isInteger(d) || d <= 0)) out.push(invalidValue('spec.leaseDurationSeconds', d, 'must be greater than 0'));
      const t = o.spec?.leaseTransitions;
      if (t !== undefined && (!Number.isInteger(t) || t < 0)) out.push(invalidValue('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
      return out;
    },
  },
  core('serviceaccounts', 'serviceaccount', 'ServiceAccount', true, { shortNames: ['sa'] }),
  rbac('roles', 'role', 'Role', true),
  rbac('rolebindings', 'rolebinding', 'RoleBinding', true),
  rbac('clusterroles', 'clusterrole', 'ClusterRole', false),
  rbac('clusterrolebindings', 'clusterrolebinding', 'ClusterRoleBinding', false),
  {
    group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots', singular: 'volumesnapshot', kind: 'VolumeSnapshot', namespaced: true,
    shortNames: ['vs'], subresources: ['status'], generation: true, fields: [], nameKind: 'subdomain',
    defaults(o) { o.spec ??= {}; },
    validate(o) {
      const src = o.spec?.source ?? {};
      const out: StatusCause[] = [];
      if (!src.persistentVolumeClaimName === !src.volumeSnapshotContentName) out.push(invalidValue('spec.source', src, 'exactly one of persistentVolumeClaimName and volumeSnapshotContentName should be set'));
      return out;
    },
    validateUpdate: (o, old) => (same(o.spec?.source, old.spec?.source) ? [] : [immutable('spec.source')]),
  },
  {
    group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshotclasses', singular: 'volumesnapshotclass', kind: 'VolumeSnapshotClass', namespaced: false,
    shortNames: ['vsclass'], subresources: [], generation: false, fields: [], nameKind: 'subdomain',
    validate(o) {
      const out: StatusCause[] = [];
      if (!o.driver) out.push(required('driver'));
      if (!['Delete', 'Retain'].includes(o.deletionPolicy)) out.push(notSupported('deletionPolicy', o.deletionPolicy, ['Delete', 'Retain']));
      return out;
    },
  },
  {
    group: 'metrics.k8s.io', version: 'v1beta1', plural: 'nodes', singular: '', kind: 'NodeMetrics', namespaced: false,
    shortNames: [], subresources: [], generation: false, fields: [], nameKind: 'subdomain', readOnly: true,
  },
  {
    group: 'metrics.k8s.io', version: 'v1beta1', plural: 'pods', singular: '', kind: 'PodMetrics', namespaced: true,
    shortNames: [], subresources: [], generation: false, fields: [], nameKind: 'subdomain', readOnly: true,
  },
];

/** Resources by `group/version` then plural. */
export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function resourceByKey(key: string): ResourceType {
  const rt = RESOURCES.find((r) => keyOf(r) === key && !r.readOnly);
  if (!rt) throw new Error(`unknown resource ${key}`);
  return rt;
}

/** Guaranteed, Burstable or BestEffort, from the containers' requests and limits. */
export function qosClass(spec: any): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const cs: any[] = spec?.containers ?? [];
  const any = cs.some((c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length);
  if (!any) return 'BestEffort';
  const guaranteed = cs.every((c) => ['cpu', 'memory'].every((r) => c.resources?.limits?.[r] !== undefined
    && String(c.resources?.requests?.[r] ?? c.resources.limits[r]) === String(c.resources.limits[r])));
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export { validateResources };

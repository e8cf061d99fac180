// Pod priority on the API server's side: the scheduling.k8s.io/v1 PriorityClass rules
// (pkg/apis/scheduling/validation, the registry's system classes) and the Priority admission
// plugin (plugin/pkg/admission/priority), which resolves a new pod's priorityClassName into
// spec.priority and spec.preemptionPolicy and refuses what it cannot resolve.
import type { KObject, StoredObject } from './types.ts';
import { forbidden, type StatusCause } from './status.ts';
import { forbiddenField, invalidValue, notSupported } from './validation.ts';

export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** with no class named and no globalDefault class, a pod runs at this priority */
export const DEFAULT_PRIORITY = 0;
export const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'];

/** The classes every cluster has; the API server creates them at start and never deletes them. */
export const SYSTEM_PRIORITY_CLASSES = [
  { name: 'system-node-critical', value: 2_000_001_000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2_000_000_000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

export const isSystemPriorityClass = (name: string) => SYSTEM_PRIORITY_CLASSES.some((c) => c.name === name);

const PC_GROUP = { group: 'scheduling.k8s.io', plural: 'priorityclasses' };
const PODS = { group: '', plural: 'pods' };

/** ValidatePriorityClass: reserved `system-` names, the user ceiling, the preemption policy. */
export function validatePriorityClass(pc: KObject): StatusCause[] {
  const out: StatusCause[] = [];
  const name = pc.metadata.name ?? '';
  if (name.startsWith('system-')) {
    const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
    const why = !known ? `${name} is not a known system priority class`
      : known.value !== pc.value ? `value of ${name} PriorityClass must be ${known.value}`
        : pc.globalDefault ? `globalDefault of ${name} PriorityClass must be false` : undefined;
    if (why) out.push(forbiddenField('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${why}`));
  } else if (pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    out.push(forbiddenField('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (pc.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(pc.preemptionPolicy)) {
    out.push(notSupported('preemptionPolicy', pc.preemptionPolicy, PREEMPTION_POLICIES));
  }
  return out;
}

/** ValidatePriorityClassUpdate: value and preemptionPolicy are fixed at creation. */
export function validatePriorityClassUpdate(pc: KObject, old: KObject): StatusCause[] {
  const out: StatusCause[] = [];
  if (pc.value !== old.value) out.push(forbiddenField('value', 'may not be changed in an update.'));
  if (pc.preemptionPolicy !== old.preemptionPolicy) out.push(invalidValue('preemptionPolicy', pc.preemptionPolicy, 'field is immutable'));
  return out;
}

/** The globalDefault class; should a race have made two, the lowest value wins. */
export function defaultPriorityClass(classes: KObject[]): KObject | undefined {
  let best: KObject | undefined;
  for (const c of classes) if (c.globalDefault === true && (!best || c.value < best.value)) best = c;
  return best;
}

/** The plugin's Validate for PriorityClass writes: one globalDefault at most (403, as upstream). */
export function admitPriorityClass(pc: KObject, classes: StoredObject[], operation: 'create' | 'update'): void {
  if (pc.globalDefault !== true) return;
  const existing = defaultPriorityClass(classes);
  if (existing && (operation === 'create' || existing.metadata.name !== pc.metadata.name)) {
    throw forbidden(PC_GROUP, pc.metadata.name ?? '', `PriorityClass ${existing.metadata.name} is already marked as default. Only one default can exist`);
  }
}

/**
 * The plugin's Admit for a new pod: a named class must exist; no name takes the globalDefault
 * class (and its name), else priority 0 and PreemptLowerPriority. A priority or preemption
 * policy the client set that differs from the class's is refused. Mutates `pod`. `name` is
 * what the error names: the pod's name, or its generateName (names are generated later).
 */
export function admitPodPriority(pod: KObject, classes: StoredObject[], name: string): void {
  pod.spec ??= {};
  const spec = pod.spec;
  let value: number;
  let policy: string | undefined;
  if (!spec.priorityClassName) {
    const dpc = defaultPriorityClass(classes);
    if (dpc) spec.priorityClassName = dpc.metadata.name;
    else delete spec.priorityClassName;
    value = dpc ? dpc.value : DEFAULT_PRIORITY;
    policy = dpc ? dpc.preemptionPolicy : 'PreemptLowerPriority';
  } else {
    const pc = classes.find((c) => c.metadata.name === spec.priorityClassName);
    if (!pc) throw forbidden(PODS, name, `no PriorityClass with name ${spec.priorityClassName} was found`);
    value = pc.value;
    policy = pc.preemptionPolicy;
  }
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== value) {
    throw forbidden(PODS, name, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`);
  }
  spec.priority = value;
  if (policy !== undefined) {
    if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== policy) {
      throw forbidden(PODS, name, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    }
    spec.preemptionPolicy = policy;
  }
}

/** The plugin's Admit for a pod update: a body without the priority keeps the one set at creation. */
export function keepPodPriority(pod: KObject, old: KObject): void {
  if (!pod.spec || !old.spec) return;
  if ((pod.spec.priority === undefined || pod.spec.priority === null) && old.spec.priority !== undefined) pod.spec.priority = old.spec.priority;
  if ((pod.spec.preemptionPolicy === undefined || pod.spec.preemptionPolicy === null) && old.spec.preemptionPolicy !== undefined) pod.spec.preemptionPolicy = old.spec.preemptionPolicy;
}

/** The registry refuses to delete the system classes. */
export function refuseSystemClassDeletion(name: string): void {
  if (isSystemPriorityClass(name)) throw forbidden(PC_GROUP, name, 'this is a system priority class and cannot be deleted');
}

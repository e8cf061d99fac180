// The sandbox's etcd and registry in one: typed objects in memory, a cluster-wide
// resourceVersion that increases on every write, optimistic concurrency (409 on a stale
// resourceVersion), defaulting, validation, quota admission, owner-reference garbage
// collection and a bounded event history for watches.
import { randomUUID, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import type { KObject, StoredObject, WatchEvent, WatchEventType } from './types.ts';
import { RESOURCES, apiVersionOf, keyOf, resourceByKey, type ResourceType } from './resources.ts';
import { ApiError, alreadyExists, badRequest, conflict, forbidden, invalid, notFound, success, type StatusBody, type StatusCause } from './status.ts';
import { validateAnnotations, validateLabels, validateName, microTimeProblem, required } from './validation.ts';
import { applyPatch, type PatchType } from './patch.ts';
import { matchesFields, matchesLabels, type FieldRequirement, type Selector } from './selectors.ts';
import { namespaceUsage, quotaViolation, statusFor } from './quota.ts';
import { admitPodPriority, admitPriorityClass, isSystemPriorityClass, keepPodPriority, refuseSystemClassDeletion } from './priority.ts';

const HISTORY = 10_000;
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export interface ListOptions {
  labelSelector?: Selector;
  fieldSelector?: FieldRequirement[];
  limit?: number;
  continue?: string;
}

export interface ListResult { items: StoredObject[]; resourceVersion: string; continue?: string; remainingItemCount?: number }

export interface WriteOptions { dryRun?: boolean; subresource?: 'status' }

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  dryRun?: boolean;
}

/** Kubernetes' time format for metav1.Time: seconds precision. */
export const k8sTime = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const clone = <T>(v: T): T => structuredClone(v);
const nsName = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;
const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((c, p) => (c && typeof c === 'object' ? (c as Record<string, unknown>)[p] : undefined), o);

/** Everything but metadata and status: what metadata.generation counts. */
function specPart(o: KObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

export class ObjectStore {
  private rv = 1;
  private readonly data = new Map<string, Map<string, StoredObject>>();
  private readonly history: WatchEvent[] = [];
  readonly events = new EventEmitter();
  /**
   * Set by the simulated kubelet: pods bound to a node then terminate gracefully (they get a
   * deletionTimestamp and the kubelet removes them). Without one, deletes are immediate.
   */
  gracefulPodDeletion = false;

  constructor() {
    this.events.setMaxListeners(0);
    for (const rt of RESOURCES) if (!rt.readOnly) this.data.set(keyOf(rt), new Map());
  }

  get resourceVersion(): string { return String(this.rv); }

  private table(rt: ResourceType): Map<string, StoredObject> {
    const t = this.data.get(keyOf(rt));
    if (!t) throw new Error(`no storage for ${keyOf(rt)}`);
    return t;
  }

  private record(type: WatchEventType, rt: ResourceType, obj: StoredObject): void {
    const ev: WatchEvent = { type, resource: keyOf(rt), object: obj, resourceVersion: Number(obj.metadata.resourceVersion) };
    this.history.push(ev);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    this.events.emit('event', ev);
  }

  /** Events after `resourceVersion`, or undefined when the history no longer reaches back that far. */
  eventsSince(resourceVersion: number): WatchEvent[] | undefined {
    const first = this.history[0];
    if (first && first.resourceVersion > resourceVersion + 1 && resourceVersion < this.rv - this.history.length) return undefined;
    return this.history.filter((e) => e.resourceVersion > resourceVersion);
  }

  private checkNamespace(rt: ResourceType, ns: string | undefined, name: string, creating: boolean): void {
    if (!rt.namespaced) return;
    if (!ns) throw badRequest(`the server could not find the requested resource: ${rt.plural} is namespaced`);
    const nsObj = this.table(resourceByKey('namespaces')).get(nsName(undefined, ns));
    if (!nsObj) throw notFound(resourceByKey('namespaces'), ns);
    if (creating && nsObj.status?.phase === 'Terminating') {
      throw forbidden(rt, name, `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  tryGet(rt: ResourceType, ns: string | undefined, name: string): StoredObject | undefined {
    const o = this.table(rt).get(nsName(rt.namespaced ? ns : undefined, name));
    return o ? clone(o) : undefined;
  }

  get(rt: ResourceType, ns: string | undefined, name: string): StoredObject {
    const o = this.tryGet(rt, ns, name);
    if (!o) throw notFound(rt, name);
    return o;
  }

  list(rt: ResourceType, ns: string | undefined, opts: ListOptions = {}): ListResult {
    let items = [...this.table(rt).values()]
      .filter((o) => !rt.namespaced || ns === undefined || o.metadata.namespace === ns)
      .filter((o) => !opts.labelSelector || matchesLabels(opts.labelSelector, o.metadata.labels))
      .filter((o) => !opts.fieldSelector || matchesFields(opts.fieldSelector, o))
      .sort((a, b) => nsName(a.metadata.namespace, a.metadata.name).localeCompare(nsName(b.metadata.namespace, b.metadata.name)));
    let resourceVersion = this.resourceVersion;
    if (opts.continue) {
      let token: { rv: string; after: string };
      try { token = JSON.parse(Buffer.from(opts.continue, 'base64url').toString()); } catch { throw badRequest('continue key is not valid: illegal base64 data'); }
      if (typeof token?.after !== 'string') throw badRequest('continue key is not valid: incorrect encoded start resourceVersion');
      items = items.filter((o) => nsName(o.metadata.namespace, o.metadata.name) > token.after);
      resourceVersion = token.rv;
    }
    let cont: string | undefined;
    let remaining: number | undefined;
    if (opts.limit && opts.limit > 0 && items.length > opts.limit) {
      remaining = items.length - opts.limit;
      items = items.slice(0, opts.limit);
      const last = items.at(-1)!;
      cont = Buffer.from(JSON.stringify({ rv: resourceVersion, after: nsName(last.metadata.namespace, last.metadata.name) })).toString('base64url');
    }
    return { items: items.map(clone), resourceVersion, continue: cont, remainingItemCount: remaining };
  }

  private checkMeta(rt: ResourceType, obj: KObject): StatusCause[] {
    const out: StatusCause[] = [];
    out.push(...validateLabels(obj.metadata.labels, 'metadata.labels'));
    out.push(...validateAnnotations(obj.metadata.annotations, 'metadata.annotations'));
    for (const f of rt.microTimes ?? []) {
      const problem = microTimeProblem(get(obj, f));
      if (problem) throw badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: ${f}: ${problem}`);
    }
    return out;
  }

  private checkTypeMeta(rt: ResourceType, body: KObject): void {
    if (body.kind !== undefined && body.kind !== rt.kind) throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${rt.kind})`);
    if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(rt)) throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(rt)})`);
    const problem = rt.decode?.(body);
    if (problem) throw badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: ${problem}`);
  }

  private priorityClasses(): StoredObject[] {
    return [...this.table(resourceByKey('scheduling.k8s.io/priorityclasses')).values()];
  }

  private admitQuota(rt: ResourceType, ns: string, obj: KObject): void {
    const quotas = this.list(resourceByKey('resourcequotas'), ns).items;
    for (const q of quotas) {
      const used = namespaceUsage(q.spec?.hard ?? {}, this.namespaceObjects(ns));
      const why = quotaViolation(q, used, keyOf(rt), obj);
      if (why) throw forbidden(rt, obj.metadata.name ?? '', why);
    }
  }

  private namespaceObjects(ns: string): Array<{ resource: string; obj: KObject }> {
    const out: Array<{ resource: string; obj: KObject }> = [];
    for (const key of ['pods', 'persistentvolumeclaims', 'services', 'configmaps', 'apps/deployments']) {
      for (const obj of this.table(resourceByKey(key)).values()) if (obj.metadata.namespace === ns) out.push({ resource: key, obj });
    }
    return out;
  }

  /** Keeps ResourceQuota.status in step with the namespace's usage (the quota controller's job). */
  private refreshQuotas(ns: string | undefined): void {
    if (!ns) return;
    const qrt = resourceByKey('resourcequotas');
    for (const q of [...this.table(qrt).values()].filter((x) => x.metadata.namespace === ns)) {
      const status = statusFor(q, namespaceUsage(q.spec?.hard ?? {}, this.namespaceObjects(ns)));
      if (isDeepStrictEqual(status, q.status)) continue;
      const next = clone(q);
      next.status = status;
      this.write(qrt, next, 'MODIFIED');
    }
  }

  private write(rt: ResourceType, obj: StoredObject, type: WatchEventType): StoredObject {
    obj.metadata.resourceVersion = String(++this.rv);
    const stored = clone(obj);
    if (type === 'DELETED') this.table(rt).delete(nsName(obj.metadata.namespace, obj.metadata.name));
    else this.table(rt).set(nsName(obj.metadata.namespace, obj.metadata.name), stored);
    this.record(type, rt, clone(stored));
    if (rt.plural !== 'resourcequotas' && ['pods', 'persistentvolumeclaims', 'services', 'configmaps', 'deployments'].includes(rt.plural)) this.refreshQuotas(obj.metadata.namespace);
    if (rt.plural === 'resourcequotas' && type !== 'DELETED') this.refreshQuotas(obj.metadata.namespace);
    return clone(stored);
  }

  create(rt: ResourceType, ns: string | undefined, body: KObject, opts: WriteOptions = {}): StoredObject {
    if (rt.readOnly) throw new ApiError(405, 'MethodNotAllowed', `${rt.plural}.${rt.group} is read-only`);
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`the body must be a ${rt.kind} object`);
    this.checkTypeMeta(rt, body);
    const obj = clone(body) as KObject;
    obj.metadata = obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {};
    if (rt.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      obj.metadata.namespace = ns;
    } else delete obj.metadata.namespace;
    if (obj.metadata.resourceVersion) throw new ApiError(500, 'InternalError', 'resourceVersion should not be set on objects to be created');
    // Mutating admission runs before names are generated, so its errors name the prefix.
    const requestedName = obj.metadata.name || obj.metadata.generateName || '';
    if (!obj.metadata.name) {
      if (!obj.metadata.generateName) throw invalid(rt, '', [{ ...required('metadata.name'), message: 'Required value: name or generateName is required' }]);
      const prefix = obj.metadata.generateName.slice(0, 58);
      for (let i = 0; i < 8 && !obj.metadata.name; i++) {
        const name = prefix + Array.from({ length: 5 }, () => GENERATE_ALPHABET[randomInt(GENERATE_ALPHABET.length)]).join('');
        if (!this.table(rt).has(nsName(obj.metadata.namespace, name))) obj.metadata.name = name;
      }
    }
    const name = obj.metadata.name!;
    const causes = [...validateName(name, rt.nameKind), ...this.checkMeta(rt, obj)];
    if (rt.namespaced) this.checkNamespace(rt, ns, name, true);
    if (this.table(rt).has(nsName(obj.metadata.namespace, name))) throw alreadyExists(rt, name);
    obj.apiVersion = apiVersionOf(rt);
    obj.kind = rt.kind;
    delete obj.metadata.deletionTimestamp;
    delete obj.metadata.deletionGracePeriodSeconds;
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = k8sTime();
    if (rt.generation) obj.metadata.generation = 1; else delete obj.metadata.generation;
    rt.defaults?.(obj);
    if (keyOf(rt) === 'pods') admitPodPriority(obj, this.priorityClasses(), requestedName);
    causes.push(...(rt.validate?.(obj) ?? []));
    if (causes.length) throw invalid(rt, name, causes);
    if (keyOf(rt) === 'scheduling.k8s.io/priorityclasses') admitPriorityClass(obj, this.priorityClasses(), 'create');
    if (rt.namespaced && (rt.plural === 'pods' || rt.plural === 'persistentvolumeclaims')) this.admitQuota(rt, ns!, obj);
    if (opts.dryRun) return clone(obj) as StoredObject;
    return this.write(rt, obj as StoredObject, 'ADDED');
  }

  /** PUT: replaces the object (or its status), refusing a stale resourceVersion with 409. */
  update(rt: ResourceType, ns: string | undefined, name: string, body: KObject, opts: WriteOptions = {}): StoredObject {
    if (rt.readOnly) throw new ApiError(405, 'MethodNotAllowed', `${rt.plural}.${rt.group} is read-only`);
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`the body must be a ${rt.kind} object`);
    this.checkTypeMeta(rt, body);
    const meta = body.metadata ?? {};
    if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    if (rt.namespaced && meta.namespace !== undefined && meta.namespace !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    if (rt.namespaced) this.checkNamespace(rt, ns, name, false);
    const old = this.get(rt, ns, name);
    if (meta.uid && meta.uid !== old.metadata.uid) throw conflict(rt, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata.uid}`);
    if (meta.resourceVersion && meta.resourceVersion !== old.metadata.resourceVersion) throw conflict(rt, name);
    let next: KObject;
    if (opts.subresource === 'status') {
      next = { ...clone(old), status: clone(body.status) };
    } else {
      next = clone(body);
      next.metadata = { ...clone(meta) };
      // System fields are the server's, whatever the client sent.
      for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
        if (old.metadata[k] !== undefined) (next.metadata as Record<string, unknown>)[k] = old.metadata[k]; else delete next.metadata[k];
      }
      if (rt.subresources.includes('status')) next.status = clone(old.status);
      if (rt.plural === 'namespaces') next.status = clone(old.status);
    }
    next.apiVersion = old.apiVersion;
    next.kind = old.kind;
    next.metadata.name = name;
    if (rt.namespaced) next.metadata.namespace = ns; else delete next.metadata.namespace;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (rt.plural === 'namespaces') next.metadata.labels = { ...next.metadata.labels, 'kubernetes.io/metadata.name': name };
    if (opts.subresource !== 'status') rt.defaults?.(next);
    if (keyOf(rt) === 'pods' && opts.subresource !== 'status') keepPodPriority(next, old);
    if (rt.generation && !isDeepStrictEqual(specPart(next), specPart(old))) next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    const causes = [...this.checkMeta(rt, next), ...(rt.validate?.(next) ?? []), ...(rt.validateUpdate?.(next, old) ?? [])];
    if (causes.length) throw invalid(rt, name, causes);
    if (keyOf(rt) === 'scheduling.k8s.io/priorityclasses') admitPriorityClass(next, this.priorityClasses(), 'update');
    // An update that changes nothing is not a write: same resourceVersion, no event.
    if (isDeepStrictEqual(next, old)) return old;
    if (opts.dryRun) return clone(next) as StoredObject;
    const written = this.write(rt, next as StoredObject, 'MODIFIED');
    if (written.metadata.deletionTimestamp && (written.metadata.finalizers ?? []).length === 0 && rt.plural !== 'pods' && rt.plural !== 'namespaces') {
      this.remove(rt, written, 'Background');
    }
    return written;
  }

  /** PATCH: applies the patch to the current object; a resourceVersion in the patch is a precondition. */
  patch(rt: ResourceType, ns: string | undefined, name: string, type: PatchType, body: unknown, opts: WriteOptions & { fieldManager?: string; force?: boolean } = {}): StoredObject {
    if (type === 'apply' && !opts.fieldManager) {
      throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    }
    if (rt.namespaced) this.checkNamespace(rt, ns, name, false);
    const old = this.tryGet(rt, ns, name);
    if (!old) {
      if (type !== 'apply') throw notFound(rt, name);
      const created = applyPatch(type, {}, body);
      return this.create(rt, ns, { ...created, metadata: { ...created.metadata, name } } as KObject, opts);
    }
    const patched = applyPatch(type, old, body) as KObject;
    if (!patched || typeof patched !== 'object' || !patched.metadata) throw badRequest('the patch removed the object\'s metadata');
    if (patched.metadata.resourceVersion !== undefined && patched.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(rt, name);
    patched.metadata.resourceVersion = old.metadata.resourceVersion;
    return this.update(rt, ns, name, patched, opts);
  }

  /** DELETE: removes the object (and, in the background, what it owns). */
  delete(rt: ResourceType, ns: string | undefined, name: string, opts: DeleteOptions = {}): StoredObject | StatusBody {
    if (rt.readOnly) throw new ApiError(405, 'MethodNotAllowed', `${rt.plural}.${rt.group} is read-only`);
    if (keyOf(rt) === 'scheduling.k8s.io/priorityclasses') refuseSystemClassDeletion(name);
    const old = this.get(rt, ns, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) throw conflict(rt, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(rt, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    }
    if (opts.dryRun) return old;
    if (rt.plural === 'namespaces') return this.terminateNamespace(old);
    const graceful = rt.plural === 'pods' && this.gracefulPodDeletion && old.spec?.nodeName && (opts.gracePeriodSeconds ?? old.spec?.terminationGracePeriodSeconds ?? 30) > 0
      && !['Succeeded', 'Failed'].includes(old.status?.phase);
    if (graceful || (old.metadata.finalizers ?? []).length > 0) {
      if (old.metadata.deletionTimestamp) return old;
      const next = clone(old);
      next.metadata.deletionTimestamp = k8sTime();
      next.metadata.deletionGracePeriodSeconds = graceful ? (opts.gracePeriodSeconds ?? old.spec?.terminationGracePeriodSeconds ?? 30) : 0;
      if (rt.generation) next.metadata.generation = (old.metadata.generation ?? 0) + 1;
      return this.write(rt, next, 'MODIFIED');
    }
    this.remove(rt, old, opts.propagationPolicy ?? 'Background');
    return rt.plural === 'pods' ? old : success(rt, name, old.metadata.uid);
  }

  /** Removes a pod that is terminating (the kubelet's last word). */
  finishPodDeletion(ns: string, name: string): void {
    const rt = resourceByKey('pods');
    const pod = this.tryGet(rt, ns, name);
    if (pod) this.remove(rt, pod, 'Background');
  }

  private remove(rt: ResourceType, obj: StoredObject, propagation: 'Orphan' | 'Background' | 'Foreground'): void {
    this.write(rt, clone(obj), 'DELETED');
    if (propagation === 'Orphan' || !obj.metadata.namespace) return;
    // Garbage collection: objects owned by the deleted one go too.
    for (const dep of RESOURCES) {
      if (dep.readOnly || !dep.namespaced) continue;
      for (const o of [...this.table(dep).values()]) {
        if (o.metadata.namespace === obj.metadata.namespace && o.metadata.ownerReferences?.some((r) => r.uid === obj.metadata.uid)) {
          try { this.delete(dep, o.metadata.namespace, o.metadata.name); } catch { /* already gone */ }
        }
      }
    }
  }

  private terminateNamespace(ns: StoredObject): StoredObject {
    if (ns.status?.phase === 'Terminating') return ns;
    const next = clone(ns);
    next.metadata.deletionTimestamp = k8sTime();
    next.status = { ...next.status, phase: 'Terminating' };
    const written = this.write(resourceByKey('namespaces'), next, 'MODIFIED');
    // The namespace controller empties the namespace, then removes it.
    setImmediate(() => {
      for (const rt of RESOURCES) {
        if (rt.readOnly || !rt.namespaced) continue;
        for (const o of [...this.table(rt).values()]) {
          if (o.metadata.namespace !== ns.metadata.name) continue;
          const cur = this.table(rt).get(nsName(o.metadata.namespace, o.metadata.name));
          if (cur) this.write(rt, clone(cur), 'DELETED');
        }
      }
      const cur = this.table(resourceByKey('namespaces')).get(nsName(undefined, ns.metadata.name));
      if (cur) this.write(resourceByKey('namespaces'), clone(cur), 'DELETED');
    });
    return written;
  }

  deleteCollection(rt: ResourceType, ns: string | undefined, opts: ListOptions & DeleteOptions = {}): ListResult {
    const { items } = this.list(rt, ns, opts);
    const deleted: StoredObject[] = [];
    for (const o of items) {
      // The system classes cannot be deleted; a collection delete leaves them in place.
      if (keyOf(rt) === 'scheduling.k8s.io/priorityclasses' && isSystemPriorityClass(o.metadata.name)) continue;
      try {
        const r = this.delete(rt, o.metadata.namespace, o.metadata.name, { gracePeriodSeconds: opts.gracePeriodSeconds, propagationPolicy: opts.propagationPolicy, dryRun: opts.dryRun });
        deleted.push((r as StoredObject).metadata ? (r as StoredObject) : o);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return { items: deleted, resourceVersion: this.resourceVersion };
  }
}

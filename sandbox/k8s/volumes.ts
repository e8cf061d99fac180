// What is on the volumes, so that snapshots and restores can be checked: each bound claim
// has contents (files, as a map of path to text) that tests write and read through
// /sandbox/v1/volumes. The CSI snapshotter is simulated: a VolumeSnapshot of a claim copies
// its contents at that moment and becomes readyToUse (or reports the error the
// external-snapshotter would); a claim created with a VolumeSnapshot `dataSource` starts
// with that snapshot's contents (a restore from one not ready yet starts empty); deleting a claim or a snapshot (deletionPolicy Delete)
// deletes its contents.
import type { ObjectStore } from './store.ts';
import { resourceByKey } from './resources.ts';
import type { WatchEvent } from './types.ts';

type Files = Record<string, string>;
const PVCS = resourceByKey('persistentvolumeclaims');
const SNAPSHOTS = resourceByKey('snapshot.storage.k8s.io/volumesnapshots');
const CLASSES = resourceByKey('snapshot.storage.k8s.io/volumesnapshotclasses');

const micro = () => new Date().toISOString();

export class Volumes {
  private readonly claims = new Map<string, Files>();
  private readonly snapshots = new Map<string, Files>();
  private readonly store: ObjectStore;

  constructor(store: ObjectStore) {
    this.store = store;
    store.events.on('event', (ev: WatchEvent) => this.onEvent(ev));
  }

  /** The files on claim `ns/name`, or undefined when there is no such bound claim. */
  read(ns: string, name: string): Files | undefined {
    const pvc = this.store.tryGet(PVCS, ns, name);
    return pvc ? { ...(this.claims.get(pvc.metadata.uid) ?? {}) } : undefined;
  }

  /** Writes files onto claim `ns/name` (what the sandbox's agent would do); false when there is no claim. */
  write(ns: string, name: string, files: Files): boolean {
    const pvc = this.store.tryGet(PVCS, ns, name);
    if (!pvc) return false;
    this.claims.set(pvc.metadata.uid, { ...(this.claims.get(pvc.metadata.uid) ?? {}), ...files });
    return true;
  }

  private onEvent(ev: WatchEvent): void {
    const o = ev.object;
    if (ev.resource === 'persistentvolumeclaims') {
      if (ev.type === 'DELETED') this.claims.delete(o.metadata.uid);
      if (ev.type === 'ADDED') {
        const ds = o.spec?.dataSourceRef ?? o.spec?.dataSource;
        let files: Files = {};
        if (ds?.kind === 'VolumeSnapshot') {
          const snap = this.store.tryGet(SNAPSHOTS, o.metadata.namespace, ds.name);
          if (snap?.status?.readyToUse) files = { ...(this.snapshots.get(snap.metadata.uid) ?? {}) };
        }
        // (Binding is the fleet's control plane's job, as the provisioner's.)
        this.claims.set(o.metadata.uid, files);
      }
    } else if (ev.resource === 'snapshot.storage.k8s.io/volumesnapshots') {
      if (ev.type === 'DELETED') this.snapshots.delete(o.metadata.uid);
      if (ev.type === 'ADDED') setImmediate(() => this.snapshot(o.metadata.namespace!, o.metadata.name, o.metadata.uid));
    }
  }

  private snapshot(ns: string, name: string, uid: string): void {
    const snap = this.store.tryGet(SNAPSHOTS, ns, name);
    if (!snap || snap.metadata.uid !== uid) return;
    const claim = snap.spec?.source?.persistentVolumeClaimName;
    const className = snap.spec?.volumeSnapshotClassName;
    const contentName = `snapcontent-${uid}`;
    const pvc = claim ? this.store.tryGet(PVCS, ns, claim) : undefined;
    let status: Record<string, unknown>;
    if (className && !this.store.tryGet(CLASSES, undefined, className)) {
      status = { readyToUse: false, error: { time: micro(), message: `Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io "${className}" not found` } };
    } else if (!pvc) {
      status = { readyToUse: false, error: { time: micro(), message: `failed to get input parameters to create snapshot for content ${contentName}: "persistentvolumeclaim \\"${claim}\\" not found"` } };
    } else {
      this.snapshots.set(uid, { ...(this.claims.get(pvc.metadata.uid) ?? {}) });
      status = { readyToUse: true, boundVolumeSnapshotContentName: contentName, creationTime: micro(), restoreSize: pvc.spec?.resources?.requests?.storage };
    }
    this.store.update(SNAPSHOTS, ns, name, { ...snap, status }, { subresource: 'status' });
  }
}

// Who leads: a PostgreSQL lease row (default) or a coordination.k8s.io Lease. Either way the
// epoch ends up in the controller_leases row, which every database action checks.
import type { Db } from '../../db/pool.ts';
import { microTime, statusOf, type Kube, type V1Lease } from '../../kube/client.ts';
import { acquireOrRenew, advanceFence, releaseLease } from './lease.ts';

export interface Leadership {
  leader: boolean;
  /** this replica's epoch when leader; the current holder's otherwise (0 when unknown) */
  epoch: number;
  holder: string | null;
}

export interface Elector {
  readonly kind: 'postgres' | 'kubernetes';
  readonly name: string;
  readonly holder: string;
  readonly ttlMs: number;
  /** Acquire or renew; called every renew interval. */
  tick(): Promise<Leadership>;
  release(epoch: number): Promise<void>;
}

export class PgElector implements Elector {
  readonly kind = 'postgres' as const;
  readonly name: string;
  readonly holder: string;
  readonly ttlMs: number;
  private readonly db: Db;

  constructor(db: Db, name: string, holder: string, ttlMs: number) {
    this.db = db;
    this.name = name;
    this.holder = holder;
    this.ttlMs = ttlMs;
  }

  async tick(): Promise<Leadership> {
    const r = await acquireOrRenew(this.db, this.name, this.holder, this.ttlMs);
    return { leader: r.held, epoch: r.lease?.epoch ?? 0, holder: r.lease?.holder ?? null };
  }

  release(epoch: number): Promise<void> {
    return releaseLease(this.db, this.name, this.holder, epoch);
  }
}

/**
 * client-go's algorithm: a Lease is free when its holder has not renewed it for
 * leaseDurationSeconds as observed on this replica's own clock (renewTime is another
 * machine's clock and is not compared with ours). Writes carry the resourceVersion read,
 * so two candidates cannot both win. leaseTransitions + 1 is the epoch.
 */
export class KubeLeaseElector implements Elector {
  readonly kind = 'kubernetes' as const;
  readonly namespace: string;
  readonly name: string;
  readonly holder: string;
  readonly ttlMs: number;
  private readonly db: Db;
  private readonly kube: Kube;
  private observed: { resourceVersion: string; at: number } | null = null;

  constructor(db: Db, kube: Kube, o: { namespace: string; name: string; holder: string; ttlMs: number }) {
    this.db = db;
    this.kube = kube;
    this.namespace = o.namespace;
    this.name = o.name;
    this.holder = o.holder;
    this.ttlMs = o.ttlMs;
  }

  async tick(): Promise<Leadership> {
    const leaseSeconds = Math.max(1, Math.ceil(this.ttlMs / 1000));
    let lease: V1Lease | null = null;
    try {
      lease = await this.kube.call('read lease', () => this.kube.coordination.readNamespacedLease({ namespace: this.namespace, name: this.name }));
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    const now = Date.now();
    if (!lease) {
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: { name: this.name, namespace: this.namespace },
        spec: { holderIdentity: this.holder, leaseDurationSeconds: leaseSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      };
      try {
        await this.kube.coordination.createNamespacedLease({ namespace: this.namespace, body });
      } catch (err) {
        if (statusOf(err) === 409) return { leader: false, epoch: 0, holder: null };
        throw err;
      }
      return this.fence(1);
    }
    const rv = lease.metadata?.resourceVersion ?? '';
    if (this.observed?.resourceVersion !== rv) this.observed = { resourceVersion: rv, at: now };
    const spec = lease.spec ?? {};
    const transitions = spec.leaseTransitions ?? 0;
    const mine = spec.holderIdentity === this.holder;
    const expired = !spec.holderIdentity || now > this.observed.at + (spec.leaseDurationSeconds ?? leaseSeconds) * 1000;
    if (!mine && !expired) return { leader: false, epoch: transitions + 1, holder: spec.holderIdentity ?? null };
    const next: V1Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: this.holder,
        leaseDurationSeconds: leaseSeconds,
        renewTime: microTime(now),
        acquireTime: mine ? spec.acquireTime : microTime(now),
        leaseTransitions: mine ? transitions : transitions + 1,
      },
    };
    try {
      await this.kube.coordination.replaceNamespacedLease({ namespace: this.namespace, name: this.name, body: next });
    } catch (err) {
      if (statusOf(err) === 409) return { leader: false, epoch: transitions + 1, holder: spec.holderIdentity ?? null };
      throw err;
    }
    return this.fence((mine ? transitions : transitions + 1) + 1);
  }

  private async fence(epoch: number): Promise<Leadership> {
    const ok = await advanceFence(this.db, this.name, this.holder, epoch, this.ttlMs);
    return ok ? { leader: true, epoch, holder: this.holder } : { leader: false, epoch, holder: null };
  }

  async release(epoch: number): Promise<void> {
    await releaseLease(this.db, this.name, this.holder, epoch);
    try {
      const lease = await this.kube.coordination.readNamespacedLease({ namespace: this.namespace, name: this.name });
      if (lease.spec?.holderIdentity !== this.holder) return;
      await this.kube.coordination.replaceNamespacedLease({
        namespace: this.namespace, name: this.name,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: undefined, renewTime: microTime() } },
      });
    } catch {
      // Releasing is a courtesy; the lease expires anyway.
    }
  }
}

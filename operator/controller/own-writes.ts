/**
 * What this operator wrote last, per object, until the informer cache shows it. The cache lags a write
 * by a few milliseconds; a reconcile that runs in between would see its own previous status as missing
 * (a sampler answer for a request the cache does not know yet; a write that fails with a conflict). So a
 * reconcile reads the fresher of the two. resourceVersions are compared as numbers: the API server does
 * not promise that, but etcd revisions are, and the worst case of a wrong order is a conflict, which
 * the resourceVersion precondition on every write turns into a retry.
 */
interface Versioned {
  metadata: { resourceVersion?: string };
}

const rv = (o: Versioned | undefined): number => Number(o?.metadata.resourceVersion ?? -1);

export class OwnWrites<T extends Versioned> {
  private readonly latest = new Map<string, T>();
  /** Writes on their way, as they will read once stored (their resourceVersion is the one they replace). */
  private readonly inFlight = new Map<string, T>();

  remember(key: string, obj: T): void {
    if (rv(obj) > rv(this.latest.get(key))) this.latest.set(key, obj);
  }

  /** A write about to go out: `fresher` returns it until `settle`, unless the cache has moved past it. */
  pending(key: string, obj: T): void {
    this.inFlight.set(key, obj);
  }

  /** The write went through (remember it first) or failed. */
  settle(key: string): void {
    this.inFlight.delete(key);
  }

  /** The cached object, or what this operator wrote (or is writing) if that is newer. */
  fresher(key: string, cached: T): T {
    const writing = this.inFlight.get(key);
    if (writing && rv(cached) <= rv(writing)) return writing;
    const mine = this.latest.get(key);
    if (!mine) return cached;
    if (rv(cached) >= rv(mine)) {
      this.latest.delete(key);
      return cached;
    }
    return mine;
  }

  forget(key: string): void {
    this.latest.delete(key);
    this.inFlight.delete(key);
  }
}

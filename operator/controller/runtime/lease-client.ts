/**
 * The three Lease calls leader election needs, behind an interface so the elector is tested in memory and
 * runs against the API server through one small adapter.
 */
import {
  ApiException,
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import { UltronError } from '../../core/errors.js';
import { realClock, sleep, type Clock } from './clock.js';

/**
 * A coordination.k8s.io/v1 Lease as the elector sees it. Times are MicroTime strings
 * (`2025-01-01T00:00:00.123000Z`), the API's wire form, so nothing depends on how a client parses them.
 */
export interface Lease {
  metadata: { namespace: string; name: string; resourceVersion?: string };
  spec: LeaseSpec;
}

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaseClient {
  /** The Lease, or undefined when it does not exist. */
  get(namespace: string, name: string): Promise<Lease | undefined>;
  /** Creates the Lease; LeaseConflictError when it already exists. */
  create(lease: Lease): Promise<Lease>;
  /** Replaces the Lease; LeaseConflictError when `metadata.resourceVersion` is not the current one. */
  replace(lease: Lease): Promise<Lease>;
}

/** Someone else wrote the Lease first (HTTP 409: stale resourceVersion, or it already exists). */
export class LeaseConflictError extends UltronError {
  constructor(message: string) {
    super('LeaseConflict', message);
  }
}

/** Epoch ms → MicroTime string; the API server rejects a millisecond `…123Z` for a MicroTime field. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/**
 * A LeaseClient over client-node 2.x's CoordinationV1Api. Its deserializer leaves MicroTime fields as the
 * server's strings (only `Date` fields become Dates), and its serializer writes a plain Date with
 * milliseconds, which the server refuses; so times go out as V1MicroTime and come back as strings.
 */
export function coordinationLeaseClient(kc: KubeConfig): LeaseClient {
  const api = kc.makeApiClient(CoordinationV1Api);
  const conflictOr = (e: unknown, what: string): unknown =>
    e instanceof ApiException && e.code === 409 ? new LeaseConflictError(`${what}: ${e.code} conflict`) : e;
  return {
    async get(namespace, name) {
      try {
        return fromV1(await api.readNamespacedLease({ name, namespace }));
      } catch (e) {
        if (e instanceof ApiException && e.code === 404) return undefined;
        throw e;
      }
    },
    async create(lease) {
      const { namespace } = lease.metadata;
      try {
        return fromV1(await api.createNamespacedLease({ namespace, body: toV1(lease) }));
      } catch (e) {
        throw conflictOr(e, `create lease ${namespace}/${lease.metadata.name}`);
      }
    },
    async replace(lease) {
      const { namespace, name } = lease.metadata;
      try {
        return fromV1(await api.replaceNamespacedLease({ name, namespace, body: toV1(lease) }));
      } catch (e) {
        throw conflictOr(e, `replace lease ${namespace}/${name}`);
      }
    },
  };
}

function toV1(lease: Lease): V1Lease {
  const time = (s: string | undefined) => (s === undefined ? undefined : new V1MicroTime(Date.parse(s)));
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { ...lease.metadata },
    spec: {
      ...lease.spec,
      acquireTime: time(lease.spec.acquireTime),
      renewTime: time(lease.spec.renewTime),
    },
  };
}

function fromV1(v1: V1Lease): Lease {
  // Typed V1MicroTime, but at run time the server's string; accept a Date too in case a release fixes it.
  const time = (t: unknown) =>
    t === undefined || t === null ? undefined : t instanceof Date ? microTime(t.getTime()) : String(t);
  const spec = v1.spec ?? {};
  const out: LeaseSpec = {};
  if (spec.holderIdentity !== undefined) out.holderIdentity = spec.holderIdentity;
  if (spec.leaseDurationSeconds !== undefined) out.leaseDurationSeconds = spec.leaseDurationSeconds;
  if (spec.leaseTransitions !== undefined) out.leaseTransitions = spec.leaseTransitions;
  const acquireTime = time(spec.acquireTime);
  const renewTime = time(spec.renewTime);
  if (acquireTime !== undefined) out.acquireTime = acquireTime;
  if (renewTime !== undefined) out.renewTime = renewTime;
  return {
    metadata: {
      namespace: v1.metadata?.namespace ?? '',
      name: v1.metadata?.name ?? '',
      ...(v1.metadata?.resourceVersion !== undefined && { resourceVersion: v1.metadata.resourceVersion }),
    },
    spec: out,
  };
}

/**
 * Leases in memory with the API server's optimistic concurrency: every write bumps resourceVersion and a
 * replace carrying an older one fails with LeaseConflictError. `latencyMs` (on the clock) lets two
 * electors interleave their read-modify-write the way two replicas do; `failWith` makes every call fail.
 */
export class MemoryLeaseClient implements LeaseClient {
  private readonly leases = new Map<string, Lease>();
  private version = 0;
  private failure: Error | undefined;
  readonly calls = { get: 0, create: 0, replace: 0, conflicts: 0 };

  constructor(private readonly options: { clock?: Clock; latencyMs?: number } = {}) {}

  /** Every call rejects with `error` until called again with undefined. */
  failWith(error: Error | undefined): void {
    this.failure = error;
  }

  /** The stored Lease, without latency or failures, for assertions. */
  peek(namespace: string, name: string): Lease | undefined {
    const lease = this.leases.get(`${namespace}/${name}`);
    return lease && structuredClone(lease);
  }

  async get(namespace: string, name: string): Promise<Lease | undefined> {
    this.calls.get++;
    await this.delay();
    return this.peek(namespace, name);
  }

  async create(lease: Lease): Promise<Lease> {
    this.calls.create++;
    await this.delay();
    const key = `${lease.metadata.namespace}/${lease.metadata.name}`;
    if (this.leases.has(key)) {
      this.calls.conflicts++;
      throw new LeaseConflictError(`lease ${key} already exists`);
    }
    return this.store(key, lease);
  }

  async replace(lease: Lease): Promise<Lease> {
    this.calls.replace++;
    await this.delay();
    const key = `${lease.metadata.namespace}/${lease.metadata.name}`;
    const current = this.leases.get(key);
    if (!current) throw new Error(`lease ${key} not found`);
    if (current.metadata.resourceVersion !== lease.metadata.resourceVersion) {
      this.calls.conflicts++;
      throw new LeaseConflictError(
        `lease ${key}: resourceVersion ${lease.metadata.resourceVersion} is stale`,
      );
    }
    return this.store(key, lease);
  }

  private store(key: string, lease: Lease): Lease {
    const stored = structuredClone(lease);
    stored.metadata.resourceVersion = String(++this.version);
    this.leases.set(key, stored);
    return structuredClone(stored);
  }

  private async delay(): Promise<void> {
    const ms = this.options.latencyMs ?? 0;
    if (ms > 0) await sleep(this.options.clock ?? realClock, ms);
    if (this.failure) throw this.failure;
  }
}

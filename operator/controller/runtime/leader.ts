/**
 * Leader election on a coordination.k8s.io/v1 Lease, so two operator replicas can run and only one
 * reconciles. client-node has none; this follows client-go's leaderelection:
 *
 * - A candidate takes the Lease when it has no holder, or when its record has not changed for
 *   leaseDurationSeconds *as observed locally*: expiry is timed from when this process last saw renewTime
 *   (or any field) change, never by comparing its clock with the holder's, so clock skew cannot hand the
 *   Lease to two replicas.
 * - Every write is a replace carrying the resourceVersion just read; the API server rejects the loser of
 *   a race with 409, so two candidates never both believe they won.
 * - The leader renews every retryPeriod. If no renewal has succeeded for renewDeadline (< leaseDuration,
 *   so it stops before anyone else may start), or the Lease shows another holder, it steps down: the
 *   AbortSignal given to onStartedLeading aborts and onStoppedLeading runs. Then it is a candidate again.
 * - release() on graceful shutdown clears holderIdentity, so the other replica takes over at once instead
 *   of waiting out the lease.
 */
import { UltronError } from '../../core/errors.js';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { LeaseConflictError, microTime, type Lease, type LeaseClient } from './lease-client.js';

export interface LeaderElectorOptions {
  client: LeaseClient;
  namespace: string;
  name: string;
  /** Unique per replica (the pod name): the Lease's holderIdentity. */
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** A candidate waits retryPeriod·(1 + random·jitter) between tries, so replicas do not try in step. */
  jitter?: number;
  random?: () => number;
  clock?: Clock;
  /** Runs when this replica becomes leader; `signal` aborts when it stops leading. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  onStoppedLeading?: (reason: string) => void;
  /** A holder other than the last one seen (this replica included). */
  onNewLeader?: (identity: string) => void;
  /** An API error on the Lease, or a rejection from onStartedLeading. Conflicts are normal and not reported. */
  onError?: (error: unknown) => void;
}

export class LeaderElectionConfigError extends UltronError {
  constructor(message: string) {
    super('LeaderElectionConfig', message);
  }
}

/** The reason the leading signal aborts with. */
export class LeadershipLostError extends UltronError {
  constructor(reason: string) {
    super('LeadershipLost', `stopped leading: ${reason}`);
  }
}

type State = 'idle' | 'candidate' | 'leading' | 'stopped';

export class LeaderElector {
  private readonly o: Required<Omit<LeaderElectorOptions, 'onStoppedLeading' | 'onNewLeader' | 'onError'>> &
    LeaderElectorOptions;
  private state: State = 'idle';
  /** The last record read or written, and when (local clock) it last changed. */
  private observed: Lease | undefined;
  private observedTime = 0;
  private lastHolder: string | undefined;
  private leadingSince = 0;
  private lastRenew = 0;
  private lastContact: number;
  private lastError: unknown;
  /** Bumped on every state change, so a timer or a reply from an older term does nothing. */
  private term = 0;
  private retryTimer: TimerHandle | undefined;
  private deadlineTimer: TimerHandle | undefined;
  private leading: AbortController | undefined;
  private inflight: Promise<unknown> = Promise.resolve();

  constructor(options: LeaderElectorOptions) {
    this.o = {
      leaseDurationSeconds: 15,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      jitter: 1.2,
      random: Math.random,
      clock: realClock,
      ...options,
    };
    const { leaseDurationSeconds, renewDeadlineMs, retryPeriodMs } = this.o;
    if (!(
      leaseDurationSeconds * 1000 > renewDeadlineMs &&
      renewDeadlineMs > retryPeriodMs &&
      retryPeriodMs > 0
    )) {
      throw new LeaderElectionConfigError(
        `need leaseDuration (${leaseDurationSeconds} s) > renewDeadline (${renewDeadlineMs} ms) > retryPeriod (${retryPeriodMs} ms) > 0`,
      );
    }
    this.lastContact = this.o.clock.now();
  }

  /** Starts campaigning; the first try is immediate. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'candidate';
    this.lastContact = this.o.clock.now();
    this.schedule(0, () => this.campaign());
  }

  isLeader(): boolean {
    return this.state === 'leading';
  }

  /** One line for logs and /readyz. */
  status(): string {
    const lease = `lease ${this.o.namespace}/${this.o.name}`;
    const holder = this.observed?.spec.holderIdentity;
    switch (this.state) {
      case 'idle':
        return `not started (${lease})`;
      case 'stopped':
        return `stopped (${lease})`;
      case 'leading':
        return `leading as ${this.o.identity} since ${new Date(this.leadingSince).toISOString()} (${lease})`;
      case 'candidate':
        return holder ? `following ${holder} (${lease})` : `acquiring ${lease} as ${this.o.identity}`;
    }
  }

  /** A readiness check: why the Lease is unreachable, or undefined when the API server answered lately. */
  health(): string | undefined {
    if (this.state === 'idle' || this.state === 'stopped') return this.status();
    if (this.o.clock.now() - this.lastContact <= this.o.renewDeadlineMs || this.lastError === undefined) {
      return undefined;
    }
    const message = this.lastError instanceof Error ? this.lastError.message : String(this.lastError);
    return `lease ${this.o.namespace}/${this.o.name}: ${message}`;
  }

  /** Stops campaigning and leading without touching the Lease (others take over after it expires). */
  stop(): void {
    if (this.state === 'leading') this.stepDown('elector stopped');
    this.state = 'stopped';
    this.term++;
    this.clearTimers();
  }

  /** Stops, and if this replica holds the Lease, gives it up at once so another can take it. */
  async release(): Promise<void> {
    this.stop();
    // A try still in flight may yet win the Lease; wait for it so that win is released too.
    await this.inflight;
    const lease = this.observed;
    if (!lease || lease.spec.holderIdentity !== this.o.identity) return;
    const now = this.o.clock.now();
    try {
      // As client-go: no holder, a 1 s duration, times set to now; transitions are kept.
      this.observed = await this.o.client.replace({
        metadata: lease.metadata,
        spec: {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: lease.spec.leaseTransitions ?? 0,
        },
      });
    } catch (e) {
      // A conflict means someone else already wrote the Lease: nothing left to release.
      if (!(e instanceof LeaseConflictError)) this.o.onError?.(e);
    }
  }

  private async campaign(): Promise<void> {
    const term = this.term;
    const acquired = await this.attempt();
    if (term !== this.term) return;
    if (acquired) return this.becomeLeader();
    const wait = this.o.retryPeriodMs * (1 + this.o.random() * this.o.jitter);
    this.schedule(wait, () => this.campaign());
  }

  private becomeLeader(): void {
    this.state = 'leading';
    this.term++;
    this.leadingSince = this.lastRenew = this.o.clock.now();
    this.leading = new AbortController();
    this.armDeadline();
    this.schedule(this.o.retryPeriodMs, () => this.renew());
    try {
      void Promise.resolve(this.o.onStartedLeading(this.leading.signal)).catch((e) => this.o.onError?.(e));
    } catch (e) {
      this.o.onError?.(e);
    }
  }

  private async renew(): Promise<void> {
    const term = this.term;
    const renewed = await this.attempt();
    if (term !== this.term) return;
    if (renewed) {
      this.lastRenew = this.o.clock.now();
      this.armDeadline();
    } else if (this.observed && this.observed.spec.holderIdentity !== this.o.identity) {
      return this.stepDown(`lease taken by ${this.observed.spec.holderIdentity || 'nobody'}`);
    }
    this.schedule(this.o.retryPeriodMs, () => this.renew());
  }

  /** Set after each success: fires if renewals (even ones hanging in flight) fail for renewDeadline. */
  private armDeadline(): void {
    if (this.deadlineTimer) this.o.clock.clearTimeout(this.deadlineTimer);
    const term = this.term;
    this.deadlineTimer = this.o.clock.setTimeout(() => {
      if (term === this.term) this.stepDown(`no renewal for ${this.o.renewDeadlineMs} ms`);
    }, this.o.renewDeadlineMs);
  }

  private stepDown(reason: string): void {
    this.state = 'candidate';
    this.term++;
    this.clearTimers();
    this.leading?.abort(new LeadershipLostError(reason));
    this.leading = undefined;
    this.o.onStoppedLeading?.(reason);
    // The callback may have stopped this elector (a process that exits on lost leadership): a stopped
    // elector must never campaign again, or it could take the Lease back while it shuts down.
    if ((this.state as string) === 'stopped') return;
    this.schedule(this.o.retryPeriodMs, () => this.campaign());
  }

  /** One read-modify-write of the Lease; true when this replica holds it afterwards. */
  private attempt(): Promise<boolean> {
    const run = this.tryAcquireOrRenew().catch((e: unknown) => {
      this.lastError = e;
      if (!(e instanceof LeaseConflictError)) this.o.onError?.(e);
      return false;
    });
    this.inflight = run;
    return run;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity, clock } = this.o;
    const spec = (prior: Lease['spec'] | undefined, now: number): Lease['spec'] => {
      const mine = prior?.holderIdentity === identity;
      return {
        holderIdentity: identity,
        leaseDurationSeconds: this.o.leaseDurationSeconds,
        acquireTime: mine && prior?.acquireTime ? prior.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (prior?.leaseTransitions ?? 0) + (prior && !mine ? 1 : 0),
      };
    };

    const current = await client.get(namespace, name);
    this.contact();
    if (!current) {
      const created = await client.create({
        metadata: { namespace, name },
        spec: spec(undefined, clock.now()),
      });
      this.observe(created);
      return true;
    }
    this.observe(current);
    const holder = current.spec.holderIdentity;
    const durationMs = (current.spec.leaseDurationSeconds ?? this.o.leaseDurationSeconds) * 1000;
    if (holder && holder !== identity && this.observedTime + durationMs > clock.now()) return false;
    const written = await client.replace({
      metadata: current.metadata,
      spec: spec(current.spec, clock.now()),
    });
    this.observe(written);
    return true;
  }

  /** Remembers the record; the expiry clock restarts only when the record itself changed. */
  private observe(lease: Lease): void {
    this.contact();
    if (!this.observed || JSON.stringify(this.observed.spec) !== JSON.stringify(lease.spec)) {
      this.observedTime = this.o.clock.now();
    }
    this.observed = lease;
    const holder = lease.spec.holderIdentity;
    if (holder && holder !== this.lastHolder) {
      this.lastHolder = holder;
      this.o.onNewLeader?.(holder);
    }
  }

  private contact(): void {
    this.lastContact = this.o.clock.now();
    this.lastError = undefined;
  }

  private schedule(ms: number, fn: () => Promise<void> | void): void {
    if (this.retryTimer) this.o.clock.clearTimeout(this.retryTimer);
    const term = this.term;
    this.retryTimer = this.o.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (term === this.term) void fn();
    }, ms);
  }

  private clearTimers(): void {
    if (this.retryTimer) this.o.clock.clearTimeout(this.retryTimer);
    if (this.deadlineTimer) this.o.clock.clearTimeout(this.deadlineTimer);
    this.retryTimer = this.deadlineTimer = undefined;
  }
}

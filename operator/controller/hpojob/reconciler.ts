/**
 * The HPOJob reconciler (ARCHITECTURE §8): level-triggered, one job at a time per key. Each pass, in
 * numbered steps: read the job and its trials from the caches, settle the sampler's parked answers,
 * plan (pure), apply the plan (stop trials, ask for suggestions), write the status only if it changed,
 * then publish what the status recorded. Writes carry the job's resourceVersion, so a pass that read a
 * stale job fails with a conflict and runs again instead of acting twice.
 */
import type { V1Job } from '@kubernetes/client-node';
import {
  applyDefaults,
  HPOJOB_FINALIZER,
  HPOJobReasons as R,
  validateHPOJob,
  type HPOJob,
  type ResolvedHPOJobSpec,
  type SamplerStatus,
  type Trial,
} from '../../api/index.js';
import type { SuggestRequest } from '../../bus/index.js';
import { plan, type PlanActions } from '../../core/planner/index.js';
import { hashKeys } from '../../core/rng.js';
import { getSamplerFactory } from '../../core/samplers/index.js';
import { builtinValidationHooks } from '../../core/settings-validation.js';
import { Space } from '../../core/space/index.js';
import { keyOf, type ClusterCache } from '../cache.js';
import { OwnWrites } from '../own-writes.js';
import { apiErrorCode, apiErrorMessage, objectRef, type KubeApi } from '../kube.js';
import type { MetricsStore } from '../metrics-store.js';
import type { Clock, Logger } from '../runtime/index.js';
import { reachedStatus } from '../trial/status.js';
import { applyStops } from './stops.js';
import { settleAnswers } from './answers.js';
import type { AnswerInbox } from './inbox.js';
import { addRequest, emptyLedger, expiredRequests, retryRequest, settleLedger } from './ledger.js';
import { buildRequest } from './requests.js';
import {
  finishedReason,
  isFinished,
  nextStatus,
  onlyDeferrableChanged,
  statusChanged,
  type SamplerHealth,
} from './status.js';
import { planInput, SnapshotMemo } from './snapshot.js';
import { completeDeletion } from './completion.js';

// --- options -----------------------------------------------------------------------------------------

export interface HPOJobReconcilerOptions {
  cache: ClusterCache;
  kube: KubeApi;
  metrics: MetricsStore;
  inbox: AnswerInbox;
  /** Publishes a suggestion request (Nats-Msg-Id = its id). */
  publishRequest(request: SuggestRequest): Promise<void>;
  /** The worker Job a trial of this job would get, for the server-side dry run of the pod template. */
  workerJobFor(job: HPOJob, spec: ResolvedHPOJobSpec): V1Job;
  /** Drops the job's data on NATS (observations, answers) when it is deleted. */
  purgeJob(uid: string): Promise<void>;
  /** Gives a deleted job's trials' quota back (completion.ts). */
  quota?: { release(tenant: string, uid: string): Promise<void> };
  /** The Job that deletes a deleted job's checkpoints, when it asked for that (completion.ts). */
  cleanupJobFor?(job: HPOJob, spec: ResolvedHPOJobSpec): V1Job | undefined;
  /** How long a deleted job waits for its pods' final checkpoint flush (default 60 s). */
  flushTimeoutMs?: number;
  clock: Clock;
  log: Logger;
  /** An unanswered request is published again after this long and the job shows SamplerUnavailable. */
  suggestionTimeoutMs?: number;
  /** Queue the job again after `ms` (time-based decisions: timeouts, maxDuration). */
  requeueAfter(key: string, ms: number): void;
  /** Where this reconciler keeps the statuses it wrote; the Trial reconciler reads jobs through it too. */
  jobWrites?: OwnWrites<HPOJob>;
  /** The Trial reconciler's status writes, those in flight included (its `wakeJob`). */
  trialWrites?: OwnWrites<Trial>;
  /** Counts and progress alone are written at most this often, ms (default 1,000). */
  progressIntervalMs?: number;
  /** The Trials of request `id` exist; `observations` is how many the sampler was asked to replay. */
  onCommitted?: (id: string, trials: number, job: HPOJob) => void;
}

/** RBAC this reconciler needs (checked against manifests/ by a test). */
export const HPOJOB_RBAC = [
  { apiGroups: ['ultron.dev'], resources: ['hpojobs'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
  { apiGroups: ['ultron.dev'], resources: ['hpojobs/status'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: ['ultron.dev'], resources: ['trials'], verbs: ['get', 'list', 'watch', 'create'] },
  { apiGroups: ['ultron.dev'], resources: ['trials/status'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
] as const;

export class ConflictError extends Error {}

/** A job that finished with MaxTrialsReached and whose maxTrials was raised since. */
export function canContinue(job: HPOJob, spec: ResolvedHPOJobSpec): boolean {
  return (
    finishedReason(job) === R.MaxTrialsReached &&
    job.metadata.generation !== job.status?.observedGeneration &&
    spec.budget.maxTrials > (job.status?.trials?.created ?? 0)
  );
}

/** The job as if it had not finished: phase Running, no Succeeded/Failed condition, no completionTime. */
function reopened(job: HPOJob): HPOJob {
  const { completionTime: _done, ...status } = job.status ?? {};
  return {
    ...job,
    status: {
      ...status,
      phase: 'Running',
      conditions: (status.conditions ?? []).filter((c) => c.type !== 'Succeeded' && c.type !== 'Failed'),
    },
  };
}

/** A job without spec.seed gets one from its uid: stable across restarts and replicas. */
export const seedOf = (job: HPOJob): number => hashKeys([job.metadata.uid ?? job.metadata.name]);

export class HPOJobReconciler {
  private readonly timeoutMs: number;
  /** The statuses this reconciler wrote, until the cache shows them (shared with the Trial reconciler). */
  private readonly written: OwnWrites<HPOJob>;
  /** Pod template dry runs already passed, by `uid/generation` (one API call per spec change). */
  private readonly dryRunOk = new Set<string>();
  private readonly snapshots = new SnapshotMemo();
  /** When each job's status was last written (for the progress throttle). */
  private readonly lastWrite = new Map<string, number>();
  /** The ledger of a status write in flight with the requests it records (see step 10), per job key. */
  private readonly unwritten = new Map<string, SamplerStatus>();

  constructor(private readonly o: HPOJobReconcilerOptions) {
    this.timeoutMs = o.suggestionTimeoutMs ?? 30_000;
    this.written = o.jobWrites ?? new OwnWrites<HPOJob>();
  }

  /** The job as this reconciler last saw or wrote it, and its effective spec (for the answer fast path). */
  current(key: string): { job: HPOJob; spec: ResolvedHPOJobSpec } | undefined {
    const cached = this.o.cache.hpojob(key);
    if (!cached || cached.metadata.deletionTimestamp) return undefined;
    let job = this.written.fresher(key, cached);
    const ledger = this.unwritten.get(key);
    if (ledger) job = { ...job, status: { ...job.status, sampler: ledger } };
    return { job, spec: applyDefaults(job.spec, seedOf(job)) };
  }

  async reconcile(key: string): Promise<void> {
    const { cache, kube } = this.o;
    // 1. The job, from the cache.
    const cached = cache.hpojob(key);
    if (!cached) {
      this.written.forget(key);
      this.lastWrite.delete(key);
      return;
    }
    let job: HPOJob = this.written.fresher(key, cached);
    const uid = job.metadata.uid ?? '';
    const ns = job.metadata.namespace ?? 'default';
    const log = this.o.log.child({ namespace: ns, hpojob: job.metadata.name });

    // 2. Deleted: clean up, then let it go (Kubernetes deletes its Trials, Jobs and Pods by owner).
    if (job.metadata.deletionTimestamp) {
      if (!job.metadata.finalizers?.includes(HPOJOB_FINALIZER)) return;
      const done = await completeDeletion(job, applyDefaults(job.spec, seedOf(job)), {
        cache,
        kube,
        ...(this.o.quota ? { quota: this.o.quota } : {}),
        purgeJob: this.o.purgeJob,
        ...(this.o.cleanupJobFor ? { cleanupJobFor: this.o.cleanupJobFor } : {}),
        log,
        now: this.o.clock.now(),
        ...(this.o.flushTimeoutMs !== undefined ? { flushTimeoutMs: this.o.flushTimeoutMs } : {}),
      });
      if (!done.done) {
        this.o.requeueAfter(key, done.recheckInMs);
        return;
      }
      this.o.inbox.drop(uid);
      this.o.metrics.forgetJob(uid);
      const rest = job.metadata.finalizers.filter((f) => f !== HPOJOB_FINALIZER);
      await this.write(() =>
        kube.setHPOJobFinalizers(ns, job.metadata.name, job.metadata.resourceVersion!, rest),
      );
      return;
    }
    if (!job.metadata.finalizers?.includes(HPOJOB_FINALIZER)) {
      const finalizers = [...(job.metadata.finalizers ?? []), HPOJOB_FINALIZER];
      await this.write(() =>
        kube.setHPOJobFinalizers(ns, job.metadata.name, job.metadata.resourceVersion!, finalizers),
      );
      return; // the update event brings the job back
    }

    // 3. A finished job keeps its status as it was (late answers are acked and dropped), unless its
    //    maxTrials was raised after it finished with MaxTrialsReached: then it continues.
    const spec = applyDefaults(job.spec, seedOf(job));
    if (isFinished(job)) {
      if (!canContinue(job, spec)) {
        this.o.inbox.drop(uid);
        return;
      }
      log.info({ maxTrials: spec.budget.maxTrials }, 'maxTrials raised: the job continues');
      job = reopened(job);
    }

    // 4. A spec that cannot run fails the job with InvalidSpec and creates nothing.
    const specError = await this.specError(job, spec);
    const now = this.o.clock.now();
    const nowIso = new Date(now).toISOString();
    if (specError !== undefined) {
      this.o.inbox.drop(uid);
      await this.event(job, 'Warning', R.InvalidSpec, specError);
      await this.writeStatus(
        job,
        nextStatus({ job, now: nowIso, specError, ledger: job.status?.sampler ?? emptyLedger() }),
      );
      return;
    }

    // 5. Trials from the cache; the ledger forgets requests whose Trials all exist.
    const written = this.o.trialWrites;
    const trials = cache
      .trialsOf(key)
      .map((t) => (written ? written.fresher(keyOf(ns, t.metadata.name), t) : t));
    const indices = new Set(trials.map((t) => t.spec.index));
    let ledger = settleLedger(job.status?.sampler ?? emptyLedger(), indices);

    // 6. Parked sampler answers: create Trials for valid ones; re-ask after invalid ones.
    const settled = await settleAnswers({
      job,
      spec,
      trials,
      ledger,
      parked: this.o.inbox.take(uid),
      kube,
      now: nowIso,
      event: (type, reason, message) => this.event(job, type, reason, message),
      log,
      onCommitted: (id, n) => this.o.onCommitted?.(id, n, job),
    });
    ledger = settled.ledger;
    if (settled.specError !== undefined) {
      await this.writeStatus(job, nextStatus({ job, now: nowIso, specError: settled.specError, ledger }));
      return;
    }

    // 7. Plan (pure).
    const actions: PlanActions = plan(
      planInput({ job, spec, trials, ledger, metrics: this.o.metrics, now, memo: this.snapshots }),
    );

    // 8. Apply: stop trials (early stopping, or every running trial when the job finishes).
    await applyStops(actions.stop, trials, kube, nowIso, log, (t, phase) =>
      reachedStatus(t, phase, spec, this.o.metrics.get(uid, t.spec.index)),
    );
    if (actions.finish) ledger = { ...ledger, requests: [] };

    // 9. New requests go into the ledger now and are published after the status write; overdue ones
    //    are published again (same id: deduplicated) and the job says the sampler does not answer.
    const toPublish: SuggestRequest[] = [];
    let sampler: SamplerHealth | undefined = settled.health;
    if (!actions.finish) {
      // An unanswered request is asked again under a new id: the same id would be dropped as a
      // duplicate by JetStream if the first copy was taken by a sampler that never answered.
      const overdue = expiredRequests(ledger, now, this.timeoutMs);
      for (const r of overdue) {
        const retried = retryRequest(ledger, r.id, uid, indices, nowIso);
        ledger = retried.ledger;
        if (retried.request) toPublish.push(buildRequest(job, spec, trials, retried.request));
      }
      if (overdue.length) {
        sampler = {
          healthy: false,
          reason: R.SamplerUnavailable,
          message:
            `no answer from sampler '${spec.sampler.name}' for ${Math.round(this.timeoutMs / 1000)}s; ` +
            `is a sampler serving ultron.suggest.${spec.sampler.name}? (built-in samplers: the ultron-samplerd Deployment)`,
        };
        if (job.status?.conditions?.find((c) => c.type === 'SamplerHealthy')?.reason !== R.SamplerUnavailable)
          await this.event(job, 'Warning', R.SamplerUnavailable, sampler.message);
      }
      if (actions.request > 0) {
        const added = addRequest(ledger, actions.request, uid, nowIso);
        ledger = added.ledger;
        toPublish.push(buildRequest(job, spec, trials, added.request));
      }
    }

    // 10. Status, only when it changed; the requests it records are published at the same time.
    const status = nextStatus({ job, now: nowIso, actions, ledger, ...(sampler ? { sampler } : {}) });
    const waits: number[] = [];
    let write = false;
    if (statusChanged(job.status, status)) {
      const due = (this.lastWrite.get(key) ?? 0) + (this.o.progressIntervalMs ?? 1_000);
      if (onlyDeferrableChanged(job.status, status) && due > now) waits.push(due - now);
      else write = true;
    }
    await this.writeAndPublish(
      key,
      job,
      write ? status : undefined,
      status.phase === 'Running' ? toPublish : [],
    );

    // 11. Time-based decisions (and a held-back progress write) come back by themselves.
    if (ledger.requests.length) {
      const oldest = Math.min(...ledger.requests.map((r) => Date.parse(r.sentAt)));
      waits.push(Math.max(50, oldest + this.timeoutMs - now));
    }
    if (spec.budget.maxDurationMs !== undefined) {
      const start = Date.parse(status.startTime ?? nowIso);
      waits.push(Math.max(50, start + spec.budget.maxDurationMs - now));
    }
    if (waits.length) this.o.requeueAfter(key, Math.min(...waits));
  }

  /** What keeps the spec from running: settings, a space the sampler cannot serve, the pod template. */
  private async specError(job: HPOJob, spec: ResolvedHPOJobSpec): Promise<string | undefined> {
    // A generation that passed every check (the dry run is the last) passes them again: skip them.
    const dryKey = `${job.metadata.uid}/${job.metadata.generation}`;
    if (this.dryRunOk.has(dryKey)) return undefined;
    const errors = validateHPOJob(job, builtinValidationHooks);
    if (errors.length) return errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    const factory = getSamplerFactory(spec.sampler.name);
    try {
      factory?.validateSpace?.(new Space(spec.parameters));
    } catch (e) {
      return (e as Error).message;
    }
    try {
      // A generated name: the dry run must not collide with trial 0's real Job.
      const probe = this.o.workerJobFor(job, spec);
      const meta = { ...probe.metadata, generateName: `${job.metadata.name}-dry-run-` };
      delete meta.name;
      await this.o.kube.createJob({ ...probe, metadata: meta }, true);
    } catch (e) {
      const code = apiErrorCode(e);
      if (code !== undefined && code >= 400 && code < 500 && code !== 409 && code !== 429)
        return `the pod template is invalid: ${apiErrorMessage(e)}`;
      throw e;
    }
    this.dryRunOk.add(dryKey);
    return undefined;
  }

  /**
   * The status write and the publishing of the requests it records, concurrently: waiting for the
   * write first cost a round trip to the API server on every suggestion's path. The ledger's rules
   * hold either way (ledger.ts): an answer that comes back while the write is in flight finds its
   * request through current(); a request out without its ledger (the write failed, or this leader
   * died) has indices not handed out yet, so its answer is redelivered, not dropped, until a ledger
   * records the request again (same indices and attempt: the same id, and JetStream keeps the first
   * copy) or has moved past it.
   */
  private async writeAndPublish(
    key: string,
    job: HPOJob,
    status: ReturnType<typeof nextStatus> | undefined,
    requests: readonly SuggestRequest[],
  ): Promise<void> {
    if (status?.sampler && requests.length) this.unwritten.set(key, status.sampler);
    try {
      const results = await Promise.allSettled([
        ...(status ? [this.writeStatus(job, status)] : []),
        ...requests.map((r) => this.o.publishRequest(r)),
      ]);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      this.unwritten.delete(key);
    }
  }

  private async writeStatus(job: HPOJob, status: ReturnType<typeof nextStatus>): Promise<void> {
    const ns = job.metadata.namespace ?? 'default';
    await this.write(async () => {
      const updated = await this.o.kube.patchHPOJobStatus(
        ns,
        job.metadata.name,
        job.metadata.resourceVersion,
        status,
      );
      this.written.remember(`${ns}/${job.metadata.name}`, updated);
      this.lastWrite.set(`${ns}/${job.metadata.name}`, this.o.clock.now());
    });
  }

  /** A write guarded by resourceVersion: a conflict means the cache was stale; the pass runs again. */
  private async write(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (apiErrorCode(e) === 409) throw new ConflictError('the HPOJob changed meanwhile; reconciling again');
      if (apiErrorCode(e) === 404) return; // deleted meanwhile
      throw e;
    }
  }

  private async event(
    job: HPOJob,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    await this.o.kube
      .event(objectRef('HPOJob', job), type, reason, message, new Date(this.o.clock.now()))
      .catch((e: unknown) => this.o.log.warn({ err: String(e) }, 'could not record an event'));
  }
}

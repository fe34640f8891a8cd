/**
 * The whole operator in one place (ARCHITECTURE §8): caches, the two reconcilers and their queues, the
 * sampler loop over NATS, leader election and the ops server. Every replica keeps warm caches; only
 * the leader runs reconcilers and consumers. A replica that stops leading exits, so the Deployment
 * restarts it with no state from its time as leader.
 */
import { hostname } from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { Histogram } from 'prom-client';
import { LEADER_LEASE, trialName, type HPOJob, type ResolvedHPOJobSpec, type Trial } from '../api/index.js';
import {
  ALL_METRICS,
  ALL_SUGGESTIONS,
  connectBus,
  METRICS_STREAM,
  msgIds,
  observationsSubject,
  OBSERVATIONS_STREAM,
  OPERATOR_SUGGESTIONS_CONSUMER,
  parseMetricMessage,
  parseAliveSubject,
  parseHeartbeat,
  parseMetricsSubject,
  parseSuggestionsSubject,
  parseSuggestReply,
  suggestSubject,
  SUGGESTIONS_STREAM,
  suggestionsSubject,
  type Bus,
} from '../bus/index.js';
import { fieldsFirst, type Logger as BusLogger } from '../bus/log.js';
import { buildJob, checkpointCleanupJob, type WorkloadOptions } from '../workload/index.js';
import { keyOf, splitKey, ClusterCache } from './cache.js';
import { HPOJobReconciler } from './hpojob/reconciler.js';
import { AnswerInbox } from './hpojob/inbox.js';
import { startQuota } from './quota/wiring.js';
import { RedisScoreCache } from './score-cache.js';
import { registerQuotaGauges } from '../quota/index.js';
import { commitFittingAnswer } from './hpojob/answers.js';
import { KubeApi } from './kube.js';
import { MetricsStore } from './metrics-store.js';
import { OwnWrites } from './own-writes.js';
import {
  coordinationLeaseClient,
  createLogger,
  LeaderElector,
  Metrics,
  PooledKubeConfig,
  OpsServer,
  realClock,
  runWorkers,
  WorkQueue,
  type Clock,
  type Logger,
} from './runtime/index.js';
import { TrialReconciler } from './trial/reconciler.js';
import { followHeartbeats } from './alive-feed.js';
import { followStream, purgeSubject } from './metrics-feed.js';
import { Connection } from '../bus/connection.js';

export interface OperatorConfig {
  natsUrl: string;
  workload: WorkloadOptions;
  /** Reconcile workers per controller. */
  workers: number;
  suggestionTimeoutMs: number;
  /** Where the leader Lease lives (the operator's namespace). */
  leaseNamespace: string;
  identity: string;
  opsPort: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Redis for quota (ARCHITECTURE §7); absent: no tenant is metered. */
  redisUrl?: string;
  /** How long a deleted HPOJob waits for its pods' final checkpoint flush. */
  flushTimeoutMs: number;
}

export function configFromEnv(env: NodeJS.ProcessEnv): OperatorConfig {
  const ms = (v: string | undefined, dflt: number): number => {
    if (!v) return dflt;
    const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v);
    if (!m) throw new Error(`cannot read the duration '${v}' (e.g. 30s, 500ms, 2m)`);
    return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 }[m[2] ?? 's'] ?? 1000);
  };
  const natsUrl = env['ULTRON_NATS_URL'] ?? env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
  const pullPolicy = env['ULTRON_AGENT_IMAGE_PULL_POLICY'];
  // The Secret with the object store's settings, looked up in each trial's namespace; unset: no checkpoints.
  const checkpointSecret = env['ULTRON_CHECKPOINT_SECRET'];
  return {
    natsUrl,
    workload: {
      agentImage: env['ULTRON_AGENT_IMAGE'] ?? 'ultron.local/ultron:latest',
      natsUrl: env['ULTRON_POD_NATS_URL'] ?? natsUrl,
      ...(pullPolicy === 'Always' || pullPolicy === 'IfNotPresent' || pullPolicy === 'Never'
        ? { imagePullPolicy: pullPolicy }
        : {}),
      ...(checkpointSecret ? { checkpointStore: { secretName: checkpointSecret } } : {}),
    },
    workers: Number(env['ULTRON_WORKERS'] ?? 16),
    suggestionTimeoutMs: ms(env['ULTRON_SUGGESTION_TIMEOUT'], 30_000),
    flushTimeoutMs: ms(env['ULTRON_FLUSH_TIMEOUT'], 60_000),
    leaseNamespace: env['POD_NAMESPACE'] ?? 'ultron-system',
    identity: env['POD_NAME'] ?? `${hostname()}-${process.pid}`,
    opsPort: Number(env['ULTRON_OPS_PORT'] ?? 8080),
    logLevel:
      (['debug', 'info', 'warn', 'error'] as const).find((l) => l === env['ULTRON_LOG_LEVEL']) ?? 'info',
    ...(env['ULTRON_REDIS_URL'] ? { redisUrl: env['ULTRON_REDIS_URL'] } : {}),
  };
}

export interface RunningOperator {
  port: number;
  log: Logger;
  /** Resolves when the operator stopped (signal, or leadership lost). */
  done: Promise<void>;
}

export async function startOperator(
  config: OperatorConfig,
  opts: { kc?: k8s.KubeConfig; signal: AbortSignal; clock?: Clock; onLeadershipLost?: () => void },
): Promise<RunningOperator> {
  const clock = opts.clock ?? realClock;
  const log = createLogger({
    level: config.logLevel,
    base: { component: 'operator', replica: config.identity },
  });
  const kc = opts.kc ?? loadKubeConfig();
  const metrics = new Metrics({ processMetrics: true });
  const server = new OpsServer({ metrics, clock });
  const bus: Bus = connectBus({
    servers: config.natsUrl,
    name: `ultron-operator-${config.identity}`,
    log: busLog(log),
  });
  // A second connection for the metrics feed and purges (the bus's own carries requests and answers).
  const feedConn = new Connection({
    servers: config.natsUrl,
    name: `ultron-operator-feed-${config.identity}`,
    log: busLog(log),
  });
  const cache = new ClusterCache({
    kc,
    clock,
    onInformerError: (name, e, ms) =>
      log.warn({ informer: name, err: String(e), restartInMs: ms }, 'informer failed'),
  });
  const kube = new KubeApi(kc);
  const store = new MetricsStore();
  const inbox = new AnswerInbox();
  const jobQ = new WorkQueue({ clock });
  const trialQ = new WorkQueue({ clock });
  metrics.trackQueue('hpojob', jobQ);
  metrics.trackQueue('trial', trialQ);
  cache.on({ hpojob: (k) => jobQ.add(k), trial: (k) => trialQ.add(k) });

  const workerJob = (trial: Trial, job: HPOJob, spec: ResolvedHPOJobSpec): k8s.V1Job =>
    buildJob({
      trial,
      hpoJob: { name: job.metadata.name, uid: job.metadata.uid ?? '' },
      spec,
      options: config.workload,
    });
  const jobWrites = new OwnWrites<HPOJob>();
  const trialWrites = new OwnWrites<Trial>();
  const hpojobs = new HPOJobReconciler({
    jobWrites,
    trialWrites,
    cache,
    kube,
    metrics: store,
    inbox,
    clock,
    log,
    suggestionTimeoutMs: config.suggestionTimeoutMs,
    publishRequest: async (r) => {
      // Recorded before the publish: the answer can arrive before the publish's own ack does.
      sentAt.set(r.id, { at: clock.now(), sampler: r.sampler.name, observations: r.observations.count });
      try {
        await bus.publish(suggestSubject(r.sampler.name), r, r.id);
      } catch (e) {
        sentAt.delete(r.id);
        throw e;
      }
    },
    workerJobFor: (job, spec) =>
      workerJob(
        {
          apiVersion: 'ultron.dev/v1alpha1',
          kind: 'Trial',
          metadata: {
            name: `${job.metadata.name}-0`,
            namespace: job.metadata.namespace ?? 'default',
            uid: '00000000-0000-0000-0000-000000000000',
          },
          spec: { hpoJob: job.metadata.name, index: 0, params: {}, seed: 0 },
        },
        job,
        spec,
      ),
    purgeJob: async (uid) => {
      await purgeSubject(feedConn, OBSERVATIONS_STREAM.name, observationsSubject(uid));
      await purgeSubject(feedConn, SUGGESTIONS_STREAM.name, suggestionsSubject(uid));
      await purgeSubject(feedConn, METRICS_STREAM.name, `ultron.metrics.${uid}.>`);
    },
    requeueAfter: (k, ms) => jobQ.addAfter(k, ms),
    onCommitted: (id, n, job) => committed(id, n, job, 'reconcile'),
    // `quota` is set up below; a job is only finalized once the operator runs.
    quota: { release: async (tenant, uid) => void (await quota?.gate.release(tenant, uid)) },
    cleanupJobFor: (job, spec) => {
      const store = config.workload.checkpointStore;
      const c = spec.trialTemplate.checkpoint;
      if (!store || !c.enabled || !c.deleteOnFinish || !job.metadata.uid) return undefined;
      const ref = {
        name: job.metadata.name,
        namespace: job.metadata.namespace ?? 'default',
        uid: job.metadata.uid,
      };
      return checkpointCleanupJob(ref, store, config.workload);
    },
    flushTimeoutMs: config.flushTimeoutMs,
  });
  /** `via`: the answer fast path, or the job's reconcile (an answer that did not fit at once). */
  function committed(id: string, n: number, job: HPOJob, via: 'answer' | 'reconcile'): void {
    const sent = sentAt.get(id);
    if (!sent) return; // published by an earlier leader
    sentAt.delete(id);
    const ms = clock.now() - sent.at;
    const answeredMs = sent.answeredAt !== undefined ? sent.answeredAt - sent.at : undefined;
    // Absolute times (ms since the epoch), joined with samplerd's `answered` line by bench:operator.
    const at = {
      publishedAt: sent.at,
      ...(sent.answerStoredAt !== undefined ? { answerStoredAt: sent.answerStoredAt } : {}),
      ...(sent.answeredAt !== undefined ? { receivedAt: sent.answeredAt } : {}),
      committedAt: sent.at + ms,
    };
    roundTrip.observe({ sampler: sent.sampler }, ms / 1000);
    log.info(
      {
        namespace: job.metadata.namespace,
        hpojob: job.metadata.name,
        requestId: id,
        trials: n,
        observations: sent.observations,
        roundTripMs: ms,
        via,
        ...(answeredMs !== undefined ? { answeredMs } : {}),
        at,
      },
      'suggestions committed',
    );
  }
  const quota = config.redisUrl
    ? startQuota({
        config: { redisUrl: config.redisUrl, namespace: config.leaseNamespace },
        kube,
        cache,
        workerJob,
        log,
        wake: (k) => trialQ.add(k),
      })
    : undefined;
  const trials = new TrialReconciler({
    ...(quota ? { quota: quota.gate, scores: new RedisScoreCache(quota.redis) } : {}),
    jobWrites,
    trialWrites,
    wakeJob: (k) => jobQ.add(k),
    cache,
    kube,
    metrics: store,
    clock,
    log,
    workerJob,
    publishObservation: async (uid, msg) =>
      (await bus.publish(observationsSubject(uid), msg, msgIds.observation(uid, msg.index))).seq,
    requeueAfter: (k, ms) => trialQ.addAfter(k, ms),
  });
  /** Requests this leader published and has not seen committed: for the latency figures only. */
  const sentAt = new Map<
    string,
    { at: number; sampler: string; observations: number; answeredAt?: number; answerStoredAt?: number }
  >();
  const roundTrip = new Histogram({
    name: 'ultron_suggestion_roundtrip_seconds',
    help: 'Time from a suggestion request being published to its Trials existing, by sampler.',
    labelNames: ['sampler'],
    buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metrics.registry],
  });

  const elector = new LeaderElector({
    client: coordinationLeaseClient(kc),
    namespace: config.leaseNamespace,
    name: LEADER_LEASE,
    identity: config.identity,
    clock,
    onNewLeader: (id) => log.info({ leader: id }, 'leader'),
    onError: (e) => log.warn({ err: String(e) }, 'leader election'),
    onStoppedLeading: (reason) => {
      log.warn({ reason }, 'stopped leading; exiting so a fresh replica takes over');
      opts.onLeadershipLost?.();
    },
    onStartedLeading: async (leading) => {
      log.info('leading');
      await bus.ready;
      await bus.ensureStreams();
      await cache.synced();
      // The metrics store is rebuilt from the stream before any decision uses it.
      const feed = followStream(
        feedConn,
        METRICS_STREAM.name,
        [ALL_METRICS],
        leading,
        (subject, data, storedAt) => {
          const at = parseMetricsSubject(subject);
          const msg = parseMetricMessage(data);
          if (!at || !msg.ok) return;
          if (!store.apply(at.jobUid, at.index, msg.value, storedAt)) return;
          const jobKey = cache.hpojobKeyByUid(at.jobUid);
          if (!jobKey) return;
          const [ns, name] = splitKey(jobKey);
          trialQ.add(keyOf(ns, trialName(name, at.index)));
          jobQ.add(jobKey);
        },
        { clock, log },
      );
      void followHeartbeats(
        feedConn,
        leading,
        (subject, data, at) => {
          const trial = parseAliveSubject(subject);
          const pod = parseHeartbeat(data);
          if (trial && pod && cache.hpojobKeyByUid(trial.jobUid))
            store.heard(trial.jobUid, trial.index, pod, at);
        },
        { clock, log },
      );
      await feed.caughtUp;
      log.info({ messages: feed.delivered, trials: store.size }, 'metrics store rebuilt');
      bus.consume(
        SUGGESTIONS_STREAM.name,
        OPERATOR_SUGGESTIONS_CONSUMER,
        [ALL_SUGGESTIONS],
        async (m) => {
          const uid = parseSuggestionsSubject(m.subject);
          const reply = parseSuggestReply(m.data);
          const key = uid ? cache.hpojobKeyByUid(uid) : undefined;
          if (!uid || !key) return; // a job that is gone: nothing to do
          if (!reply.ok) {
            log.warn({ hpojob: key, problem: reply.error }, 'unreadable sampler answer dropped');
            return;
          }
          const sent = sentAt.get(reply.value.requestId);
          if (sent) {
            sent.answeredAt = clock.now();
            sent.answerStoredAt = m.storedAt;
            metrics.observeSuggestionLatency(reply.value.sampler, (sent.answeredAt - sent.at) / 1000);
          }
          const now = hpojobs.current(key);
          if (now && (await commitFittingAnswer({ ...now, reply: reply.value, kube }))) {
            committed(
              reply.value.requestId,
              reply.value.kind === 'suggestions' ? reply.value.configs.length : 0,
              now.job,
              'answer',
            );
            jobQ.add(key);
            return;
          }
          const parked = inbox.park(uid, reply.value);
          jobQ.add(key);
          await parked;
        },
        { signal: leading, concurrency: 64 },
      );
      // Admission waits for the quota store's reconcile with the running trials (gate.ts).
      if (quota) void quota.lead(leading);
      for (const j of cache.hpojobs.list()) jobQ.add(keyOf(j.metadata.namespace, j.metadata.name));
      for (const t of cache.trials.list()) trialQ.add(keyOf(t.metadata.namespace, t.metadata.name));
      const onError = (kind: string) => (key: string, e: unknown, retries: number) =>
        (retries > 3 ? log.warn.bind(log) : log.debug.bind(log))(
          { [kind]: key, err: String(e), retries },
          'reconcile failed; retrying',
        );
      await Promise.all([
        runWorkers(jobQ, config.workers, (k) => hpojobs.reconcile(k), {
          signal: leading,
          clock,
          onDone: metrics.reconcileObserver('hpojob'),
          onError: onError('hpojob'),
        }),
        runWorkers(trialQ, config.workers, (k) => trials.reconcile(k), {
          signal: leading,
          clock,
          onDone: metrics.reconcileObserver('trial'),
          onError: onError('trial'),
        }),
      ]);
    },
  });

  server.addReadinessCheck('nats', () => {
    const s = bus.status();
    return s.connected ? undefined : s.message;
  });
  server.addReadinessCheck('caches', () => cache.health());
  server.addReadinessCheck('leader', () => elector.health());
  if (quota) {
    server.addReadinessCheck('quota', () => quota.gate.health());
    registerQuotaGauges(metrics.registry, quota.gate);
  }
  const port = await server.listen(config.opsPort);
  cache.start();
  elector.start();
  log.info({ port, nats: config.natsUrl }, 'operator started');

  const done = new Promise<void>((resolve) => {
    opts.signal.addEventListener(
      'abort',
      () => {
        void (async () => {
          log.info('stopping');
          elector.stop();
          await elector.release().catch(() => undefined);
          jobQ.shutdown();
          trialQ.shutdown();
          cache.stop();
          await bus.close().catch(() => undefined);
          await feedConn.close().catch(() => undefined);
          await quota?.close();
          await server.close();
          resolve();
        })();
      },
      { once: true },
    );
  });
  return { port, log, done };
}

function loadKubeConfig(): k8s.KubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** The bus's (message, fields) logger over pino's (fields, message), errors written as text. */
function busLog(log: Logger): BusLogger {
  return fieldsFirst(log);
}

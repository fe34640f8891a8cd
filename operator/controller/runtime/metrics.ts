/**
 * The operator's Prometheus metrics, on a Registry of their own: the global registry is shared by every
 * library in the process, and tests need a fresh set per case.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type ReconcileResult = 'success' | 'error';

/** The shape of runWorkers' onDone, so the queue feeds the reconcile metrics without knowing them. */
export type ReconcileObserver = (key: string, result: ReconcileResult, durationMs: number) => void;

export interface MetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop lag) under `ultron_`. */
  processMetrics?: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileDuration: Histogram<'controller'>;
  readonly workqueueDepth: Gauge<'queue'>;
  readonly trials: Gauge<'namespace' | 'hpojob' | 'phase'>;
  readonly suggestionLatency: Histogram<'sampler'>;
  /** Queue depth is read at scrape time, so no one has to remember to update it. */
  private readonly queues = new Map<string, { len(): number }>();
  private readonly trialPhases = new Map<string, Set<string>>();

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.reconcileTotal = new Counter({
      name: 'ultron_reconcile_total',
      help: 'Reconciles run, by controller and result.',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'ultron_reconcile_duration_seconds',
      help: 'Time one reconcile took.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const queues = this.queues;
    this.workqueueDepth = new Gauge({
      name: 'ultron_workqueue_depth',
      help: 'Keys waiting in a work queue.',
      labelNames: ['queue'],
      registers,
      collect() {
        for (const [queue, q] of queues) this.set({ queue }, q.len());
      },
    });
    this.trials = new Gauge({
      name: 'ultron_trials',
      help: "Trials of an HPOJob by phase, as in the job's status.",
      labelNames: ['namespace', 'hpojob', 'phase'],
      registers,
    });
    this.suggestionLatency = new Histogram({
      name: 'ultron_suggestion_latency_seconds',
      help: 'Time from a suggestion request to its answer, by sampler.',
      labelNames: ['sampler'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'ultron_' });
  }

  /** Reports `queue.len()` as ultron_workqueue_depth{queue=name} on every scrape. */
  trackQueue(name: string, queue: { len(): number }): void {
    this.queues.set(name, queue);
  }

  /** An onDone callback for runWorkers that counts and times the reconciles of `controller`. */
  reconcileObserver(controller: string): ReconcileObserver {
    return (_key, result, durationMs) => {
      this.reconcileTotal.inc({ controller, result });
      this.reconcileDuration.observe({ controller }, durationMs / 1000);
    };
  }

  /** Sets a job's trial counts; phases it no longer reports drop out rather than linger at an old value. */
  setTrials(namespace: string, hpojob: string, byPhase: Readonly<Record<string, number>>): void {
    const key = `${namespace}/${hpojob}`;
    for (const phase of this.trialPhases.get(key) ?? []) {
      if (!(phase in byPhase)) this.trials.remove({ namespace, hpojob, phase });
    }
    for (const [phase, n] of Object.entries(byPhase)) this.trials.set({ namespace, hpojob, phase }, n);
    this.trialPhases.set(key, new Set(Object.keys(byPhase)));
  }

  /** Drops a deleted job's series. */
  forgetJob(namespace: string, hpojob: string): void {
    this.setTrials(namespace, hpojob, {});
    this.trialPhases.delete(`${namespace}/${hpojob}`);
  }

  observeSuggestionLatency(sampler: string, seconds: number): void {
    this.suggestionLatency.observe({ sampler }, seconds);
  }

  /** The exposition text and its content type, for /metrics. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

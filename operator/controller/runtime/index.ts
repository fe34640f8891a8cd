/**
 * The operator runtime: time, a keyed work queue, supervised informers, Lease leader election, the ops
 * HTTP server, metrics and logs. It knows nothing of HPOJobs; shells import it from here, never from
 * deep files, so the files behind it can be re-cut freely.
 */
export { FakeClock, realClock, settle, sleep, type Clock, type TimerHandle } from './clock.js';
export {
  DEFAULT_BASE_DELAY_MS,
  DEFAULT_MAX_DELAY_MS,
  runWorkers,
  WorkQueue,
  type Handler,
  type RunWorkersOptions,
  type WorkQueueOptions,
} from './workqueue.js';
export {
  clientNodeInformerFactory,
  InformerStoppedError,
  SupervisedInformer,
  type InformerEvent,
  type InformerFactory,
  type SupervisedInformerOptions,
  type UnderlyingInformer,
} from './informer.js';
export {
  coordinationLeaseClient,
  LeaseConflictError,
  MemoryLeaseClient,
  microTime,
  type Lease,
  type LeaseClient,
  type LeaseSpec,
} from './lease-client.js';
export {
  LeaderElectionConfigError,
  LeaderElector,
  LeadershipLostError,
  type LeaderElectorOptions,
} from './leader.js';
export { Metrics, type MetricsOptions, type ReconcileObserver, type ReconcileResult } from './metrics.js';
export { OpsServer, type OpsServerOptions, type ReadinessCheck } from './server.js';
export { createLogger, withContext, type LogContext, type Logger, type LoggerOptions } from './logger.js';
export { PooledKubeConfig } from './kubeconfig.js';

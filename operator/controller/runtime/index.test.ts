/** Shells import the runtime only through index.ts: every value it promises must load from there. */
import * as runtime from './index.js';

it('exports the runtime from one entry point', () => {
  const values = Object.keys(runtime).sort();
  expect(values).toEqual(
    [
      'DEFAULT_BASE_DELAY_MS',
      'DEFAULT_MAX_DELAY_MS',
      'FakeClock',
      'InformerStoppedError',
      'LeaderElectionConfigError',
      'LeaderElector',
      'LeadershipLostError',
      'LeaseConflictError',
      'MemoryLeaseClient',
      'Metrics',
      'OpsServer',
      'PooledKubeConfig',
      'SupervisedInformer',
      'WorkQueue',
      'clientNodeInformerFactory',
      'coordinationLeaseClient',
      'createLogger',
      'microTime',
      'realClock',
      'runWorkers',
      'settle',
      'sleep',
      'withContext',
    ].sort(),
  );
  expect(new runtime.LeaseConflictError('x').code).toBe('LeaseConflict');
});

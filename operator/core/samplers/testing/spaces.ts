/** Search spaces that exercise every parameter kind, used by the contract suites and property tests. */
import type { Parameter } from '../../../api/types.js';

export const TEST_SPACES: Record<string, Parameter[]> = {
  float: [{ name: 'x', type: 'float', min: -3, max: 5 }],
  logFloat: [{ name: 'lr', type: 'float', min: 1e-5, max: 1, log: true }],
  int: [{ name: 'n', type: 'int', min: 1, max: 9 }],
  intStepLog: [
    { name: 'n', type: 'int', min: 0, max: 100, step: 10 },
    { name: 'units', type: 'int', min: 1, max: 1024, log: true },
  ],
  floatStep: [{ name: 'dropout', type: 'float', min: 0, max: 0.5, step: 0.1 }],
  categorical: [
    { name: 'opt', type: 'categorical', values: ['adam', 'sgd', 'rmsprop'] },
    { name: 'bs', type: 'categorical', values: [16, 32, 64] },
    { name: 'flag', type: 'categorical', values: [true, false] },
  ],
  conditional: [
    { name: 'opt', type: 'categorical', values: ['adam', 'sgd'] },
    { name: 'momentum', type: 'float', min: 0, max: 0.99, step: 0.01, when: { opt: ['sgd'] } },
    { name: 'nesterov', type: 'categorical', values: [true, false], when: { opt: ['sgd'] } },
    { name: 'schedule', type: 'categorical', values: ['cosine', 'step'], when: { nesterov: [true] } },
    { name: 'lr', type: 'float', min: 0.001, max: 0.1, step: 0.001 },
  ],
};

/** Spaces every sampler must serve (grid needs steps on floats, so it gets its own list). */
export const GRID_SPACES = ['int', 'intStepLog', 'floatStep', 'categorical', 'conditional'] as const;

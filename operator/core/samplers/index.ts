export * from './types.js';
export * from './registry.js';
export { sampleUniform } from './random.js';
export { enumerateGrid, configKey } from './grid.js';
export { createSobol } from './sobol.js';
export { autoChoice } from './auto/sampler.js';

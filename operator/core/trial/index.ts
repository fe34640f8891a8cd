export * from './env.js';
export * from './metrics.js';
export * from './reports.js';
export * from './seed.js';
export * from './checkpoints.js';
export * from './summary.js';

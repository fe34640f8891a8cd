export * from './types.js';
export * from './registry.js';
export { bracketOf, bracketWeights } from './hyperband.js';

export * from './optimize.js';
export * from './problems.js';

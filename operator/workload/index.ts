export * from './job.js';
export * from './labels.js';
export * from './cleanup.js';

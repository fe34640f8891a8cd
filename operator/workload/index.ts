export * from './job.js';
export * from './labels.js';

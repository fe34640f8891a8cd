export * from './types.js';
export * from './pod.js';
export * from './defaults.js';
export * from './schema.js';
export * from './rules.js';
export * from './validation.js';
export * from './manifest.js';
export * from './conditions.js';

export * from './layout.js';
export * from './config.js';
export * from './local.js';
export * from './store.js';
export * from './restore.js';

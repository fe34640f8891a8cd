export * from './subjects.js';
export * from './protocol.js';

export * from './env.js';
export * from './part.js';
export * from './tailer.js';
export * from './messages.js';
export * from './forwarder.js';
export * from './agent.js';
export * from './uploader.js';
export * from './heartbeat.js';

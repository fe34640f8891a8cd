export * from './subjects.js';
export * from './protocol.js';
export * from './errors.js';
export * from './log.js';
export { backoffDelay, streamConfig, streamDrift, streamOfSubject, subjectMatches } from './streams.js';
export type { BackoffOptions, OwnedStreamConfig, StreamDrift } from './streams.js';
export type { ConnectionStatus } from './connection.js';
export type { BusMessage, ConsumeOptions, Consumption, MessageHandler } from './consume.js';
export { connectBus } from './jetstream.js';
export type {
  Bus,
  BusOptions,
  EnsureOutcome,
  PublishResult,
  ReplayOptions,
  StoredMessage,
} from './jetstream.js';
export * from './messages.js';
export { NatsSamplerTransport, toDelivery } from './transport.js';
export type {
  NatsTransportOptions,
  ReplyDelivery,
  ReplyHandler,
  ReplyOptions,
  ReplySubscription,
  SamplerTransport,
} from './transport.js';
export { InProcessSamplerTransport } from './in-process.js';
export type { InProcessOptions } from './in-process.js';

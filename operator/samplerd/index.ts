export { startSamplerd, UnknownSampler } from './samplerd.js';
export type { Samplerd, SamplerdOptions, SamplerdStatus } from './samplerd.js';
export { SuggestService } from './service.js';
export type {
  ObservationSource,
  Outcome,
  Prepared,
  ReplyPublisher,
  ServiceOptions,
  ServiceStats,
} from './service.js';
export { answerRequest, parameterProblems } from './answer.js';
export { ObservationCache } from './cache.js';
export type { CacheOptions, CacheStats, JobObservations } from './cache.js';
export { KeyedSerial } from './serial.js';

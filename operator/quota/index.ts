export * from './errors.js';
export * from './store.js';
export { MemoryQuotaBackend, MemoryQuotaStore } from './memory-store.js';
export { RedisQuotaStore } from './redis-store.js';
export { QUOTA_KEY_PREFIX, tenantKeys, type TenantKeys } from './keys.js';
export { parseQuantity, toUnits, unitScale, type Quantity, type Rounding } from './quantity.js';
export {
  combine,
  equalResources,
  isResourceName,
  shortfalls,
  total,
  type Resources,
  type Shortfall,
} from './resources.js';
export { containerRequests, podDemand } from './demand.js';
export {
  DEFAULT_TENANT,
  formatLimitsError,
  limitsFor,
  nextLimits,
  QUOTA_CONFIGMAP,
  type LimitsError,
  type NextLimits,
  type QuotaLimits,
} from './limits.js';
export {
  dominantShare,
  planAdmission,
  type AdmissionCandidate,
  type AdmissionInput,
  type AdmissionPlan,
  type QueuedCandidate,
} from './admission.js';
export {
  quotaSamples,
  registerQuotaGauges,
  type QuotaGaugeSource,
  type QuotaSample,
  type TenantQuota,
} from './metrics.js';

/** Typed errors of the quota module; callers test the class or `code`, never the message text. */
import { UltronError } from '../errors.js';

/** A text that is not a Kubernetes quantity ("500m", "2", "1Gi", "1.5", "1e3"), or one out of range. */
export class InvalidQuantity extends UltronError {
  constructor(
    readonly text: string,
    reason: string,
  ) {
    super('InvalidQuantity', `invalid quantity '${text}': ${reason}`);
  }
}

/** Units, a resource name or a tenant handed to a store that it cannot count (a caller's bug). */
export class InvalidQuotaInput extends UltronError {
  constructor(message: string) {
    super('InvalidQuotaInput', message);
  }
}

/**
 * The quota backend could not answer (Redis unreachable, loading, cluster down, or a script failed):
 * nothing can be admitted until it answers again; running trials are unaffected. `cause` holds the
 * client's error.
 */
export class QuotaUnavailable extends UltronError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('QuotaUnavailable', message);
    if (options && 'cause' in options) this.cause = options.cause;
  }
}

/**
 * An acquire that named an epoch found the store not reconciled under it (its data was lost, or another
 * replica reconciled since): nothing was granted; reconcile, then ask again.
 */
export class QuotaNotReconciled extends UltronError {
  constructor(message: string) {
    super('QuotaNotReconciled', message);
  }
}

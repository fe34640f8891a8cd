/** Typed errors of the pure core; callers test the class or `code`, never the message text. */
import { UltronError } from '../errors.js';

export { UltronError };

/** A sampler has no configuration left to give (grid done, all categorical combinations used). */
export class SpaceExhausted extends UltronError {
  constructor(message = 'the search space is exhausted') {
    super('SpaceExhausted', message);
  }
}

/** A configuration does not belong to the space; `errors` name the parameter of each problem. */
export class InvalidConfiguration extends UltronError {
  constructor(readonly errors: string[]) {
    super('InvalidConfiguration', `invalid configuration: ${errors.join('; ')}`);
  }
}

/** Sampler or scheduler settings are wrong; the message names the setting. */
export class InvalidSettings extends UltronError {
  constructor(message: string) {
    super('InvalidSettings', message);
  }
}

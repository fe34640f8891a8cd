/** Validation hooks that check sampler and scheduler settings with the built-in factories. */
import type { ValidationHooks } from '../api/validation.js';
import { UltronError } from './errors.js';
import { getSamplerFactory } from './samplers/registry.js';
import { getSchedulerFactory } from './stopping/registry.js';

function problems(run: () => void): string[] {
  try {
    run();
    return [];
  } catch (e) {
    if (e instanceof UltronError) return [e.message];
    throw e;
  }
}

export const builtinValidationHooks: ValidationHooks = {
  // A name that is not built in is a custom sampler: its settings are its own business.
  validateSamplerSettings: (name, settings) => {
    const factory = getSamplerFactory(name);
    return factory ? problems(() => factory.validateSettings(settings)) : [];
  },
  validateSchedulerSettings: (name, settings) => {
    const factory = getSchedulerFactory(name);
    return factory ? problems(() => factory.validateSettings(settings)) : [];
  },
};

/** No early stopping: every trial runs to its end. Takes no settings. */
import type { JsonObject } from '../../api/types.js';
import { rejectUnknownSettings } from '../samplers/settings.js';
import type { SchedulerFactory } from './types.js';

export const noneSchedulerFactory: SchedulerFactory = {
  name: 'none',
  validateSettings: (settings: JsonObject) => rejectUnknownSettings('earlyStopping none', settings, []),
  create: () => ({ name: 'none', decide: () => [] }),
};

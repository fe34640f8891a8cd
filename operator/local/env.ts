/** What only the local runner needs of a job's trainer (the shared contract is core/trial/env.ts). */
import type { HPOJobSpec } from '../api/index.js';
import { trainerContainerIndex } from '../api/rules.js';
import type { ValidationError } from '../api/validation.js';

/**
 * What only the local runner needs of a valid job: the trainer's command. In a cluster the image's
 * entrypoint may start training (ARCHITECTURE §3), so the API does not require it.
 */
export function localRunErrors(spec: HPOJobSpec): ValidationError[] {
  const containers = spec.trialTemplate.template.spec.containers;
  const t = trainerContainerIndex(containers);
  if (containers[t]?.command?.length) return [];
  return [
    {
      path: `spec.trialTemplate.template.spec.containers[${t}].command`,
      message:
        "the local runner needs the trainer's command (it does not use the image or its entrypoint); " +
        'add e.g. command: [python3, train.py]',
    },
  ];
}

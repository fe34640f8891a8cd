/** A new Trial for a suggested configuration, pure: deterministic name, owner, labels and seed. */
import {
  API_GROUP_VERSION,
  LABELS,
  trialName,
  type HPOJob,
  type ParamConfig,
  type ResolvedHPOJobSpec,
  type Trial,
} from '../../api/index.js';
import { trialSeed } from '../../core/trial/index.js';

export function newTrial(job: HPOJob, spec: ResolvedHPOJobSpec, index: number, params: ParamConfig): Trial {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'Trial',
    metadata: {
      name: trialName(job.metadata.name, index),
      namespace: job.metadata.namespace ?? 'default',
      labels: { [LABELS.hpoJob]: job.metadata.name, [LABELS.index]: String(index) },
      ownerReferences: [
        {
          apiVersion: API_GROUP_VERSION,
          kind: 'HPOJob',
          name: job.metadata.name,
          uid: job.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      hpoJob: job.metadata.name,
      index,
      params,
      seed: trialSeed(spec.seed, index),
    },
  };
}

/**
 * The configuration with its keys in the spec's parameter order, for status.paramsSummary (the API server
 * stores a Trial's params with their keys sorted).
 */
export function inSpecOrder(spec: ResolvedHPOJobSpec, params: ParamConfig): ParamConfig {
  const out: ParamConfig = {};
  for (const p of spec.parameters) if (Object.hasOwn(params, p.name)) out[p.name] = params[p.name]!;
  for (const [k, v] of Object.entries(params)) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

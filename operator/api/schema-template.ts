/**
 * The trial template's table (HPOJob spec.trialTemplate): retries, checkpoints and the pod, of which
 * Ultron reads only the containers' names, commands and arguments. Part of schema.ts.
 */
import { DEFAULTS } from './defaults.js';
import { dnsLabel, MAX_CONTAINERS, type ArraySchema, type ObjectSchema } from './schema-types.js';

const stringList = (description: string): ArraySchema => ({
  type: 'array',
  items: { type: 'string' },
  description,
});

export const CONTAINER_SCHEMA: ObjectSchema = {
  type: 'object',
  preserveUnknownFields: true,
  description:
    'A core/v1 Container. Each gets ULTRON_PARAM_<NAME>, ULTRON_PARAMS, ULTRON_TRIAL, ULTRON_SEED, ' +
    'ULTRON_CHECKPOINT_DIR and ULTRON_METRICS_FILE in its environment; $(ULTRON_PARAM_<NAME>) in command ' +
    'and args expands to the value.',
  properties: {
    name: dnsLabel({
      required: true,
      description:
        'Container name (a DNS-1123 label), unique in the pod; trainer marks the training container.',
    }),
    command: stringList("The entrypoint; default: the image's."),
    args: stringList("Arguments to the entrypoint; default: the image's."),
  },
};

export const TRIAL_TEMPLATE_SCHEMA: ObjectSchema = {
  type: 'object',
  required: true,
  description: 'How each trial runs: its pod, and what happens when it fails or is preempted.',
  properties: {
    retries: {
      type: 'integer',
      minimum: 0,
      default: DEFAULTS.retries,
      description: `How many times a trial is restarted after it fails (the worker Job's backoffLimit); preemptions and evictions never count. Default: ${DEFAULTS.retries}.`,
    },
    cache: {
      type: 'boolean',
      default: DEFAULTS.cache,
      description: `Reuse the result of an earlier successful trial of the same tenant with the same parameters, pod template and objective metric instead of running (the trial is Succeeded with reason Cached). Default: ${DEFAULTS.cache}.`,
    },
    checkpoint: {
      type: 'object',
      default: {},
      description:
        'Checkpoints, so a restarted or preempted trial resumes from its last complete step; the trainer ' +
        'writes them under ULTRON_CHECKPOINT_DIR.',
      properties: {
        enabled: {
          type: 'boolean',
          default: DEFAULTS.checkpointEnabled,
          description: `Whether trials keep checkpoints. Default: ${DEFAULTS.checkpointEnabled}.`,
        },
        keep: {
          type: 'integer',
          minimum: 1,
          default: DEFAULTS.checkpointKeep,
          description: `How many complete checkpoint steps to keep per trial (older ones are deleted). Default: ${DEFAULTS.checkpointKeep}.`,
        },
        deleteOnFinish: {
          type: 'boolean',
          default: DEFAULTS.checkpointDeleteOnFinish,
          description: `Delete the job's checkpoints from the object store when the HPOJob is deleted. Default: ${DEFAULTS.checkpointDeleteOnFinish} (they are kept: final models are often what you want).`,
        },
      },
    },
    template: {
      type: 'object',
      required: true,
      preserveUnknownFields: true,
      description:
        'The pod that runs one trial, a core/v1 PodTemplateSpec: the training code comes from the image or from ' +
        'a package mounted into it (a ConfigMap, S3). The API server checks the pod when the worker Job is created.',
      properties: {
        spec: {
          type: 'object',
          required: true,
          preserveUnknownFields: true,
          description: 'The pod spec, a core/v1 PodSpec.',
          properties: {
            containers: {
              type: 'array',
              required: true,
              minItems: 1,
              maxItems: MAX_CONTAINERS,
              items: CONTAINER_SCHEMA,
              description: `The pod's containers, at least one and at most ${MAX_CONTAINERS}; with more than one, the one named trainer trains (the others are sidecars).`,
            },
          },
        },
      },
    },
  },
};

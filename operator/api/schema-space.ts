/**
 * The search space's table: one hyperparameter (HPOJob spec.parameters[*]). Part of schema.ts.
 */
import { NAME_PATTERN, type ArraySchema, type ObjectSchema } from './schema-types.js';

const scalarValues = (what: string): ArraySchema => ({
  type: 'array',
  minItems: 1,
  items: { type: 'scalar', description: 'A string, number or boolean.' },
  description: what,
});

export const PARAMETER_SCHEMA: ObjectSchema = {
  type: 'object',
  description: 'One hyperparameter: its name, its type and the range or choices it is drawn from.',
  properties: {
    name: {
      type: 'string',
      required: true,
      pattern: NAME_PATTERN,
      patternHint:
        'an identifier (letters, digits and _, not starting with a digit; it becomes ULTRON_PARAM_<NAME>)',
      maxLength: 63,
      description:
        'Name of the hyperparameter: letters, digits and _, not starting with a digit, at most 63 characters. ' +
        'The trainer reads its value from the environment variable ULTRON_PARAM_<NAME> (upper-cased, so names ' +
        'must differ in more than case) and all values as JSON from ULTRON_PARAMS.',
    },
    type: {
      type: 'string',
      required: true,
      enum: ['float', 'int', 'categorical'],
      description:
        'float: a real number between min and max; int: a whole number between min and max; ' +
        'categorical: one of values.',
    },
    min: {
      type: 'number',
      description:
        'Smallest value, inclusive (float and int only, required for them). A whole number for int; ' +
        'greater than 0 when log is true.',
    },
    max: {
      type: 'number',
      description:
        'Largest value, inclusive (float and int only, required for them); greater than min. A whole number for int.',
    },
    log: {
      type: 'boolean',
      description:
        'Search on a logarithmic scale, for ranges spanning orders of magnitude such as a learning rate from ' +
        '1e-5 to 1e-1 (float and int; needs min > 0, not combined with step). Default: false.',
    },
    step: {
      type: 'number',
      exclusiveMinimum: 0,
      description:
        'Only values min, min + step, min + 2·step, ... up to max are tried (float and int; greater than 0 ' +
        'and at most max - min; a whole number for int). Needed on every float when the sampler is grid. ' +
        'Default: none (any value in the range; every whole number for int).',
    },
    values: {
      ...scalarValues(
        'The choices of a categorical parameter (required for it, not allowed for float and int): strings, ' +
          'numbers or booleans, at least one, no duplicates. Samplers treat them as unordered labels.',
      ),
      unique: true,
    },
    when: {
      type: 'object',
      minProperties: 1,
      additionalProperties: scalarValues(
        'Values of the named categorical parameter for which this parameter is active.',
      ),
      description:
        'Makes the parameter conditional: it is sampled, and passed to the trainer, only in trials where each ' +
        'named categorical parameter (one listed earlier) has one of the listed values; in other trials it is ' +
        'absent. Example: {optimizer: [sgd]} on momentum. Default: always active.',
    },
  },
};

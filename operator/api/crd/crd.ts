/**
 * The HPOJob and Trial CustomResourceDefinitions (ARCHITECTURE §3) as plain objects, generated from the
 * one source in operator/api: the schema tables (schema.ts), the cross-field rules (rules.ts), the
 * immutable fields (immutable.ts) and the defaults (defaults.ts, through the tables). Pure.
 */
import { HPOJOB_SCHEMA, TRIAL_SCHEMA, type ObjectSchema } from '../schema.js';
import { API_GROUP, API_VERSION } from '../types.js';
import { rootSchema, type JsonSchemaProps } from './openapi.js';
import { attachRules, type Kind } from './placement.js';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'date';
  jsonPath: string;
  description: string;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: {
      kind: Kind;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    versions: {
      name: string;
      served: true;
      storage: true;
      schema: { openAPIV3Schema: JsonSchemaProps };
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

const AGE: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since the object was created.',
};

function crd(
  kind: Kind,
  plural: string,
  shortName: string,
  schema: ObjectSchema,
  columns: PrinterColumn[],
): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: kind.toLowerCase(),
        shortNames: [shortName],
        categories: ['ultron'],
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: attachRules(rootSchema(schema), kind) },
          // The operator writes status through the subresource, so it never touches a user's spec.
          subresources: { status: {} },
          additionalPrinterColumns: [...columns, AGE],
        },
      ],
    },
  };
}

export function hpojobCrd(): CustomResourceDefinition {
  return crd('HPOJob', 'hpojobs', 'hpo', HPOJOB_SCHEMA, [
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'Pending, Running, Succeeded or Failed.',
    },
    {
      name: 'Progress',
      type: 'string',
      jsonPath: '.status.progress',
      description: 'Finished trials of maxTrials.',
    },
    {
      name: 'Running',
      type: 'integer',
      jsonPath: '.status.trials.running',
      description: 'Trials running now.',
    },
    {
      name: 'Best',
      type: 'number',
      jsonPath: '.status.best.objective',
      description: 'The best objective so far.',
    },
    { name: 'Sampler', type: 'string', jsonPath: '.spec.sampler.name', description: 'The search algorithm.' },
  ]);
}

export function trialCrd(): CustomResourceDefinition {
  return crd('Trial', 'trials', 'tr', TRIAL_SCHEMA, [
    {
      name: 'HPOJob',
      type: 'string',
      jsonPath: '.spec.hpoJob',
      description: 'The job the trial belongs to.',
    },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: "The trial's phase." },
    {
      name: 'Objective',
      type: 'number',
      jsonPath: '.status.objective',
      description: "The trial's objective.",
    },
    { name: 'Params', type: 'string', jsonPath: '.status.paramsSummary', description: 'Its parameters.' },
    {
      name: 'Restarts',
      type: 'integer',
      jsonPath: '.status.restarts',
      description: 'Restarts after failures.',
    },
    {
      name: 'Cached',
      type: 'string',
      jsonPath: '.status.cachedFrom',
      description: 'The trial whose result this one reused (score cache).',
    },
  ]);
}

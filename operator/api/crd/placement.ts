/**
 * Where each cross-field rule of rules.ts (and each immutable field of immutable.ts) goes in a CRD's
 * schema, as `x-kubernetes-validations`, with the rule's own message and a `fieldPath`, so the API server
 * names the field `ultron validate` names.
 *
 * CEL cannot name item i of a list: a rule over a whole list (names unique, `when` refers to an earlier
 * categorical, container names unique) and a rule over the spec that names a parameter are reported at
 * the list, as is a repeated value of a `unique` list. There the API server's path is the rule's location
 * and ultron validate's path starts with it (`spec.parameters` for `spec.parameters[2].name`);
 * `prefixLocations` lists them.
 */
import { IMMUTABLE } from '../immutable.js';
import {
  BUDGET_RULES,
  CONTAINER_LIST_RULES,
  PARAMETER_LIST_RULES,
  PARAMETER_RULES,
  SPEC_RULES,
  TRIAL_RULES,
} from '../rules.js';
import { DUPLICATE_VALUE } from '../schema-check.js';
import { HPOJOB_SCHEMA, TRIAL_SCHEMA, type FieldSchema } from '../schema.js';
import type { JsonSchemaProps, ValidationRule } from './openapi.js';

export type Kind = 'HPOJob' | 'Trial';

export interface PlacedRule {
  /** The schema node, as a path pattern: '' is the root, `[*]` the items of a list. */
  at: string;
  rule: ValidationRule;
  /** The API server reports the rule at a list or object that holds the field ultron validate names. */
  prefixOnly: boolean;
}

const field = (name: string): string => `.${name}`;

export function placedRules(kind: Kind): PlacedRule[] {
  const immutable = IMMUTABLE.filter((f) => f.kind === kind).map((f): PlacedRule => ({
    at: 'spec',
    rule: { rule: f.cel, message: f.message, fieldPath: field(f.field) },
    prefixOnly: false,
  }));
  if (kind === 'Trial')
    return [
      ...TRIAL_RULES.map((r) => ({
        at: r.at,
        rule: { rule: r.cel, message: r.message, fieldPath: field(r.field) },
        prefixOnly: false,
      })),
      ...immutable,
    ];
  const objectRules = [...PARAMETER_RULES, ...BUDGET_RULES].map((r): PlacedRule => ({
    at: r.at,
    rule: { rule: r.cel, message: r.message, fieldPath: field(r.field) },
    prefixOnly: false,
  }));
  const listRules = [...PARAMETER_LIST_RULES, ...CONTAINER_LIST_RULES].map((r): PlacedRule => ({
    at: r.at,
    rule: { rule: r.cel, message: r.message },
    prefixOnly: true,
  }));
  const specRules = SPEC_RULES.map((r): PlacedRule => ({
    at: r.at,
    rule: { rule: r.cel, message: r.message, fieldPath: r.fieldPath },
    prefixOnly: true,
  }));
  return [...objectRules, ...listRules, ...specRules, ...immutable];
}

/** The schema node at a path pattern (`spec.parameters[*]`); throws when the schema has no such node. */
export function nodeAt(root: JsonSchemaProps, at: string): JsonSchemaProps {
  let node = root;
  for (const part of at.match(/[^.[\]]+|\[\*\]/g) ?? []) {
    const next = part === '[*]' ? node.items : node.properties?.[part];
    if (!next) throw new Error(`no schema node at ${at} (${part})`);
    node = next;
  }
  return node;
}

/** Adds the kind's rules to its root schema, in table order. */
export function attachRules(root: JsonSchemaProps, kind: Kind): JsonSchemaProps {
  for (const { at, rule } of placedRules(kind)) {
    const node = nodeAt(root, at);
    node['x-kubernetes-validations'] = [...(node['x-kubernetes-validations'] ?? []), rule];
  }
  return root;
}

/** The paths of the `unique` lists in a table (their rule is reported at the list: openapi.ts). */
function uniqueLists(s: FieldSchema, path: string): string[] {
  if (s.type === 'array') return [...(s.unique ? [path] : []), ...uniqueLists(s.items, `${path}[*]`)];
  if (s.type !== 'object') return [];
  return Object.entries(s.properties ?? {}).flatMap(([k, v]) => uniqueLists(v, path ? `${path}.${k}` : k));
}

/**
 * Where the API server reports a rule at a list or object above the field ultron validate names: the
 * server's path (`spec.parameters`, `[*]` for any index) and the message it prints there.
 */
export function prefixLocations(kind: Kind): { path: string; message: string }[] {
  const rules = placedRules(kind)
    .filter((p) => p.prefixOnly)
    .map((p) => ({
      path: [p.at, p.rule.fieldPath?.slice(1)].filter(Boolean).join('.'),
      message: p.rule.message,
    }));
  const lists = uniqueLists(kind === 'HPOJob' ? HPOJOB_SCHEMA : TRIAL_SCHEMA, '');
  return [...rules, ...lists.map((path) => ({ path, message: DUPLICATE_VALUE }))];
}

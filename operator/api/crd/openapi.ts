/**
 * A field-schema table (schema-types.ts) as a structural OpenAPI v3 schema for a CRD: same types,
 * bounds, patterns, descriptions and defaults. Pure; `crd.ts` adds the CEL rules and the rest of the CRD.
 */
import { DUPLICATE_VALUE } from '../schema-check.js';
import type { FieldSchema, ObjectSchema } from '../schema-types.js';
import type { JsonValue } from '../types.js';

export interface ValidationRule {
  rule: string;
  message: string;
  /** Where the API server reports a failure, relative to the schema node carrying the rule. */
  fieldPath?: string;
}

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps the generator writes. */
export interface JsonSchemaProps {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  description?: string;
  properties?: Record<string, JsonSchemaProps>;
  required?: string[];
  additionalProperties?: JsonSchemaProps;
  items?: JsonSchemaProps;
  enum?: string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  default?: JsonValue;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: ValidationRule[];
}

const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * The OpenAPI schema of one table entry; `path` (for error messages) is where it sits. Every field needs
 * a description (kubectl explain shows it); the items of a list and the values of a map may go without.
 */
export function toOpenApi(s: FieldSchema, path: string): JsonSchemaProps {
  const isField = !/(\[\*\]|\.\*)$/.test(path);
  if (isField && !s.description) throw new Error(`${path || '(root)'}: no description`);
  const description = s.description;
  switch (s.type) {
    case 'string':
      return defined({
        type: 'string',
        description,
        enum: s.enum ? [...s.enum] : undefined,
        pattern: s.pattern,
        minLength: s.nonEmpty ? 1 : undefined,
        maxLength: s.maxLength,
        default: s.default,
      });
    case 'number':
    case 'integer':
      if (s.minimum !== undefined && s.exclusiveMinimum !== undefined)
        throw new Error(`${path}: minimum and exclusiveMinimum together`);
      return defined({
        type: s.type,
        description,
        // OpenAPI v3.0 (what CRDs speak) writes an exclusive bound as minimum + exclusiveMinimum: true.
        minimum: s.minimum ?? s.exclusiveMinimum,
        exclusiveMinimum: s.exclusiveMinimum !== undefined ? true : undefined,
        maximum: s.maximum,
        default: s.default,
      });
    case 'boolean':
      return defined({ type: 'boolean', description, default: s.default });
    case 'scalar':
      // Neither OpenAPI nor CEL can say "string, number or boolean" (schema-types.ts); a mapping or a
      // list with anything in it is refused by these two bounds, which apply only to their own types.
      return {
        description,
        'x-kubernetes-preserve-unknown-fields': true,
        maxProperties: 0,
        maxItems: 0,
      };
    case 'array': {
      if (s.unique && s.items.type !== 'scalar') throw new Error(`${path}: unique needs scalar items`);
      return defined({
        type: 'array',
        description,
        items: toOpenApi(s.items, `${path}[*]`),
        minItems: s.minItems,
        maxItems: s.maxItems,
      });
    }
    case 'object':
      return objectSchema(s, path, description);
  }
}

/**
 * The rule for a `unique` list, on the object holding it: CEL sees no untyped list (schema-types.ts), so
 * it reaches the list through dyn(). Not `x-kubernetes-list-type: set`, which names the duplicate but
 * makes the API server compare the list as a set: a reordered list would pass as unchanged, and the
 * order of a parameter's values is part of the search (the same seed proposes other trials).
 */
export const uniqueRule = (key: string): ValidationRule => ({
  rule: `!has(dyn(self).${key}) || dyn(self).${key}.all(v, dyn(self).${key}.exists_one(w, w == v))`,
  message: DUPLICATE_VALUE,
  fieldPath: `.${key}`,
});

function objectSchema(s: ObjectSchema, path: string, description: string | undefined): JsonSchemaProps {
  const props = Object.entries(s.properties ?? {});
  const required = props.filter(([, v]) => v.required).map(([k]) => k);
  const unique = props.filter(([, v]) => v.type === 'array' && v.unique).map(([k]) => uniqueRule(k));
  return defined({
    type: 'object',
    description,
    properties: props.length
      ? Object.fromEntries(props.map(([k, v]) => [k, toOpenApi(v, path ? `${path}.${k}` : k)]))
      : undefined,
    required: required.length ? required : undefined,
    additionalProperties: s.additionalProperties ? toOpenApi(s.additionalProperties, `${path}.*`) : undefined,
    minProperties: s.minProperties,
    default: s.default,
    'x-kubernetes-preserve-unknown-fields': s.preserveUnknownFields ? true : undefined,
    'x-kubernetes-validations': unique.length ? unique : undefined,
  });
}

/**
 * The root schema of a kind. `metadata` is special in a CRD: the API server validates ObjectMeta itself
 * and lets a schema restrict only name and generateName (no description, no other field); Ultron
 * restricts the name.
 */
export function rootSchema(s: ObjectSchema): JsonSchemaProps {
  const root = toOpenApi(s, '');
  const meta = s.properties?.['metadata'];
  const name = meta?.type === 'object' ? meta.properties?.['name'] : undefined;
  if (!root.properties || !name) throw new Error('the root needs metadata.name');
  root.properties['metadata'] = { type: 'object', properties: { name: toOpenApi(name, 'metadata.name') } };
  // The API server sets and checks apiVersion and kind (a wrong one matches no resource): no enum, so a
  // later version can be served from the same schema.
  for (const k of ['apiVersion', 'kind']) delete root.properties[k]?.enum;
  root.required = root.required?.filter((k) => k !== 'apiVersion' && k !== 'kind' && k !== 'metadata');
  if (!root.required?.length) delete root.required;
  return root;
}

/**
 * Checks a value against a `FieldSchema` table (schema.ts) and reports every problem with its field
 * path. It never throws, whatever the input: manifests come from users.
 */
import type { FieldSchema, ObjectSchema } from './schema-types.js';

export interface ValidationError {
  path: string;
  message: string;
}

/** The message of a repeated item of a `unique` list (the CRD's rule prints it too, without the value). */
export const DUPLICATE_VALUE = 'duplicate value';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** `a` + `b` → `a.b`; `a` + `[2]` → `a[2]`; '' + `b` → `b`. */
export function joinPath(base: string, key: string): string {
  if (key.startsWith('[')) return `${base}${key}`;
  return base ? `${base}.${key}` : key;
}

const show = (v: unknown): string =>
  typeof v === 'number' ? String(v) : v === null ? 'null' : Array.isArray(v) ? 'a list' : JSON.stringify(v);

/** Appends the problems of `value` under `path` to `out`; returns whether there were none. */
export function checkSchema(
  schema: FieldSchema,
  value: unknown,
  path: string,
  out: ValidationError[],
): boolean {
  const before = out.length;
  const add = (message: string, at = path): void => void out.push({ path: at, message });
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') {
        // YAML reads 3 and true as a number and a boolean; a string field wants them quoted.
        const hint = typeof value === 'number' || typeof value === 'boolean' ? ` (quote it: "${value}")` : '';
        add(`must be a string, got ${show(value)}${hint}`);
        break;
      }
      if (schema.nonEmpty && value === '') add('must not be empty');
      else if (schema.enum && !schema.enum.includes(value))
        add(
          schema.enum.length === 1
            ? `must be ${schema.enum[0]}, got ${show(value)}`
            : `must be one of ${schema.enum.join(', ')}, got ${show(value)}`,
        );
      else if (schema.pattern && !new RegExp(schema.pattern).test(value))
        add(`must be ${schema.patternHint ?? `matched by ${schema.pattern}`}, got ${show(value)}`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength)
        add(
          `must be at most ${schema.maxLength} characters, got ${value.length}` +
            (schema.maxLengthHint ? ` (${schema.maxLengthHint})` : ''),
        );
      break;
    }
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        add(`must be a finite number, got ${show(value)}`);
        break;
      }
      if (schema.type === 'integer' && !Number.isInteger(value)) add(`must be an integer, got ${value}`);
      else if (schema.minimum !== undefined && value < schema.minimum)
        add(`must be >= ${schema.minimum}, got ${value}`);
      else if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
        add(`must be > ${schema.exclusiveMinimum}, got ${value}`);
      else if (schema.maximum !== undefined && value > schema.maximum)
        add(`must be <= ${schema.maximum}, got ${value}`);
      break;
    }
    case 'boolean':
      if (typeof value !== 'boolean') add(`must be true or false, got ${show(value)}`);
      break;
    case 'scalar':
      if (!isScalar(value)) add(`must be a string, number or boolean, got ${show(value)}`);
      break;
    case 'array': {
      if (!Array.isArray(value)) {
        add(`must be a list, got ${show(value)}`);
        break;
      }
      if (schema.minItems !== undefined && value.length < schema.minItems)
        add(schema.minItems === 1 ? 'must not be empty' : `must have at least ${schema.minItems} items`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        add(`must have at most ${schema.maxItems} items, got ${value.length}`);
      value.forEach((item: unknown, i) => {
        const at = `${path}[${i}]`;
        if (!checkSchema(schema.items, item, at, out)) return;
        if (schema.unique && value.findIndex((v: unknown) => v === item) !== i)
          add(`${DUPLICATE_VALUE} ${show(item)}`, at);
      });
      break;
    }
    case 'object':
      checkObject(schema, value, path, out);
      break;
  }
  return out.length === before;
}

function checkObject(schema: ObjectSchema, value: unknown, path: string, out: ValidationError[]): void {
  if (!isObj(value)) {
    out.push({ path, message: `must be a mapping, got ${show(value)}` });
    return;
  }
  const props = schema.properties ?? {};
  for (const [key, sub] of Object.entries(props)) {
    const at = joinPath(path, key);
    if (value[key] === undefined) {
      if (sub.required) out.push({ path: at, message: 'required' });
    } else checkSchema(sub, value[key], at, out);
  }
  if (schema.minProperties !== undefined && Object.keys(value).length < schema.minProperties)
    out.push({ path, message: `must have at least ${schema.minProperties} entry` });
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(props, key)) continue;
    if (schema.additionalProperties)
      checkSchema(schema.additionalProperties, value[key], joinPath(path, key), out);
    else if (!schema.preserveUnknownFields)
      out.push({
        path: joinPath(path, key),
        message: `unknown field (allowed: ${Object.keys(props).join(', ')})`,
      });
  }
}

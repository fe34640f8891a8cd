/**
 * Validation of HPOJob and Trial documents. Every error names the field path, e.g.
 * `spec.parameters[2].min: must be > 0 when log is true`. The structure comes from the tables in
 * schema.ts, the rules across fields from rules.ts (each with its CEL mirror for the CRD); this file
 * only puts them together, in the order a reader fixes things: structure first, then cross-field rules.
 */
import { UltronError } from '../errors.js';
import {
  BUDGET_RULES,
  CONTAINER_LIST_RULES,
  PARAMETER_LIST_RULES,
  PARAMETER_RULES,
  SPEC_RULES,
  TRIAL_RULES,
  type ListRule,
  type ObjectRule,
} from './rules.js';
import { HPOJOB_SCHEMA, TRIAL_SCHEMA } from './schema.js';
import { checkSchema, isObj, joinPath, type Obj, type ValidationError } from './schema-check.js';
import type { HPOJob, JsonObject, Trial } from './types.js';

export type { ValidationError } from './schema-check.js';

/** `spec.parameters[2].min: must be > 0 when log is true` */
export function formatError(e: ValidationError): string {
  return `${e.path}: ${e.message}`;
}

/** A manifest that does not validate; `errors` name each offending field. */
export class InvalidManifest extends UltronError {
  constructor(readonly errors: ValidationError[]) {
    super('InvalidManifest', errors.map(formatError).join('\n'));
  }
}

/**
 * Settings checks that belong to the sampler and scheduler factories. Each returns problems as
 * `<setting>: <message>` (the setting joins the path) or as a plain message about the settings.
 */
export interface ValidationHooks {
  validateSamplerSettings?: (name: string, settings: JsonObject) => string[];
  validateSchedulerSettings?: (name: string, settings: JsonObject) => string[];
}

/** No error at `path` or below it: its cross-field rules may trust the field types. */
function clean(errors: readonly ValidationError[], path: string): boolean {
  return !errors.some(
    (e) => e.path === path || e.path.startsWith(`${path}.`) || e.path.startsWith(`${path}[`),
  );
}

function applyObjectRules<T>(
  rules: readonly ObjectRule<T>[],
  self: unknown,
  path: string,
  out: ValidationError[],
): void {
  for (const rule of rules)
    if (!rule.check(self as T)) out.push({ path: joinPath(path, rule.field), message: rule.message });
}

function applyListRules(
  rules: readonly ListRule<Obj>[],
  list: unknown,
  path: string,
  out: ValidationError[],
): void {
  if (!Array.isArray(list)) return;
  const items = list.map((x: unknown) => (isObj(x) ? x : {}));
  for (const rule of rules)
    for (const v of rule.violations(items))
      out.push({
        path: v.at ? joinPath(path, v.at) : path,
        message: v.detail ? `${rule.message} (${v.detail})` : rule.message,
      });
}

function applySettingsHook(
  hook: ((name: string, settings: JsonObject) => string[]) | undefined,
  block: unknown,
  path: string,
  out: ValidationError[],
): void {
  if (!hook || !isObj(block) || !clean(out, path) || typeof block['name'] !== 'string') return;
  for (const problem of hook(block['name'], (block['settings'] ?? {}) as JsonObject)) {
    const m = /^([A-Za-z0-9_]+): (.*)$/s.exec(problem);
    if (m) out.push({ path: `${path}.settings.${m[1]}`, message: m[2]! });
    else out.push({ path: `${path}.settings`, message: problem });
  }
}

/** Every problem with an HPOJob document (empty when valid). Never throws. */
export function validateHPOJob(doc: unknown, hooks: ValidationHooks = {}): ValidationError[] {
  if (!isObj(doc)) return [{ path: '(document)', message: 'must be a YAML mapping (an HPOJob)' }];
  const out: ValidationError[] = [];
  checkSchema(HPOJOB_SCHEMA, doc, '', out);
  const spec = doc['spec'];
  if (!isObj(spec)) return out;

  const params = spec['parameters'];
  if (Array.isArray(params)) {
    params.forEach((p: unknown, i) => {
      const at = `spec.parameters[${i}]`;
      if (isObj(p) && clean(out, at)) applyObjectRules(PARAMETER_RULES, p, at, out);
    });
    applyListRules(PARAMETER_LIST_RULES, params, 'spec.parameters', out);
  }
  if (isObj(spec['budget']) && clean(out, 'spec.budget'))
    applyObjectRules(BUDGET_RULES, spec['budget'], 'spec.budget', out);

  const template = isObj(spec['trialTemplate']) ? spec['trialTemplate']['template'] : undefined;
  const podSpec = isObj(template) ? template['spec'] : undefined;
  if (isObj(podSpec))
    applyListRules(
      CONTAINER_LIST_RULES,
      podSpec['containers'],
      'spec.trialTemplate.template.spec.containers',
      out,
    );

  if (clean(out, 'spec.sampler') && clean(out, 'spec.parameters'))
    for (const rule of SPEC_RULES)
      for (const v of rule.violations(spec))
        out.push({ path: joinPath(rule.at, v.at), message: rule.message });

  applySettingsHook(hooks.validateSamplerSettings, spec['sampler'], 'spec.sampler', out);
  applySettingsHook(hooks.validateSchedulerSettings, spec['earlyStopping'], 'spec.earlyStopping', out);
  return out;
}

/** Every problem with a Trial document (empty when valid). Never throws. */
export function validateTrial(doc: unknown): ValidationError[] {
  if (!isObj(doc)) return [{ path: '(document)', message: 'must be a YAML mapping (a Trial)' }];
  const out: ValidationError[] = [];
  checkSchema(TRIAL_SCHEMA, doc, '', out);
  if (clean(out, 'metadata') && clean(out, 'spec')) applyObjectRules(TRIAL_RULES, doc, '', out);
  return out;
}

/** The typed job when the document is valid, else the errors. */
export function parseHPOJob(
  doc: unknown,
  hooks: ValidationHooks = {},
): { job?: HPOJob; errors: ValidationError[] } {
  const errors = validateHPOJob(doc, hooks);
  return errors.length ? { errors } : { job: doc as HPOJob, errors };
}

/** The typed Trial when the document is valid, else the errors. */
export function parseTrial(doc: unknown): { trial?: Trial; errors: ValidationError[] } {
  const errors = validateTrial(doc);
  return errors.length ? { errors } : { trial: doc as Trial, errors };
}

/** The typed job, or an `InvalidManifest` naming every problem. */
export function requireHPOJob(doc: unknown, hooks: ValidationHooks = {}): HPOJob {
  const { job, errors } = parseHPOJob(doc, hooks);
  if (!job) throw new InvalidManifest(errors);
  return job;
}

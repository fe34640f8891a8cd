/**
 * Validation of HPOJob and Trial documents. Every error names the field path, e.g.
 * `spec.parameters[2].min: must be > 0 when log is true`. Structural checks (types, required fields,
 * enums, unknown fields) are here; cross-field rules come from rules.ts, shared with the CRD.
 */
import { UltronError } from '../core/errors.js';
import { DURATION_PATTERN } from './defaults.js';
import { DNS_LABEL_PATTERN, NAME_PATTERN, PARAMETER_LIST_RULES, PARAMETER_RULES } from './rules.js';
import {
  API_GROUP_VERSION,
  EARLY_STOPPING_NAMES,
  type HPOJob,
  type JsonObject,
  type Parameter,
  type Trial,
} from './types.js';

export interface ValidationError {
  path: string;
  message: string;
}

export function formatError(e: ValidationError): string {
  return `${e.path}: ${e.message}`;
}

export class InvalidManifest extends UltronError {
  constructor(readonly errors: ValidationError[]) {
    super('InvalidManifest', errors.map(formatError).join('\n'));
  }
}

export interface ValidationHooks {
  /** Problems with the sampler's settings (messages start with the setting name). */
  validateSamplerSettings?: (name: string, settings: JsonObject) => string[];
  validateSchedulerSettings?: (name: string, settings: JsonObject) => string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): boolean => ['string', 'number', 'boolean'].includes(typeof v);

class Checker {
  readonly errors: ValidationError[] = [];
  add(path: string, message: string): void {
    this.errors.push({ path, message });
  }
  object(v: unknown, path: string, required = true): v is Obj {
    if (v === undefined) {
      if (required) this.add(path, 'required');
      return false;
    }
    if (!isObj(v)) {
      this.add(path, 'must be an object');
      return false;
    }
    return true;
  }
  known(o: Obj, path: string, fields: readonly string[]): void {
    for (const k of Object.keys(o))
      if (!fields.includes(k)) this.add(`${path}.${k}`, `unknown field (allowed: ${fields.join(', ')})`);
  }
  string(
    o: Obj,
    key: string,
    path: string,
    opts: { required?: boolean; pattern?: string; max?: number; oneOf?: readonly string[] } = {},
  ): string | undefined {
    const v = o[key];
    const at = `${path}.${key}`;
    if (v === undefined) {
      if (opts.required) this.add(at, 'required');
      return undefined;
    }
    if (typeof v !== 'string' || v === '') {
      this.add(at, 'must be a non-empty string');
      return undefined;
    }
    if (opts.oneOf && !opts.oneOf.includes(v))
      this.add(at, `must be one of ${opts.oneOf.join(', ')}, got ${JSON.stringify(v)}`);
    else if (opts.pattern && !new RegExp(opts.pattern).test(v))
      this.add(at, `${JSON.stringify(v)} must match ${opts.pattern}`);
    if (opts.max !== undefined && v.length > opts.max) this.add(at, `must be at most ${opts.max} characters`);
    return v;
  }
  number(
    o: Obj,
    key: string,
    path: string,
    opts: { required?: boolean; integer?: boolean; min?: number; above?: number; below?: number } = {},
  ): number | undefined {
    const v = o[key];
    const at = `${path}.${key}`;
    if (v === undefined) {
      if (opts.required) this.add(at, 'required');
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.add(at, `must be a finite number, got ${JSON.stringify(v)}`);
      return undefined;
    }
    if (opts.integer && !Number.isInteger(v)) this.add(at, `must be an integer, got ${v}`);
    else if (opts.min !== undefined && v < opts.min) this.add(at, `must be >= ${opts.min}, got ${v}`);
    else if (opts.above !== undefined && v <= opts.above) this.add(at, `must be > ${opts.above}, got ${v}`);
    else if (opts.below !== undefined && v >= opts.below) this.add(at, `must be < ${opts.below}, got ${v}`);
    return v;
  }
  boolean(o: Obj, key: string, path: string): void {
    if (o[key] !== undefined && typeof o[key] !== 'boolean')
      this.add(`${path}.${key}`, 'must be true or false');
  }
}

const SPEC_FIELDS = [
  'objective',
  'parameters',
  'sampler',
  'earlyStopping',
  'budget',
  'parallelism',
  'seed',
  'queue',
  'trialTemplate',
];
const PARAM_FIELDS = ['name', 'type', 'min', 'max', 'log', 'step', 'values', 'when'];

function checkMetadata(c: Checker, doc: Obj): void {
  if (!c.object(doc['metadata'], 'metadata')) return;
  const meta = doc['metadata'] as Obj;
  // Trials are named <job>-<index>, so the job name leaves room for the index within 63 characters.
  c.string(meta, 'name', 'metadata', { required: true, pattern: DNS_LABEL_PATTERN, max: 52 });
  if (meta['namespace'] !== undefined)
    c.string(meta, 'namespace', 'metadata', { pattern: DNS_LABEL_PATTERN, max: 63 });
}

function checkParameters(c: Checker, value: unknown): void {
  const path = 'spec.parameters';
  if (value === undefined) return c.add(path, 'required: at least one parameter');
  if (!Array.isArray(value)) return c.add(path, 'must be a list');
  if (value.length === 0) return c.add(path, 'must have at least one parameter');
  const seen = new Map<string, number>();
  const seenUpper = new Map<string, number>();
  value.forEach((raw: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!c.object(raw, at)) return;
    c.known(raw, at, PARAM_FIELDS);
    const name = c.string(raw, 'name', at, { required: true, pattern: NAME_PATTERN, max: 63 });
    const type = c.string(raw, 'type', at, { required: true, oneOf: ['float', 'int', 'categorical'] });
    if (name !== undefined) {
      if (seen.has(name))
        c.add(
          `${at}.name`,
          `${PARAMETER_LIST_RULES.uniqueNames.message}: '${name}' is also spec.parameters[${seen.get(name)}]`,
        );
      else if (seenUpper.has(name.toUpperCase()))
        c.add(
          `${at}.name`,
          `${PARAMETER_LIST_RULES.uniqueEnvNames.message}: '${name}' clashes with spec.parameters[${seenUpper.get(name.toUpperCase())}]`,
        );
      seen.set(name, i);
      seenUpper.set(name.toUpperCase(), i);
    }
    if (type === undefined || !['float', 'int', 'categorical'].includes(type)) return;
    if (type !== 'categorical') {
      c.number(raw, 'min', at);
      c.number(raw, 'max', at);
      c.boolean(raw, 'log', at);
      c.number(raw, 'step', at, { above: 0 });
    } else if (raw['values'] !== undefined) {
      const values = raw['values'];
      if (!Array.isArray(values)) c.add(`${at}.values`, 'must be a list');
      else {
        values.forEach((v: unknown, j) => {
          if (!isScalar(v)) c.add(`${at}.values[${j}]`, 'must be a string, number or boolean');
          if (values.indexOf(v) !== j) c.add(`${at}.values[${j}]`, `duplicate value ${JSON.stringify(v)}`);
        });
      }
    }
    const numbersOk = ['min', 'max', 'step'].every(
      (k) => raw[k] === undefined || (typeof raw[k] === 'number' && Number.isFinite(raw[k])),
    );
    if (numbersOk) {
      for (const rule of PARAMETER_RULES)
        if (!rule.check(raw as unknown as Parameter)) c.add(`${at}.${rule.field}`, rule.message);
    }
    checkWhen(c, raw['when'], at, value as unknown[], i);
  });
}

function checkWhen(c: Checker, when: unknown, at: string, params: unknown[], i: number): void {
  if (when === undefined) return;
  if (!c.object(when, `${at}.when`)) return;
  if (Object.keys(when).length === 0) c.add(`${at}.when`, 'must name at least one parameter');
  for (const [parent, allowed] of Object.entries(when)) {
    const j = params.findIndex((p) => isObj(p) && p['name'] === parent);
    const target = params[j];
    if (j < 0 || j >= i || !isObj(target) || target['type'] !== 'categorical') {
      c.add(
        `${at}.when.${parent}`,
        `${PARAMETER_LIST_RULES.whenRefersToEarlierCategorical.message}${j >= i ? ` (it is spec.parameters[${j}], not earlier)` : ''}`,
      );
      continue;
    }
    if (!Array.isArray(allowed) || allowed.length === 0) {
      c.add(`${at}.when.${parent}`, 'must be a non-empty list of values');
      continue;
    }
    const values = Array.isArray(target['values']) ? (target['values'] as unknown[]) : [];
    allowed.forEach((v: unknown, k) => {
      if (!values.includes(v))
        c.add(`${at}.when.${parent}[${k}]`, `${JSON.stringify(v)} is not a value of '${parent}'`);
    });
  }
}

function checkNamedBlock(
  c: Checker,
  spec: Obj,
  key: 'sampler' | 'earlyStopping',
  hooks: ValidationHooks,
): void {
  const at = `spec.${key}`;
  if (!c.object(spec[key], at, false)) return;
  const block = spec[key] as Obj;
  c.known(block, at, ['name', 'settings']);
  const name = c.string(block, 'name', at, {
    required: true,
    ...(key === 'earlyStopping' ? { oneOf: EARLY_STOPPING_NAMES } : { pattern: DNS_LABEL_PATTERN }),
  });
  if (block['settings'] !== undefined && !isObj(block['settings']))
    return c.add(`${at}.settings`, 'must be an object');
  const hook = key === 'sampler' ? hooks.validateSamplerSettings : hooks.validateSchedulerSettings;
  if (!name || !hook) return;
  for (const problem of hook(name, (block['settings'] ?? {}) as JsonObject)) {
    // Hooks say "<setting>: <message>"; the setting joins the path.
    const m = /^([A-Za-z0-9_]+): (.*)$/s.exec(problem);
    if (m) c.add(`${at}.settings.${m[1]}`, m[2]!);
    else c.add(`${at}.settings`, problem);
  }
}

function checkTrialTemplate(c: Checker, value: unknown): void {
  const at = 'spec.trialTemplate';
  if (!c.object(value, at)) return;
  c.known(value, at, ['retries', 'checkpoint', 'template']);
  c.number(value, 'retries', at, { integer: true, min: 0 });
  if (c.object(value['checkpoint'], `${at}.checkpoint`, false)) {
    const cp = value['checkpoint'] as Obj;
    c.known(cp, `${at}.checkpoint`, ['enabled', 'keep']);
    c.boolean(cp, 'enabled', `${at}.checkpoint`);
    c.number(cp, 'keep', `${at}.checkpoint`, { integer: true, min: 1 });
  }
  if (!c.object(value['template'], `${at}.template`)) return;
  const tpl = value['template'] as Obj;
  if (!c.object(tpl['spec'], `${at}.template.spec`)) return;
  const containers = (tpl['spec'] as Obj)['containers'];
  const cat = `${at}.template.spec.containers`;
  if (!Array.isArray(containers) || containers.length === 0)
    return c.add(cat, 'must list at least one container (the trainer)');
  containers.forEach((ct: unknown, i) => {
    if (c.object(ct, `${cat}[${i}]`))
      c.string(ct, 'name', `${cat}[${i}]`, { required: true, pattern: DNS_LABEL_PATTERN });
  });
  const trainerIndex = Math.max(
    0,
    containers.findIndex((ct: unknown) => isObj(ct) && ct['name'] === 'trainer'),
  );
  const trainer = containers[trainerIndex];
  if (isObj(trainer)) {
    const cmd = trainer['command'];
    if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((s) => typeof s === 'string')) {
      c.add(`${cat}[${trainerIndex}].command`, 'the trainer container needs a command (a list of strings)');
    }
    const args = trainer['args'];
    if (args !== undefined && (!Array.isArray(args) || !args.every((s) => typeof s === 'string'))) {
      c.add(`${cat}[${trainerIndex}].args`, 'must be a list of strings (quote numbers)');
    }
  }
}

/** Every problem with an HPOJob document (empty when valid). */
export function validateHPOJob(doc: unknown, hooks: ValidationHooks = {}): ValidationError[] {
  const c = new Checker();
  if (!isObj(doc)) return [{ path: '(document)', message: 'must be a YAML mapping (an HPOJob)' }];
  if (doc['apiVersion'] !== API_GROUP_VERSION)
    c.add('apiVersion', `must be ${API_GROUP_VERSION}, got ${JSON.stringify(doc['apiVersion'])}`);
  if (doc['kind'] !== 'HPOJob') c.add('kind', `must be HPOJob, got ${JSON.stringify(doc['kind'])}`);
  checkMetadata(c, doc);
  if (!c.object(doc['spec'], 'spec')) return c.errors;
  const spec = doc['spec'] as Obj;
  c.known(spec, 'spec', SPEC_FIELDS);
  if (c.object(spec['objective'], 'spec.objective')) {
    const o = spec['objective'] as Obj;
    c.known(o, 'spec.objective', ['metric', 'direction', 'goal', 'strategy']);
    c.string(o, 'metric', 'spec.objective', { required: true, pattern: '^[A-Za-z_][A-Za-z0-9_./-]*$' });
    c.string(o, 'direction', 'spec.objective', { required: true, oneOf: ['minimize', 'maximize'] });
    c.number(o, 'goal', 'spec.objective');
    c.string(o, 'strategy', 'spec.objective', { oneOf: ['latest', 'best'] });
  }
  checkParameters(c, spec['parameters']);
  checkNamedBlock(c, spec, 'sampler', hooks);
  checkNamedBlock(c, spec, 'earlyStopping', hooks);
  if (c.object(spec['budget'], 'spec.budget', false)) {
    const b = spec['budget'] as Obj;
    c.known(b, 'spec.budget', ['maxTrials', 'maxFailedTrials', 'maxDuration', 'maxGpuHours']);
    c.number(b, 'maxTrials', 'spec.budget', { integer: true, min: 1 });
    c.number(b, 'maxFailedTrials', 'spec.budget', { integer: true, min: 0 });
    c.string(b, 'maxDuration', 'spec.budget', { pattern: DURATION_PATTERN });
    c.number(b, 'maxGpuHours', 'spec.budget', { above: 0 });
  }
  c.number(spec, 'parallelism', 'spec', { integer: true, min: 1 });
  c.number(spec, 'seed', 'spec', { integer: true, min: 0, below: 2 ** 32 });
  c.string(spec, 'queue', 'spec', { pattern: DNS_LABEL_PATTERN, max: 63 });
  checkTrialTemplate(c, spec['trialTemplate']);
  return c.errors;
}

/** Every problem with a Trial document. */
export function validateTrial(doc: unknown): ValidationError[] {
  const c = new Checker();
  if (!isObj(doc)) return [{ path: '(document)', message: 'must be a YAML mapping (a Trial)' }];
  if (doc['apiVersion'] !== API_GROUP_VERSION) c.add('apiVersion', `must be ${API_GROUP_VERSION}`);
  if (doc['kind'] !== 'Trial') c.add('kind', 'must be Trial');
  checkMetadata(c, doc);
  if (!c.object(doc['spec'], 'spec')) return c.errors;
  const spec = doc['spec'] as Obj;
  c.known(spec, 'spec', ['hpoJob', 'index', 'params', 'seed', 'stop']);
  c.string(spec, 'hpoJob', 'spec', { required: true, pattern: DNS_LABEL_PATTERN });
  c.number(spec, 'index', 'spec', { required: true, integer: true, min: 0 });
  c.number(spec, 'seed', 'spec', { required: true, integer: true, min: 0, below: 2 ** 32 });
  c.boolean(spec, 'stop', 'spec');
  if (c.object(spec['params'], 'spec.params')) {
    for (const [k, v] of Object.entries(spec['params'] as Obj))
      if (!isScalar(v)) c.add(`spec.params.${k}`, 'must be a string, number or boolean');
  }
  return c.errors;
}

/** Validates and returns the typed job, or the errors. */
export function parseHPOJob(
  doc: unknown,
  hooks: ValidationHooks = {},
): { job?: HPOJob; errors: ValidationError[] } {
  const errors = validateHPOJob(doc, hooks);
  return errors.length ? { errors } : { job: doc as HPOJob, errors };
}

export function parseTrial(doc: unknown): { trial?: Trial; errors: ValidationError[] } {
  const errors = validateTrial(doc);
  return errors.length ? { errors } : { trial: doc as Trial, errors };
}

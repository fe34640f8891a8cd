/**
 * Defaults of the HPOJob spec. The CRD schema (crds/) carries the same values as OpenAPI `default`s;
 * a test checks the two agree. `applyDefaults` never mutates its input (the operator never writes a
 * user's spec, ARCHITECTURE §3): it returns a new, fully resolved spec.
 */
import type {
  Budget,
  CheckpointSpec,
  EarlyStoppingSpec,
  HPOJobSpec,
  JsonObject,
  Objective,
  ObjectiveStrategy,
  SamplerSpec,
  TrialTemplate,
} from './types.js';

/**
 * The default sampler before `auto` (issue 10). A local run recorded without a sampler, whose spec names
 * none, ran it and resumes with it.
 */
export const PREVIOUS_DEFAULT_SAMPLER = 'tpe';

export const DEFAULTS = {
  objectiveStrategy: 'latest' as ObjectiveStrategy,
  /** gp or tpe, chosen from the space and budget (docs/samplers.md#auto); tpe until issue 10. */
  sampler: 'auto',
  earlyStopping: 'none',
  maxTrials: 100,
  maxFailedTrials: 5,
  parallelism: 1,
  retries: 3,
  checkpointEnabled: true,
  checkpointKeep: 3,
  checkpointDeleteOnFinish: false,
  cache: true,
} as const;

export type ResolvedObjective = Required<Pick<Objective, 'metric' | 'direction' | 'strategy'>> &
  Pick<Objective, 'goal'>;
export type ResolvedBudget = Required<Pick<Budget, 'maxTrials' | 'maxFailedTrials'>> &
  Pick<Budget, 'maxDuration' | 'maxGpuHours'> & {
    /** maxDuration parsed to milliseconds. */
    maxDurationMs?: number;
  };

export interface ResolvedHPOJobSpec extends Omit<
  HPOJobSpec,
  'objective' | 'sampler' | 'earlyStopping' | 'budget' | 'parallelism' | 'seed' | 'trialTemplate'
> {
  objective: ResolvedObjective;
  sampler: Required<SamplerSpec> & { settings: JsonObject };
  earlyStopping: Required<EarlyStoppingSpec> & { settings: JsonObject };
  budget: ResolvedBudget;
  parallelism: number;
  seed: number;
  trialTemplate: Required<Pick<TrialTemplate, 'retries' | 'template' | 'cache'>> & {
    checkpoint: Required<CheckpointSpec>;
  };
}

/** What a shell may decide over the spec (the local runner's --seed, --parallelism, --max-trials). */
export interface SpecOverrides {
  seed?: number;
  parallelism?: number;
  maxTrials?: number;
}

/**
 * The effective spec: every default filled in, then the overrides. `fallbackSeed` is used when neither
 * the spec nor the overrides give a seed (the local runner draws one and records it; the operator derives
 * one from the job's uid).
 */
export function applyDefaults(
  spec: HPOJobSpec,
  fallbackSeed: number,
  overrides: SpecOverrides = {},
): ResolvedHPOJobSpec {
  const budget = spec.budget ?? {};
  const maxDurationMs = budget.maxDuration !== undefined ? parseDuration(budget.maxDuration) : undefined;
  return {
    ...spec,
    objective: {
      metric: spec.objective.metric,
      direction: spec.objective.direction,
      strategy: spec.objective.strategy ?? DEFAULTS.objectiveStrategy,
      ...(spec.objective.goal !== undefined ? { goal: spec.objective.goal } : {}),
    },
    sampler: { name: spec.sampler?.name ?? DEFAULTS.sampler, settings: spec.sampler?.settings ?? {} },
    earlyStopping: {
      name: spec.earlyStopping?.name ?? DEFAULTS.earlyStopping,
      settings: spec.earlyStopping?.settings ?? {},
    },
    budget: {
      maxTrials: overrides.maxTrials ?? budget.maxTrials ?? DEFAULTS.maxTrials,
      maxFailedTrials: budget.maxFailedTrials ?? DEFAULTS.maxFailedTrials,
      ...(budget.maxDuration !== undefined ? { maxDuration: budget.maxDuration } : {}),
      ...(maxDurationMs !== undefined ? { maxDurationMs } : {}),
      ...(budget.maxGpuHours !== undefined ? { maxGpuHours: budget.maxGpuHours } : {}),
    },
    parallelism: overrides.parallelism ?? spec.parallelism ?? DEFAULTS.parallelism,
    seed: overrides.seed ?? spec.seed ?? fallbackSeed,
    trialTemplate: {
      retries: spec.trialTemplate.retries ?? DEFAULTS.retries,
      cache: spec.trialTemplate.cache ?? DEFAULTS.cache,
      template: spec.trialTemplate.template,
      checkpoint: {
        enabled: spec.trialTemplate.checkpoint?.enabled ?? DEFAULTS.checkpointEnabled,
        keep: spec.trialTemplate.checkpoint?.keep ?? DEFAULTS.checkpointKeep,
        deleteOnFinish: spec.trialTemplate.checkpoint?.deleteOnFinish ?? DEFAULTS.checkpointDeleteOnFinish,
      },
    },
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Go-style duration pattern, the same one the CRD schema uses. */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

/** Parses `1h30m`, `90s`, `6h`, `250ms` to milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (!new RegExp(DURATION_PATTERN).test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  }
  return total;
}

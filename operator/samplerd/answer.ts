/**
 * The pure step of serving a suggest request: the request and the job's observations in, the answer or
 * the error out. samplerd and the in-process transport both call it, so unit tests of the operator see
 * exactly what the sampler service would answer. No I/O, no clock.
 */
import { API_GROUP_VERSION, validateHPOJob, type Parameter } from '../api/index.js';
import { UltronError, InvalidSettings, SpaceExhausted } from '../core/errors.js';
import { getSamplerFactory, type Observation } from '../core/samplers/index.js';
import { Space } from '../core/space/index.js';
import { suggestAnswer, suggestError, type SuggestReply } from '../bus/messages.js';
import type { SuggestError, SuggestErrorCode, SuggestRequest } from '../bus/protocol.js';

/**
 * Problems with a request's parameters, by the same rules as `kubectl apply` (the request came from a
 * validated HPOJob, but a custom client or a bug must get InvalidRequest, not a crash in Space).
 */
export function parameterProblems(parameters: readonly unknown[]): string[] {
  const doc = {
    apiVersion: API_GROUP_VERSION,
    kind: 'HPOJob',
    metadata: { name: 'request' },
    spec: { parameters },
  };
  return validateHPOJob(doc)
    .filter((e) => e.path.startsWith('spec.parameters'))
    .map((e) => `${e.path.replace(/^spec\./, '')}: ${e.message}`);
}

/** The answer to `req` given the job's observations (any order, one per index). */
export function answerRequest(req: SuggestRequest, observations: readonly Observation[]): SuggestReply {
  const sampler = req.sampler.name;
  const fail = (code: SuggestErrorCode, message: string): SuggestError =>
    suggestError(req.id, sampler, code, message);
  const factory = getSamplerFactory(sampler);
  if (!factory) return fail('InvalidRequest', `'${sampler}' is not a built-in sampler`);
  const problems = parameterProblems(req.parameters);
  if (problems.length) return fail('InvalidRequest', problems.join('; '));
  if (new Set(req.indices).size !== req.indices.length)
    return fail('InvalidRequest', `indices: ${JSON.stringify(req.indices)} repeats an index`);

  const space = new Space(req.parameters as Parameter[]);
  const indices = [...req.indices].sort((a, b) => a - b);
  let configs;
  try {
    factory.validateSettings(req.sampler.settings);
    factory.validateSpace?.(space);
    configs = factory.create().sample({
      space,
      settings: req.sampler.settings,
      direction: req.direction,
      seed: req.seed,
      observations: [...observations].sort((a, b) => a.index - b.index),
      pending: req.pending,
      indices,
      ...(req.maxTrials !== undefined ? { maxTrials: req.maxTrials } : {}),
    });
  } catch (e) {
    if (e instanceof SpaceExhausted) return fail('SpaceExhausted', e.message);
    if (e instanceof InvalidSettings) return fail('InvalidSettings', e.message);
    const what = e instanceof UltronError ? `${e.code}: ${e.message}` : String(e);
    return fail('Internal', `the ${sampler} sampler failed: ${what}`);
  }
  // The contract says a sampler returns valid configurations; a bug must not reach a Trial.
  if (configs.length !== indices.length)
    return fail(
      'Internal',
      `the ${sampler} sampler returned ${configs.length} configurations for ${indices.length} indices`,
    );
  for (const params of configs) {
    const errors = space.validate(params);
    if (errors.length)
      return fail(
        'Internal',
        `the ${sampler} sampler returned an invalid configuration: ${errors.join('; ')}`,
      );
  }
  return suggestAnswer(
    req.id,
    sampler,
    indices.map((index, i) => ({ index, params: configs[i]! })),
  );
}

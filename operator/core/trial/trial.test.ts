import { trialName } from '../../api/index.js';
import { builtinSamplerNames, getSamplerFactory } from '../samplers/index.js';
import { BUILTIN_SAMPLERS } from '../../api/index.js';
import { paramEnvName, stepsToPrune, trialEnv, trialSeed, withReport } from './index.js';

describe('trial contract', () => {
  it('keeps one report per step, ascending, replacing a re-reported step, without mutating', () => {
    const r0 = [
      { step: 1, value: 5 },
      { step: 3, value: 3 },
    ];
    expect(withReport(r0, { step: 2, value: 4 })).toEqual([
      { step: 1, value: 5 },
      { step: 2, value: 4 },
      { step: 3, value: 3 },
    ]);
    expect(withReport(r0, { step: 3, value: 9 })).toEqual([
      { step: 1, value: 5 },
      { step: 3, value: 9 },
    ]);
    expect(withReport(r0, { step: 0, value: 7 })[0]).toEqual({ step: 0, value: 7 });
    expect(withReport([], { step: 4, value: 1 })).toEqual([{ step: 4, value: 1 }]);
    expect(r0).toHaveLength(2);
  });

  it('prunes all but the newest keep (at least one) complete steps', () => {
    expect(stepsToPrune([3, 1, 2, 5], 2)).toEqual([1, 2]);
    expect(stepsToPrune([1, 2], 0)).toEqual([1]);
    expect(stepsToPrune([1], 3)).toEqual([]);
  });

  it('derives the trial seed from the job seed and index only', () => {
    expect(trialSeed(1, 0)).toBe(trialSeed(1, 0));
    expect(trialSeed(1, 0)).not.toBe(trialSeed(1, 1));
    expect(trialSeed(1, 0)).not.toBe(trialSeed(2, 0));
  });

  it('names trials <job>-<index> and parameters ULTRON_PARAM_<NAME>', () => {
    expect(trialName('quickstart', 12)).toBe('quickstart-12');
    expect(paramEnvName('batch_size')).toBe('ULTRON_PARAM_BATCH_SIZE');
    const env = trialEnv({
      job: 'j',
      index: 2,
      params: { lr: 0.1 },
      seed: 7,
      checkpointDir: '/c',
      metricsFile: '/m',
    });
    expect(env['ULTRON_PARAM_LR']).toBe('0.1');
  });

  it('has one list of built-in sampler names, each with a sampler', () => {
    expect(builtinSamplerNames()).toEqual([...BUILTIN_SAMPLERS]);
    for (const name of BUILTIN_SAMPLERS) expect(getSamplerFactory(name)?.name).toBe(name);
  });
});

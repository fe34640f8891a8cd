import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completeSteps, latestCompleteStep, pruneCheckpoints } from '../checkpoint/local.js';
import { expandVars, trainerCommand, trialEnv } from '../core/trial/index.js';
import { LineBuffer, parseMetricLine } from '../core/trial/index.js';

describe('environment contract', () => {
  it('sets every ULTRON_ variable, one per parameter upper-cased', () => {
    const env = trialEnv({
      job: 'j',
      index: 4,
      params: { lr: 0.01, opt: 'adam' },
      seed: 9,
      checkpointDir: '/c',
      metricsFile: '/m',
    });
    expect(env).toEqual({
      ULTRON_PARAMS: '{"lr":0.01,"opt":"adam"}',
      ULTRON_PARAM_LR: '0.01',
      ULTRON_PARAM_OPT: 'adam',
      ULTRON_TRIAL: '4',
      ULTRON_HPOJOB: 'j',
      ULTRON_SEED: '9',
      ULTRON_CHECKPOINT_DIR: '/c',
      ULTRON_METRICS_FILE: '/m',
    });
  });

  it.each([
    ['--lr=$(ULTRON_PARAM_LR)', '--lr=0.1'],
    ['$(UNDEFINED) stays', '$(UNDEFINED) stays'],
    ['$$(ULTRON_PARAM_LR) is escaped', '$(ULTRON_PARAM_LR) is escaped'],
    ['$(A)$(A)', 'xx'],
    ['cost $5', 'cost $5'],
  ])('expands %s', (input, output) =>
    expect(expandVars(input, { ULTRON_PARAM_LR: '0.1', A: 'x' })).toBe(output),
  );

  it('builds the command from command + args and env entries in order', () => {
    const cmd = trainerCommand(
      {
        name: 'trainer',
        command: ['python3', 'train.py'],
        args: ['--lr', '$(ULTRON_PARAM_LR)', '--tag=$(TAG)'],
        env: [
          { name: 'TAG', value: 'lr-$(ULTRON_PARAM_LR)' },
          { name: 'SECRET', valueFrom: { secretKeyRef: {} } },
        ],
      },
      { ULTRON_PARAM_LR: '0.5' },
    );
    expect(cmd.argv).toEqual(['python3', 'train.py', '--lr', '0.5', '--tag=lr-0.5']);
    expect(cmd.warnings).toEqual([expect.stringMatching(/SECRET: valueFrom is not supported/)]);
  });
});

describe('metric lines', () => {
  it.each([
    ['{"step": 3, "val_loss": 0.41}', { kind: 'metrics', step: 3, values: { val_loss: 0.41 } }],
    ['step=3 val_loss=0.41 acc=0.9', { kind: 'metrics', step: 3, values: { val_loss: 0.41, acc: 0.9 } }],
    ['val_loss=1e-3', { kind: 'metrics', values: { val_loss: 0.001 } }],
    ['Epoch 3 done', { kind: 'ignored' }],
    ['loading data, batch size = 32', { kind: 'ignored' }],
    ['', { kind: 'ignored' }],
    ['{"step": 3, "val_loss": ', { kind: 'malformed', reason: 'invalid JSON' }],
    ['{"step": 3, "val_loss": "high"}', { kind: 'malformed', reason: expect.stringMatching(/^val_loss/) }],
    ['{"step": 3, "val_loss": null}', { kind: 'malformed', reason: expect.stringMatching(/^val_loss/) }],
    ['[1, 2]', { kind: 'ignored' }],
    ['{"step": -1, "loss": 1}', { kind: 'malformed', reason: expect.stringMatching(/^step/) }],
    ['step=3 val_loss=nan', { kind: 'malformed', reason: expect.stringMatching(/^val_loss/) }],
    ['step=3 val_loss', { kind: 'malformed', reason: 'not a list of key=value pairs' }],
    ['{"step": 2}', { kind: 'malformed', reason: 'no metric values' }],
  ])('%s', (line, expected) => expect(parseMetricLine(line)).toEqual(expected));

  it('splits streamed chunks into lines', () => {
    const b = new LineBuffer();
    expect(b.push('a\nb')).toEqual(['a']);
    expect(b.push('c\n\nd')).toEqual(['bc', '']);
    expect(b.flush()).toEqual(['d']);
  });
});

describe('checkpoint folders', () => {
  it('finds complete steps only and prunes to keep', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ultron-ck-'));
    for (const s of [1, 2, 3, 10]) {
      mkdirSync(join(dir, String(s)));
      if (s !== 10) writeFileSync(join(dir, String(s), '.complete'), '');
    }
    mkdirSync(join(dir, '11.tmp-1'));
    expect(completeSteps(dir)).toEqual([1, 2, 3]);
    expect(latestCompleteStep(dir)).toBe(3);
    expect(pruneCheckpoints(dir, 2)).toEqual([1]);
    expect(existsSync(join(dir, '10'))).toBe(true); // incomplete: a writer may still own it
    expect(completeSteps(dir)).toEqual([2, 3]);
    expect(latestCompleteStep(join(dir, 'missing'))).toBeUndefined();
  });
});

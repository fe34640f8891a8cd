import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifestText } from '../api/manifest.js';
import { DEFAULTS, PREVIOUS_DEFAULT_SAMPLER } from '../api/defaults.js';
import type { HPOJob } from '../api/types.js';
import { memoryIo } from './io.js';
import { runCommand } from '../cli/run.js';
import { Display } from './display.js';
import { LocalRun, type RunOptions } from './runner.js';
import { specHash } from './state.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');
const baseJob = parseManifestText(readFileSync(join(fixtures, 'job.yaml'), 'utf8'))[0]!.value as HPOJob;

function job(args: string[], spec: Partial<HPOJob['spec']> = {}): HPOJob {
  const j = structuredClone(baseJob);
  Object.assign(j.spec, spec);
  j.spec.trialTemplate.template.spec.containers[0]!.args = args;
  return j;
}

function options(
  j: HPOJob,
  extra: Partial<RunOptions> = {},
): RunOptions & { io: ReturnType<typeof memoryIo> } {
  const io = memoryIo();
  return {
    job: j,
    baseDir: fixtures,
    seed: 3,
    outputDir: mkdtempSync(join(tmpdir(), 'ultron-run-')),
    display: new Display(io, 'plain'),
    graceMs: 2000,
    pollMs: 20,
    io,
    ...extra,
  };
}

const starts = (dir: string, index: number): string[] =>
  readFileSync(join(dir, String(index), 'starts.log'), 'utf8')
    .trim()
    .split('\n');

describe('local runner (real processes)', () => {
  it('completes a job with the right number of trials and writes results', async () => {
    const o = options(job(['--steps', '3']));
    const out = await new LocalRun(o).run();
    expect(out.phase).toBe('Succeeded');
    expect(out.results.finishReason).toBe('MaxTrialsReached');
    expect(out.results.trials.map((t) => t.phase)).toEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
    ]);
    const json = JSON.parse(readFileSync(join(o.outputDir, 'results.json'), 'utf8'));
    expect(json).toMatchObject({
      job: 'fixture',
      seed: 3,
      finishReason: 'MaxTrialsReached',
      best: { index: expect.any(Number), step: 3 },
    });
    const best = Math.min(...json.trials.map((t: { objective: number }) => t.objective));
    expect(json.best.objective).toBe(best);
    expect(json.trials[0]).toEqual(
      expect.objectContaining({
        index: 0,
        phase: 'Succeeded',
        step: 3,
        retries: 0,
        metrics: { loss: expect.any(Number) },
        startTime: expect.any(String),
        completionTime: expect.any(String),
      }),
    );
    const csv = readFileSync(join(o.outputDir, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('index,phase,objective,step,x,metric:loss,retries,startTime,completionTime');
    expect(csv).toHaveLength(5);
  });

  it('retries a trial that fails twice, then succeeds', async () => {
    const o = options(job(['--fail-first', '2'], { budget: { maxTrials: 1 } }));
    const out = await new LocalRun(o).run();
    expect(out.results.trials[0]).toMatchObject({ phase: 'Succeeded', retries: 2 });
    expect(starts(o.outputDir, 0)).toHaveLength(3);
    expect(o.io.stdout.join('\n')).toMatch(/retry 2 of 2/);
  });

  it('fails a trial that keeps failing, and the job when too many trials fail', async () => {
    const o = options(
      job(['--fail-first', '9'], { budget: { maxTrials: 3, maxFailedTrials: 0 }, parallelism: 1 }),
    );
    const out = await new LocalRun(o).run();
    expect(out.phase).toBe('Failed');
    expect(out.results.finishReason).toBe('TooManyFailedTrials');
    expect(out.results.trials[0]).toMatchObject({ phase: 'Failed', retries: 2 });
    expect(out.results.trials[0]!.message).toMatch(/stderr\.log/);
  });

  it('early-stops bad trials and kills their processes', async () => {
    const j = job(['--steps', '9', '--sleep', '0.15'], {
      budget: { maxTrials: 8 },
      parallelism: 4,
      earlyStopping: { name: 'asha', settings: { minResource: 1, reductionFactor: 3, maxResource: 9 } },
    });
    const o = options(j);
    const out = await new LocalRun(o).run();
    const stopped = out.results.trials.filter((t) => t.phase === 'EarlyStopped');
    expect(stopped.length).toBeGreaterThan(0);
    for (const t of stopped) {
      expect(t.step).toBeLessThan(9); // the process was stopped before finishing
      expect(t.message).toMatch(/rung/);
    }
    expect(out.results.trials.some((t) => t.phase === 'Succeeded' && t.step === 9)).toBe(true);
  });

  it('resumes an interrupted run without re-running finished trials', async () => {
    const j = job(['--steps', '4', '--sleep', '0.1'], { budget: { maxTrials: 6 }, parallelism: 2 });
    const controller = new AbortController();
    const o = options(j, { signal: controller.signal });
    const first = new LocalRun(o);
    const timer = setInterval(() => {
      if (first.state.trials.filter((t) => t.phase === 'Succeeded').length >= 2) controller.abort();
    }, 10);
    const out1 = await first.run();
    clearInterval(timer);
    expect(out1.phase).toBe('Interrupted');
    const doneBefore = out1.state.trials.filter((t) => t.phase === 'Succeeded').map((t) => t.index);
    expect(doneBefore.length).toBeGreaterThanOrEqual(2);
    expect(existsSync(join(o.outputDir, 'results.json'))).toBe(false);

    expect(() => new LocalRun({ ...o, signal: undefined })).toThrow(/--resume/);
    const out2 = await new LocalRun({ ...o, signal: undefined, resume: true }).run();
    expect(out2.phase).toBe('Succeeded');
    expect(out2.results.trials).toHaveLength(6);
    for (const i of doneBefore) expect(starts(o.outputDir, i)).toHaveLength(1);
    expect(out2.results.trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('refuses to resume when the spec changed', async () => {
    const o = options(job(['--steps', '1'], { budget: { maxTrials: 1 } }));
    await new LocalRun(o).run();
    expect(
      () => new LocalRun({ ...o, job: job(['--steps', '2'], { budget: { maxTrials: 1 } }), resume: true }),
    ).toThrow(/spec changed/);
  });

  it('refuses to resume with another seed than the run recorded (it would draw from a different run)', async () => {
    const o = options(job(['--steps', '1'], { budget: { maxTrials: 2 }, seed: undefined }), { seed: 1 });
    await new LocalRun(o).run();
    expect(() => new LocalRun({ ...o, seed: 2, maxTrials: 4, resume: true })).toThrow(/used seed 1, not 2/);
    // Through the CLI: without --seed the recorded seed is used and the run continues to 4 trials.
    const dir = mkdtempSync(join(tmpdir(), 'ultron-seed-'));
    const file = join(dir, 'job.yaml');
    writeFileSync(
      file,
      readFileSync(join(fixtures, 'job.yaml'), 'utf8')
        .replace(/^ {2}seed: 3\n/m, '')
        .replace('trainer.py', join(fixtures, 'trainer.py')),
    );
    const out = join(dir, 'out');
    const io1 = memoryIo();
    expect({
      code: await runCommand([file, '--seed', '1', '--max-trials', '2', '--output', out], io1),
      err: io1.stderr,
    }).toEqual({ code: 0, err: [] });
    const io2 = memoryIo();
    const args = [file, '--resume', '--seed', '2', '--max-trials', '4', '--output', out];
    expect(await runCommand(args, io2)).toBe(2);
    expect(io2.stderr.join('\n')).toMatch(/used seed 1, not 2.*drop --seed/);
    const io3 = memoryIo();
    expect(await runCommand([file, '--resume', '--max-trials', '4', '--output', out], io3)).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.seed).toBe(1);
    expect(results.trials).toHaveLength(4);
  });

  it("shows the end of the first failed trial's stderr in the summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ultron-fail-'));
    const file = join(dir, 'job.yaml');
    writeFileSync(
      file,
      readFileSync(join(fixtures, 'job.yaml'), 'utf8')
        .replace('args: ["--steps", "3"]', 'args: ["--fail-first", "9"]')
        .replace('trainer.py', join(fixtures, 'trainer.py'))
        .replace('maxTrials: 4', 'maxTrials: 2, maxFailedTrials: 0'),
    );
    const io = memoryIo();
    expect(await runCommand([file, '--output', join(dir, 'out'), '--quiet'], io)).toBe(1);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/trial\(s\) failed; the end of trial 0's .*stderr\.log:\n {2}\| failing on purpose/);
  });

  it('counts malformed metric lines without breaking the trial', async () => {
    const o = options(job(['--malformed'], { budget: { maxTrials: 1 } }));
    const out = await new LocalRun(o).run();
    expect(out.results.trials[0]).toMatchObject({ phase: 'Succeeded', step: 3 });
    expect(out.results.trials[0]!.malformedMetricLines).toBe(6); // two per step
    expect(o.io.stderr.join('\n')).toMatch(/malformed metric line/);
  });

  it('resumes a trial killed mid-epoch from its last complete checkpoint', async () => {
    const o = options(job(['--steps', '4', '--crash-at', '3'], { budget: { maxTrials: 1 } }));
    const out = await new LocalRun(o).run();
    expect(out.results.trials[0]).toMatchObject({ phase: 'Succeeded', retries: 1, step: 4 });
    expect(starts(o.outputDir, 0)).toEqual(['0', '2']); // second start resumed from step 2
  });

  it('gives the same sequence of configurations for the same seed with parallelism 1', async () => {
    const run = async (seed: number) =>
      (
        await new LocalRun(
          options(
            job(['--steps', '1'], {
              parallelism: 1,
              sampler: { name: 'tpe', settings: { nStartupTrials: 2 } },
            }),
            { seed },
          ),
        ).run()
      ).results.trials.map((t) => t.params);
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });
});

describe('ultron run (command)', () => {
  it('runs --repeat 3 and reports mean ± std of the best', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ultron-repeat-'));
    const file = join(dir, 'job.yaml');
    writeFileSync(
      file,
      readFileSync(join(fixtures, 'job.yaml'), 'utf8')
        .replace('command: [python3, trainer.py]', `command: [python3, ${join(fixtures, 'trainer.py')}]`)
        .replace('["--steps", "3"]', '["--steps", "1"]'),
    );
    const io = memoryIo();
    expect(await runCommand([file, '--repeat', '3', '--quiet', '--output', join(dir, 'out')], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/mean ± std +\S+ ± \S+ +trial \S+ ± \S+/);
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'repeat.json'), 'utf8'));
    expect(summary.runs.map((r: { seed: number }) => r.seed)).toEqual([3, 4, 5]);
    const values = summary.runs.map((r: { bestObjective: number }) => r.bestObjective);
    const mean = values.reduce((s: number, v: number) => s + v, 0) / 3;
    expect(summary.bestObjective.mean).toBeCloseTo(mean, 12);
    expect(existsSync(join(dir, 'out', 'seed-4', 'results.json'))).toBe(true);
  });

  it('rejects an invalid manifest with the field named, and bad flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ultron-bad-'));
    const file = join(dir, 'job.yaml');
    writeFileSync(
      file,
      readFileSync(join(fixtures, 'job.yaml'), 'utf8').replace('parallelism: 2', 'parallelism: 0'),
    );
    const io = memoryIo();
    expect(await runCommand([file], io)).toBe(2);
    expect(io.stderr).toEqual([`${file}: spec.parallelism: must be >= 1, got 0`]);
    const io2 = memoryIo();
    expect(
      await runCommand([join(fixtures, 'job.yaml'), '--parallelism', 'x', '--output', join(dir, 'o')], io2),
    ).toBe(2);
    expect(io2.stderr.join(' ')).toMatch(/--parallelism must be an integer/);
  });
});

describe('the sampler of a resumed run', () => {
  // A job that names no sampler gets the default of the time; a resumed run keeps its own.
  const noSampler = (): HPOJob => {
    const j = job(['--steps', '1'], { budget: { maxTrials: 1 } });
    delete j.spec.sampler;
    return j;
  };
  function resumeWith(j: HPOJob, recorded: string | undefined) {
    const o = options(j);
    const state = {
      version: 1,
      job: j.metadata.name,
      specHash: specHash(j.spec),
      seed: o.seed,
      ...(recorded !== undefined ? { sampler: recorded } : {}),
      startTime: 0,
      elapsedBefore: 0,
      spaceExhausted: false,
      trials: [],
    };
    writeFileSync(join(o.outputDir, 'state.json'), JSON.stringify(state));
    return { run: new LocalRun({ ...o, resume: true }), io: o.io };
  }

  it('is recorded when a run starts', () => {
    const run = new LocalRun(options(noSampler()));
    expect(run.spec.sampler.name).toBe(DEFAULTS.sampler);
    expect(run.state.sampler).toBe(DEFAULTS.sampler);
    expect(new LocalRun(options(job(['--steps', '1']))).state.sampler).toBe('random');
  });

  it('is the recorded one when the spec names none, tpe for runs recorded before it was', () => {
    expect(resumeWith(noSampler(), 'gp').run.spec.sampler.name).toBe('gp');
    expect(resumeWith(noSampler(), undefined).run.spec.sampler.name).toBe(PREVIOUS_DEFAULT_SAMPLER);
    expect(resumeWith(job(['--steps', '1']), undefined).run.spec.sampler.name).toBe('random');
  });

  it('is announced when it is not the default, and auto says what it runs', async () => {
    const kept = resumeWith(noSampler(), 'gp');
    await kept.run.run();
    expect(kept.io.stdout).toContain(
      `sampler: gp, as when this run started (the default is ${DEFAULTS.sampler} now)`,
    );
    const o = options(job(['--steps', '1'], { budget: { maxTrials: 1 }, sampler: { name: 'auto' } }));
    await new LocalRun(o).run();
    expect(o.io.stdout).toContain(
      'auto runs gp: 1 parameter (0 categorical), none conditional, a budget of 1 trial',
    );
  });
});

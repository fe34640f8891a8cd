/** `ultron run FILE`: the HPOJob on this machine, trials as local processes (ARCHITECTURE §9). */
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatSyntaxError, loadManifestFile } from '../api/manifest.js';
import { formatError, parseHPOJob } from '../api/validation.js';
import { isFinishedPhase, type HPOJob } from '../api/types.js';
import { builtinValidationHooks } from '../core/settings-validation.js';
import { UltronError } from '../errors.js';
import { Display } from '../local/display.js';
import { localRunErrors } from '../local/env.js';
import { formatRepeatSummary, summarizeRepeats, writeRepeatSummary } from '../local/repeat.js';
import { LocalRun, RunError, type RunOutcome } from '../local/runner.js';
import { loadState } from '../local/state.js';
import { firstFailureTail, formatValue, paramsSummary } from '../local/results.js';
import { intFlag, parseFlags, UsageError } from './args.js';
import type { Io } from '../local/io.js';

export const RUN_USAGE = `usage: ultron run FILE [flags]

Runs the HPOJob in FILE on this machine: each trial is a local process started from the trainer
container's command, args, env and workingDir (the image is ignored).

flags:
  --parallelism N     trials at once (default: spec.parallelism)
  --max-trials N      overrides spec.budget.maxTrials
  --seed N            overrides spec.seed (default: spec.seed, else a random seed, printed)
  --output DIR        where trials and results go (default: .ultron/<job>/)
  --resume            continue an interrupted run in DIR without re-running finished trials
  --repeat N          run N times with seeds seed, seed+1, …; report mean ± std of the best
  --grace-period S    seconds between SIGTERM and SIGKILL when stopping a trial (default 10)
  --quiet             print only the summary`;

const FLAGS = {
  parallelism: { type: 'string' },
  'max-trials': { type: 'string' },
  seed: { type: 'string' },
  output: { type: 'string' },
  resume: { type: 'boolean' },
  repeat: { type: 'string' },
  'grace-period': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function loadJob(file: string, io: Io): Promise<HPOJob | undefined> {
  let docs;
  try {
    docs = await loadManifestFile(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const doc = docs.find((d) => (d.value as { kind?: string } | undefined)?.kind === 'HPOJob') ?? docs[0];
  if (!doc) throw new UsageError(`${file} has no HPOJob document`);
  if (doc.syntaxErrors.length) {
    for (const e of doc.syntaxErrors) io.err(formatSyntaxError(file, e));
    return undefined;
  }
  const { job, errors } = parseHPOJob(doc.value, builtinValidationHooks);
  const localErrors = job ? localRunErrors(job.spec) : [];
  for (const e of [...errors, ...localErrors]) io.err(`${file}: ${formatError(e)}`);
  return localErrors.length === 0 ? job : undefined;
}

function printOutcome(outcome: RunOutcome, io: Io, file: string, outputDir: string, metric: string): void {
  io.out('');
  io.out(outcome.table);
  io.out('');
  const best = outcome.results.best;
  if (outcome.phase === 'Interrupted') {
    io.out(
      `interrupted: ${outcome.state.trials.filter((t) => isFinishedPhase(t.phase)).length} trials finished.`,
    );
    io.out(`continue with: ultron run ${file} --resume --output ${outputDir}`);
    return;
  }
  io.out(
    `${outcome.phase === 'Succeeded' ? 'finished' : 'failed'}: ${outcome.results.finishReason} — ${outcome.results.message}`,
  );
  if (best)
    io.out(
      `best trial: ${best.index}  ${metric}=${formatValue(best.objective)}${best.step !== null ? ` at step ${best.step}` : ''}  ${paramsSummary(best.params)}`,
    );
  else io.out('no trial reported the objective');
  const failure = firstFailureTail(outputDir, outcome.state.trials);
  if (failure) {
    const failed = outcome.state.trials.filter((t) => t.phase === 'Failed').length;
    io.out(`${failed} trial(s) failed; the end of trial ${failure.index}'s ${failure.file}:`);
    for (const line of failure.tail) io.out(`  | ${line}`);
  }
  if (outcome.files) io.out(`results: ${outcome.files.json}, ${outcome.files.csv}`);
}

export async function runCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (values.help) {
    io.out(RUN_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one manifest file\n\n${RUN_USAGE}`);
  const file = positionals[0]!;
  const job = await loadJob(file, io);
  if (!job) return 2;

  const repeat = intFlag(values.repeat, 'repeat') ?? 1;
  const outputRoot = resolve(values.output ?? join('.ultron', job.metadata.name));
  let seed = intFlag(values.seed, 'seed', 0) ?? job.spec.seed;
  if (seed === undefined && values.resume && existsSync(join(outputRoot, 'state.json')))
    seed = loadState(join(outputRoot, 'state.json')).seed;
  if (seed === undefined) {
    seed = randomInt(0, 2 ** 31);
    io.out(`seed: ${seed} (drawn; pass --seed ${seed} to repeat this run)`);
  }
  const display = new Display(io, values.quiet ? 'quiet' : io.isTTY ? 'live' : 'plain');
  const controller = new AbortController();
  const onSignal = () => {
    if (!controller.signal.aborted) display.warn('stopping trials (Ctrl-C again to force)…');
    else process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const outcomes: Array<{ seed: number; outcome: RunOutcome }> = [];
    for (let r = 0; r < repeat; r++) {
      const runSeed = seed + r;
      const outputDir = repeat > 1 ? join(outputRoot, `seed-${runSeed}`) : outputRoot;
      mkdirSync(outputDir, { recursive: true });
      if (repeat > 1) io.out(`== run ${r + 1} of ${repeat}, seed ${runSeed}`);
      const run = new LocalRun({
        job,
        baseDir: dirname(resolve(file)),
        seed: runSeed,
        outputDir,
        ...(values.parallelism !== undefined
          ? { parallelism: intFlag(values.parallelism, 'parallelism')! }
          : {}),
        ...(values['max-trials'] !== undefined
          ? { maxTrials: intFlag(values['max-trials'], 'max-trials')! }
          : {}),
        resume: Boolean(values.resume),
        display,
        graceMs: (intFlag(values['grace-period'], 'grace-period', 0) ?? 10) * 1000,
        signal: controller.signal,
      });
      const outcome = await run.run();
      display.close();
      printOutcome(outcome, io, file, outputDir, run.spec.objective.metric);
      if (outcome.phase === 'Interrupted') return 130;
      outcomes.push({ seed: runSeed, outcome });
    }
    if (repeat > 1) {
      const summary = summarizeRepeats(outcomes);
      io.out('');
      io.out(formatRepeatSummary(summary, job.spec.objective.metric));
      io.out(`summary: ${writeRepeatSummary(outputRoot, summary)}`);
    }
    return outcomes.every((o) => o.outcome.phase === 'Succeeded') ? 0 : 1;
  } catch (e) {
    if (e instanceof RunError || e instanceof UltronError) {
      io.err(`ultron run: ${e.message}`);
      return 2;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The local runner's loop (ARCHITECTURE §9): the same planner and samplers as the operator, with trials
 * as child processes. Every `pollMs` it reads new metric lines, collects exited processes, asks the
 * planner what to do and does it; state is saved after every change so `--resume` can continue.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  applyDefaults,
  BUILTIN_SAMPLERS,
  PREVIOUS_DEFAULT_SAMPLER,
  isFinishedPhase,
  trialName,
  type HPOJob,
  type ResolvedHPOJobSpec,
} from '../api/index.js';
import { SpaceExhausted } from '../core/errors.js';
import {
  bestTrialSummary,
  plan,
  samplerView,
  type PlanActions,
  type TrialSnapshot,
} from '../core/planner/index.js';
import { getSamplerFactory, type Sampler } from '../core/samplers/index.js';
import { Space } from '../core/space/index.js';
import {
  parseMetricLine,
  trainerCommand,
  trainerContainer,
  trialEnv,
  trialSeed,
  withReport,
} from '../core/trial/index.js';
import { latestCompleteStep, pruneCheckpoints } from '../checkpoint/local.js';
import type { Display } from './display.js';
import {
  buildResults,
  formatValue,
  paramsSummary,
  resultsTable,
  writeResults,
  type Results,
} from './results.js';
import { loadState, saveState, specHash, type LocalTrial, type RunState } from './state.js';
import { TrialProcess, type ExitInfo } from './trial-process.js';

export interface RunOptions {
  job: HPOJob;
  /** The manifest's folder: the trainer's default working directory. */
  baseDir: string;
  seed: number;
  outputDir: string;
  parallelism?: number;
  maxTrials?: number;
  resume?: boolean;
  display: Display;
  /** SIGTERM → SIGKILL grace for stopped trials. */
  graceMs?: number;
  pollMs?: number;
  /** Aborting stops the children and leaves a resumable state (Ctrl-C). */
  signal?: AbortSignal;
  /** Epoch milliseconds; tests pass their own. */
  now?: () => number;
}

export interface RunOutcome {
  phase: 'Succeeded' | 'Failed' | 'Interrupted';
  state: RunState;
  results: Results;
  files?: { json: string; csv: string };
  table: string;
}

export class RunError extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LocalRun {
  readonly spec: ResolvedHPOJobSpec;
  readonly state: RunState;
  private readonly space: Space;
  private readonly sampler: Sampler;
  private readonly processes = new Map<number, TrialProcess>();
  private readonly statePath: string;
  /** What `run` tells the user about the sampler first (auto's choice, a sampler kept on resume). */
  private readonly samplerNote: string[];
  private readonly now: () => number;
  private readonly sessionStart: number;
  private finishing: PlanActions['finish'];
  private invalidSuggestions = 0;
  private bestIndex: number | undefined;

  constructor(private readonly opts: RunOptions) {
    this.now = opts.now ?? Date.now;
    this.sessionStart = this.now();
    this.statePath = join(opts.outputDir, 'state.json');
    const prev = this.earlierRun();
    const resolved = applyDefaults(opts.job.spec, opts.seed, {
      seed: opts.seed,
      ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}),
      ...(opts.maxTrials !== undefined ? { maxTrials: opts.maxTrials } : {}),
    });
    // A run continues with the sampler it started with: a spec that names none took the default of the
    // time, which may have changed since (runs recorded before the sampler was, took tpe).
    const sampler =
      prev && opts.job.spec.sampler?.name === undefined
        ? (prev.sampler ?? PREVIOUS_DEFAULT_SAMPLER)
        : resolved.sampler.name;
    this.spec = { ...resolved, sampler: { ...resolved.sampler, name: sampler } };
    this.space = new Space(this.spec.parameters);
    const factory = getSamplerFactory(this.spec.sampler.name);
    if (!factory) {
      throw new RunError(
        `spec.sampler.name: '${this.spec.sampler.name}' is not a built-in sampler (${BUILTIN_SAMPLERS.join(', ')}); custom samplers need the operator`,
      );
    }
    factory.validateSpace?.(this.space);
    this.sampler = factory.create();
    this.samplerNote = [
      ...(sampler !== resolved.sampler.name
        ? [`sampler: ${sampler}, as when this run started (the default is ${resolved.sampler.name} now)`]
        : []),
      ...[factory.describe?.(this.space, this.spec.budget.maxTrials)].filter((n) => n !== undefined),
    ];
    mkdirSync(opts.outputDir, { recursive: true });
    if (prev) {
      this.state = { ...prev, sampler, finishReason: undefined, finishMessage: undefined } as RunState;
      delete this.state.finishReason;
      delete this.state.finishMessage;
      for (const t of this.state.trials) {
        if (!isFinishedPhase(t.phase)) {
          t.phase = 'Pending'; // was running when interrupted: starts again, from its checkpoint
          delete t.stopping;
        }
      }
    } else {
      this.state = {
        version: 1,
        job: opts.job.metadata.name,
        specHash: specHash(opts.job.spec),
        seed: opts.seed,
        sampler,
        startTime: this.now(),
        elapsedBefore: 0,
        spaceExhausted: false,
        trials: [],
      };
    }
  }

  /** The state of the run `--resume` continues (checked against this one), or undefined for a fresh run. */
  private earlierRun(): RunState | undefined {
    const opts = this.opts;
    if (!existsSync(this.statePath)) return undefined;
    if (!opts.resume) {
      throw new RunError(
        `${opts.outputDir} holds an earlier run of this job: pass --resume to continue it, or --output DIR for a fresh run`,
      );
    }
    const prev = loadState(this.statePath);
    if (prev.specHash !== specHash(opts.job.spec)) {
      throw new RunError(
        `the manifest's spec changed since the run in ${opts.outputDir}; --resume needs the same spec (use --output DIR for a new run)`,
      );
    }
    // Trials drawn with another seed would silently belong to a different run.
    if (prev.seed !== opts.seed) {
      throw new RunError(
        `the run in ${opts.outputDir} used seed ${prev.seed}, not ${opts.seed}; --resume continues it with its own seed (drop --seed, or pass --seed ${prev.seed}), or use --output DIR for a new run`,
      );
    }
    return prev;
  }

  private get graceMs(): number {
    return this.opts.graceMs ?? 10_000;
  }

  private trialDir(index: number): string {
    return join(this.opts.outputDir, String(index));
  }

  private snapshot(t: LocalTrial): TrialSnapshot {
    return {
      index: t.index,
      name: trialName(this.state.job, t.index),
      params: t.params,
      phase: t.phase,
      reports: t.reports,
      metrics: t.metrics,
      stopRequested: t.stopping !== undefined,
      ...(t.startTime !== undefined ? { startTime: t.startTime } : {}),
      ...(t.completionTime !== undefined ? { completionTime: t.completionTime } : {}),
    };
  }

  private onLine(t: LocalTrial, line: string): void {
    const m = parseMetricLine(line);
    if (m.kind === 'ignored') return;
    if (m.kind === 'malformed') {
      t.malformedLines++;
      if (t.malformedLines <= 3)
        this.opts.display.warn(
          `trial ${t.index}: malformed metric line (${m.reason}): ${line.slice(0, 120)}`,
        );
      return;
    }
    const step = m.step ?? (t.step ?? 0) + 1;
    t.step = step;
    Object.assign(t.metrics, m.values);
    const value = m.values[this.spec.objective.metric];
    if (value !== undefined) t.reports = withReport(t.reports, { step, value });
  }

  private start(t: LocalTrial): void {
    const dir = this.trialDir(t.index);
    const checkpointDir = join(dir, 'checkpoints');
    mkdirSync(checkpointDir, { recursive: true });
    const container = trainerContainer(this.spec.trialTemplate.template.spec.containers);
    const metricsFile = join(dir, 'metrics.jsonl');
    const cmd = trainerCommand(
      container,
      trialEnv({
        job: this.state.job,
        index: t.index,
        params: t.params,
        seed: t.seed,
        checkpointDir,
        metricsFile,
      }),
    );
    if (t.attempts === 0) for (const w of cmd.warnings) this.opts.display.warn(`trial ${t.index}: ${w}`);
    const cwd = container.workingDir ? resolve(this.opts.baseDir, container.workingDir) : this.opts.baseDir;
    t.phase = 'Running';
    t.startTime ??= this.now();
    t.attempts++;
    const resumeFrom = latestCompleteStep(checkpointDir);
    this.processes.set(
      t.index,
      new TrialProcess({
        argv: cmd.argv,
        cwd,
        env: { ...(process.env as Record<string, string>), ...cmd.env },
        stdoutLog: join(dir, 'stdout.log'),
        stderrLog: join(dir, 'stderr.log'),
        metricsFile,
        onLine: (line) => this.onLine(t, line),
      }),
    );
    const how =
      t.attempts > 1
        ? `restarted (attempt ${t.attempts}${resumeFrom !== undefined ? `, checkpoint step ${resumeFrom}` : ''})`
        : 'started';
    this.opts.display.event(`trial ${t.index} ${how}: ${paramsSummary(t.params)}`);
  }

  private onExit(t: LocalTrial, exit: ExitInfo): void {
    this.processes.delete(t.index);
    const dir = join(this.trialDir(t.index), 'checkpoints');
    t.checkpointStep = latestCompleteStep(dir);
    if (this.spec.trialTemplate.checkpoint.enabled)
      pruneCheckpoints(dir, this.spec.trialTemplate.checkpoint.keep);
    const how = exit.error ?? (exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`);
    if (t.stopping) {
      t.phase = t.stopping.phase;
      t.message = t.stopping.reason;
      t.completionTime = this.now();
      this.opts.display.event(
        `trial ${t.index} ${t.phase === 'EarlyStopped' ? 'early-stopped' : 'stopped'}: ${t.stopping.reason}`,
      );
      return;
    }
    if (exit.code === 0) {
      t.phase = 'Succeeded';
      t.completionTime = this.now();
      const last = t.reports.at(-1);
      if (!last)
        t.message = `the trainer never reported the objective metric '${this.spec.objective.metric}'`;
      this.opts.display.event(
        `trial ${t.index} succeeded: ${last ? `${this.spec.objective.metric}=${formatValue(last.value)} at step ${last.step}` : t.message}`,
      );
      return;
    }
    if (t.retries < this.spec.trialTemplate.retries && !this.finishing) {
      t.retries++;
      this.opts.display.event(
        `trial ${t.index} failed (${how}); retry ${t.retries} of ${this.spec.trialTemplate.retries}`,
      );
      this.start(t);
      return;
    }
    t.phase = 'Failed';
    t.completionTime = this.now();
    t.message = `the trainer failed (${how}) after ${t.retries} retries; see ${join(this.trialDir(t.index), 'stderr.log')}`;
    this.opts.display.event(`trial ${t.index} failed: ${t.message}`);
  }

  /** Asks the sampler for `n` configurations, one index at a time (later ones see earlier ones as running). */
  private suggest(n: number): void {
    for (let k = 0; k < n; k++) {
      const index = this.state.trials.length ? Math.max(...this.state.trials.map((t) => t.index)) + 1 : 0;
      let params;
      try {
        [params] = this.sampler.sample({
          space: this.space,
          settings: this.spec.sampler.settings,
          direction: this.spec.objective.direction,
          seed: this.spec.seed,
          ...samplerView(this.state.trials, this.spec.objective),
          indices: [index],
          maxTrials: this.spec.budget.maxTrials,
        });
      } catch (e) {
        if (e instanceof SpaceExhausted) {
          this.state.spaceExhausted = true;
          this.opts.display.event(`the sampler has no configurations left (${e.message})`);
          return;
        }
        throw e;
      }
      const problems = this.space.validate(params!);
      if (problems.length) {
        this.invalidSuggestions++;
        this.opts.display.warn(
          `the sampler suggested an invalid configuration for trial ${index} (${problems.join('; ')}); asking again`,
        );
        if (this.invalidSuggestions >= 10)
          throw new RunError('the sampler keeps suggesting invalid configurations; stopping');
        continue;
      }
      const trial: LocalTrial = {
        index,
        params: params!,
        seed: trialSeed(this.spec.seed, index),
        phase: 'Pending',
        reports: [],
        metrics: {},
        retries: 0,
        attempts: 0,
        malformedLines: 0,
      };
      this.state.trials.push(trial);
      this.start(trial);
    }
  }

  private elapsed(now: number): number {
    return this.state.elapsedBefore + (now - this.sessionStart);
  }

  private step(): boolean {
    for (const p of this.processes.values()) p.poll();
    const now = this.now();
    const running = this.state.trials.filter((t) => t.phase === 'Running').length;
    const actions = plan({
      spec: this.spec,
      trials: this.state.trials.map((t) => this.snapshot(t)),
      now,
      // maxDuration counts time actually run, across resumes.
      startTime: now - this.elapsed(now),
      capacity: Math.max(0, this.spec.parallelism - running),
      spaceExhausted: this.state.spaceExhausted,
    });
    if (actions.best && actions.best.index !== this.bestIndex) {
      this.bestIndex = actions.best.index;
      this.opts.display.event(
        `best so far: trial ${actions.best.index} ${this.spec.objective.metric}=${formatValue(actions.best.objective)} (${paramsSummary(actions.best.params)})`,
      );
    }
    for (const stop of actions.stop) {
      const t = this.state.trials.find((x) => x.index === stop.index)!;
      t.stopping = { phase: stop.phase, reason: stop.reason };
      const proc = this.processes.get(t.index);
      if (proc) proc.stop(this.graceMs);
      else if (!isFinishedPhase(t.phase)) {
        t.phase = stop.phase;
        t.completionTime = now;
      }
    }
    if (actions.finish && !this.finishing) {
      this.finishing = actions.finish;
      this.opts.display.event(`finishing: ${actions.finish.reason}: ${actions.finish.message}`);
    }
    if (!this.finishing && actions.request > 0) this.suggest(actions.request);
    this.opts.display.render({
      job: this.state.job,
      maxTrials: this.spec.budget.maxTrials,
      parallelism: this.spec.parallelism,
      trials: this.state.trials,
      ...(actions.best ? { best: actions.best } : {}),
      metric: this.spec.objective.metric,
      elapsedMs: this.elapsed(now),
    });
    return this.finishing !== undefined && this.processes.size === 0;
  }

  async run(): Promise<RunOutcome> {
    const pollMs = this.opts.pollMs ?? 100;
    for (const note of this.samplerNote) this.opts.display.event(note);
    // Trials that were running when an earlier session stopped continue first, from their checkpoints.
    for (const t of this.state.trials) if (t.phase === 'Pending') this.start(t);
    let interrupted = false;
    try {
      for (;;) {
        if (this.opts.signal?.aborted) {
          interrupted = true;
          break;
        }
        this.collectExits();
        const done = this.step();
        saveState(this.statePath, this.state);
        if (done) break;
        await sleep(pollMs);
      }
    } finally {
      // Interrupted (or an error): the children stop, their trials stay Running in the saved state, and
      // --resume restarts them from their checkpoints.
      await this.stopAll();
    }
    this.state.elapsedBefore = this.elapsed(this.now());
    if (!interrupted && this.finishing) {
      this.state.finishReason = this.finishing.reason;
      this.state.finishMessage = this.finishing.message;
    }
    saveState(this.statePath, this.state);
    return this.outcome(interrupted);
  }

  private collectExits(): void {
    for (const [index, proc] of [...this.processes]) {
      const exit = proc.result;
      if (exit)
        this.onExit(
          this.state.trials.find((x) => x.index === index)!,
          exit,
        );
    }
  }

  /** Stops every child (SIGTERM, SIGKILL after the grace period) and waits for them. */
  private async stopAll(): Promise<void> {
    const procs = [...this.processes.values()];
    for (const p of procs) p.stop(this.graceMs);
    await Promise.all(procs.map((p) => p.exited));
    this.processes.clear();
  }

  private outcome(interrupted: boolean): RunOutcome {
    const best = bestTrialSummary(
      this.state.trials.map((t) => this.snapshot(t)),
      this.spec.objective,
    );
    const results = buildResults(this.state, this.spec, best);
    const table = resultsTable(results, this.state.trials);
    if (interrupted) return { phase: 'Interrupted', state: this.state, results, table };
    const files = writeResults(this.opts.outputDir, results, this.spec.parameters);
    return { phase: this.finishing?.phase ?? 'Failed', state: this.state, results, table, files };
  }
}

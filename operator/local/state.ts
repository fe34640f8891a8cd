/** The persisted state of a local run (`<output>/state.json`), from which `--resume` continues. */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { FinishReason, HPOJobSpec, ParamConfig, TrialPhase } from '../api/index.js';
import type { IntermediateValue } from '../core/samplers/index.js';

export interface LocalTrial {
  index: number;
  params: ParamConfig;
  seed: number;
  phase: TrialPhase;
  /** Objective reports by step. */
  reports: IntermediateValue[];
  /** Latest value of every metric. */
  metrics: Record<string, number>;
  step?: number;
  retries: number;
  /** Process starts, retries and resumes included. */
  attempts: number;
  malformedLines: number;
  startTime?: number;
  completionTime?: number;
  message?: string;
  /** Set when the runner decided to stop it; the phase it ends in. */
  stopping?: { phase: 'EarlyStopped' | 'Stopped'; reason: string };
  checkpointStep?: number;
}

export interface RunState {
  version: 1;
  job: string;
  specHash: string;
  seed: number;
  /**
   * The sampler the run started with, which a resume keeps when the spec names none (the default may
   * have changed). Absent in runs recorded before it was: those took tpe, the default then.
   */
  sampler?: string;
  startTime: number;
  /** Milliseconds spent running in earlier sessions (for maxDuration across resumes). */
  elapsedBefore: number;
  spaceExhausted: boolean;
  finishReason?: FinishReason;
  finishMessage?: string;
  trials: LocalTrial[];
}

export function specHash(spec: HPOJobSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

/** Atomic: a crash mid-write leaves the previous state. */
export function saveState(path: string, state: RunState): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state, null, 1));
  renameSync(tmp, path);
}

export function loadState(path: string): RunState {
  const state = JSON.parse(readFileSync(path, 'utf8')) as RunState;
  if (state.version !== 1) throw new Error(`${path}: unsupported state version ${String(state.version)}`);
  return state;
}

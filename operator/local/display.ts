/**
 * Progress output. On a terminal: a few lines redrawn in place (done/running/failed/stopped, best so
 * far, elapsed, estimate of what remains). Elsewhere: one log line per event. `--quiet`: nothing until
 * the summary.
 */
import { isFinishedPhase } from '../api/types.js';
import type { Io } from './io.js';
import type { LocalTrial } from './state.js';
import { formatValue, paramsSummary } from './results.js';

export type DisplayMode = 'live' | 'plain' | 'quiet';

export interface ProgressView {
  job: string;
  maxTrials: number;
  parallelism: number;
  trials: readonly LocalTrial[];
  best?: { index: number; objective: number; params: Record<string, unknown> };
  metric: string;
  elapsedMs: number;
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** Remaining time: mean finished-trial duration × trials left / parallelism. */
export function estimateRemainingMs(view: ProgressView): number | undefined {
  const finished = view.trials.filter((t) => t.completionTime !== undefined && t.startTime !== undefined);
  if (finished.length === 0) return undefined;
  const mean = finished.reduce((s, t) => s + (t.completionTime! - t.startTime!), 0) / finished.length;
  const left = Math.max(0, view.maxTrials - finished.length);
  return (mean * left) / Math.max(1, view.parallelism);
}

export function progressLines(view: ProgressView): string[] {
  const count = (...phases: string[]) => view.trials.filter((t) => phases.includes(t.phase)).length;
  const done = count('Succeeded');
  const eta = estimateRemainingMs(view);
  const lines = [
    `${view.job}: ${view.trials.filter((t) => isFinishedPhase(t.phase)).length}/${view.maxTrials} trials finished — ${done} done, ${count('Running')} running, ${count('Failed')} failed, ${count('EarlyStopped', 'Stopped')} stopped`,
    view.best
      ? `best: trial ${view.best.index} ${view.metric}=${formatValue(view.best.objective)}  ${paramsSummary(view.best.params as Record<string, string | number | boolean>)}`
      : `best: none yet`,
    `elapsed ${clock(view.elapsedMs)}${eta !== undefined ? `, about ${clock(eta)} left` : ''}`,
  ];
  return lines;
}

export class Display {
  private drawn = 0;
  constructor(
    private readonly io: Io,
    readonly mode: DisplayMode,
  ) {}

  /** A discrete event (trial started, finished, retried…). */
  event(line: string): void {
    if (this.mode === 'plain') this.io.out(line);
  }

  /** Redraws the live block (TTY only). */
  render(view: ProgressView): void {
    if (this.mode !== 'live') return;
    const width = this.io.columns?.() || 120;
    const lines = progressLines(view).map((l) => (l.length > width - 1 ? `${l.slice(0, width - 2)}…` : l));
    const up = this.drawn ? `\x1b[${this.drawn}A` : '';
    this.io.write(`${up}\r\x1b[J${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  /** Leaves the live block as it is and prints below it from now on. */
  close(): void {
    this.drawn = 0;
  }

  warn(line: string): void {
    if (this.mode === 'live' && this.drawn) {
      this.io.write(`\x1b[${this.drawn}A\r\x1b[J`);
      this.drawn = 0;
    }
    this.io.err(line);
  }
}

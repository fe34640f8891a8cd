/**
 * Rebuilds CMA-ES's state from the history, since a sampler keeps nothing between calls (types.ts).
 *
 * Generations: the trials, in index order, are cut into consecutive ranges, each holding λ completed
 * trials; a range makes one generation's update, in order, and closes only once no trial in it is
 * still running (running trials come from the request's `pending`). Failed and pruned trials, and
 * completed ones without a finite value, are passed over. Until the next range closes, every trial
 * is asked from the same distribution, so a generation spans as many requests and parallel trials as
 * it takes. A closed range never changes — everything in it had finished — so the replay gives the
 * same state at every later request however trials finish, and every completed trial is used once.
 *
 * Which raw solution a trial stands for: trial i's solution is drawn from Rng.derive(seed, 'cmaes', i),
 * so the replay draws it again from the distribution of the generation it falls in. If that
 * reproduces the trial's parameters (continuous coordinates to 1e-9, discrete ones to the cell: always,
 * when trials run one at a time), the exact raw solution is used, as CMA-ES with Margin's update
 * needs. Otherwise — a trial asked from the previous generation while this one's ran (parallel runs),
 * or not sampled by CMA-ES — it is injected as an external solution (Hansen 2011). Optuna's
 * CmaEsSampler drops such trials instead; injecting them did much better in parallel runs
 * (cmaes.test.ts).
 *
 * Restarts (IPOP, Auger & Hansen 2005, "A Restart CMA Evolution Strategy With Increasing Population
 * Size"): when an update meets a stop test (cma.ts), a new run starts at a uniform random mean
 * (Rng.derive(seed, 'cmaes', 'restart', r)) with σ₀, and λ multiplied by `incPopsize`.
 */
import { Rng } from '../../rng.js';
import type { Observation, PendingTrial } from '../types.js';
import { Cma, type Solution } from './cma.js';
import type { ParamValue } from '../../../api/types.js';
import { coordinatesOfValues, valuesOfConfig, type Coordinate } from './coords.js';
import { correctMargin, defaultMargin, encodeDiscrete } from './margin.js';
import { defaultPopsize, strategy } from './strategy.js';

export interface CmaesSettings {
  /** undefined → 4 + ⌊3 ln n⌋. */
  popsize: number | undefined;
  sigma0: number;
  restartStrategy: 'ipop' | 'none';
  incPopsize: number;
  withMargin: boolean;
}

/** Continuous coordinates of a redrawn solution must match the trial's to this (encode/decode round trip). */
const SAME_COORDINATE = 1e-9;

/** The generator trial `index`'s CMA-ES solution is drawn from. */
export function trialRng(seed: number, index: number): Rng {
  return Rng.derive(seed, 'cmaes', index);
}

export interface Run {
  cma: Cma;
  coords: readonly Coordinate[];
  /** For tests: restarts so far, how many completed trials the closed generations used, and how many of those were injected. */
  restarts: number;
  used: number;
  injected: number;
}

/** A trial as the replay sees it, in index order; `value` is the objective to minimise. */
export interface TrailEntry {
  index: number;
  state: 'complete' | 'unusable' | 'running';
  value: number;
  /** Its values of the coordinates' parameters (coordinates are computed only for what is replayed). */
  values: readonly (ParamValue | undefined)[];
}

/** The state once the first `consumed` trail entries are accounted for (just after a generation closed). */
export interface Checkpoint {
  consumed: number;
  cma: Cma;
  restarts: number;
  used: number;
  injected: number;
}

/** Where a replay may resume from and record to (cache.ts); replay gives the same run without one. */
export interface ReplayMemo {
  resume(trail: readonly TrailEntry[]): Checkpoint | undefined;
  record(trail: readonly TrailEntry[], checkpoints: readonly Checkpoint[]): void;
}

export function trailOf(
  coords: readonly Coordinate[],
  observations: readonly Observation[],
  pending: readonly PendingTrial[],
  sign: 1 | -1,
): TrailEntry[] {
  const out: TrailEntry[] = observations.map((o) => {
    const usable = o.state === 'complete' && o.value !== undefined && Number.isFinite(o.value);
    return {
      index: o.index,
      state: usable ? 'complete' : 'unusable',
      value: usable ? sign * o.value! : NaN,
      values: valuesOfConfig(coords, o.params),
    };
  });
  for (const p of pending) {
    out.push({ index: p.index, state: 'running', value: NaN, values: valuesOfConfig(coords, p.params) });
  }
  return out.sort((a, b) => a.index - b.index);
}

export function replay(
  coords: readonly Coordinate[],
  trail: readonly TrailEntry[],
  seed: number,
  settings: CmaesSettings,
  memo?: ReplayMemo,
): Run {
  const n = coords.length;
  const bounded = coords.map((c) => !c.cells);
  const start = (lambda: number, mean: ArrayLike<number>): Cma =>
    new Cma(strategy(n, lambda), mean, settings.sigma0, bounded);
  const resumed = memo?.resume(trail);
  let cma = resumed?.cma ?? start(settings.popsize ?? defaultPopsize(n), new Float64Array(n).fill(0.5));
  let restarts = resumed?.restarts ?? 0;
  let used = resumed?.used ?? 0;
  let injectedCount = resumed?.injected ?? 0;
  let consumed = resumed?.consumed ?? 0;
  const checkpoints: Checkpoint[] = [];
  for (;;) {
    const closed = closeGeneration(cma, coords, trail, consumed, seed);
    if (!closed) break;
    cma.tell(closed.members);
    used += closed.members.length;
    injectedCount += closed.injected;
    consumed = closed.consumed;
    if (settings.withMargin) correctMargin(cma, coords, defaultMargin(n, cma.strategy.lambda));
    if (settings.restartStrategy === 'ipop' && cma.shouldStop()) {
      restarts++;
      const rng = Rng.derive(seed, 'cmaes', 'restart', restarts);
      const mean = Array.from({ length: n }, () => rng.random());
      cma = start(cma.strategy.lambda * settings.incPopsize, mean);
    }
    if (memo) checkpoints.push({ consumed, cma: cma.clone(), restarts, used, injected: injectedCount });
  }
  memo?.record(trail, checkpoints);
  return { cma, coords, restarts, used, injected: injectedCount };
}

/**
 * The next generation: the fewest trials from `from` on, in index order, holding λ completed ones,
 * provided none of them is still running; undefined while that is not so.
 */
function closeGeneration(
  cma: Cma,
  coords: readonly Coordinate[],
  trail: readonly TrailEntry[],
  from: number,
  seed: number,
): { members: Solution[]; consumed: number; injected: number } | undefined {
  const members: Solution[] = [];
  let count = 0;
  for (let t = from; t < trail.length; t++) {
    const e = trail[t]!;
    if (e.state === 'running') return undefined;
    const u = e.state === 'complete' ? coordinatesOfValues(coords, e.values) : undefined;
    if (!u) continue;
    const exact = redrawn(cma, coords, seed, e.index, u);
    if (!exact) count++;
    members.push({ x: exact ?? injected(cma, coords, u), value: e.value });
    if (members.length === cma.strategy.lambda) return { members, consumed: t + 1, injected: count };
  }
  return undefined;
}

/**
 * A trial the current distribution did not sample (asked from an earlier generation while this one's
 * trials ran, or not by CMA-ES) as an external solution (Hansen 2011, "Injecting External Solutions
 * Into CMA-ES", INRIA RR-7748): discrete coordinates at a raw point that encodes to the trial's
 * cell, and the step from the mean clipped to a Mahalanobis length of √n + 2n/(n+2).
 */
function injected(cma: Cma, coords: readonly Coordinate[], u: Float64Array): Float64Array {
  const x = Float64Array.from(u, (ui, i) => {
    const cells = coords[i]!.cells;
    if (!cells) return ui;
    const m = cma.mean[i]!;
    return m + (cells.centre(cells.cellOf(ui)) - m) / cma.scale[i]!;
  });
  const n = coords.length;
  const limit = Math.sqrt(n) + (2 * n) / (n + 2);
  const distance = cma.mahalanobis(x);
  if (distance > limit) {
    for (let i = 0; i < n; i++) x[i] = cma.mean[i]! + ((x[i]! - cma.mean[i]!) * limit) / distance;
  }
  return x;
}

/** A solution drawn for a trial, and the coordinates it is evaluated at (discrete ones: their cell). */
export function draw(
  cma: Cma,
  coords: readonly Coordinate[],
  rng: Rng,
): { raw: Float64Array; cells: (number | undefined)[] } {
  const raw = cma.sample(rng);
  const cells = coords.map((c, i) => (c.cells ? encodeDiscrete(cma, c, i, raw[i]!) : undefined));
  return { raw, cells };
}

/** Trial `index`'s raw solution drawn again from `cma`, if it reproduces the trial's coordinates `u`. */
function redrawn(
  cma: Cma,
  coords: readonly Coordinate[],
  seed: number,
  index: number,
  u: Float64Array,
): Float64Array | undefined {
  const again = draw(cma, coords, trialRng(seed, index));
  const same = coords.every((c, i) =>
    c.cells ? again.cells[i] === c.cells.cellOf(u[i]!) : Math.abs(again.raw[i]! - u[i]!) <= SAME_COORDINATE,
  );
  return same ? again.raw : undefined;
}

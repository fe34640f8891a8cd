/**
 * The GP's coordinates: one per parameter of the space, in order.
 *
 * - float: the unit interval of the space's encoding (log-scaled ones on the log scale) — continuous,
 *   searched by gradient;
 * - int and stepped float: the same interval, relaxed to continuous in the kernel; a suggestion is
 *   always at a grid cell's centre. With at most 16 values the search tries each (`neighbours`); with
 *   more, it moves them continuously with the floats, rounds, and then tries one and two steps away;
 * - categorical: the value's index, compared by the kernel's Hamming distance;
 * - a conditional parameter that is inactive is imputed: 0.5 for a numeric one, −1 (equal to no
 *   value) for a categorical one, so two trials where it is inactive do not differ on it.
 */
import type { ParamConfig, Parameter } from '../../../api/types.js';
import {
  decodeValue,
  encodeValue,
  snapNumeric,
  stepOf,
  type NumericParameter,
  type Space,
} from '../../space/space.js';

export const INACTIVE_NUMERIC = 0.5;
export const INACTIVE_CATEGORICAL = -1;
/** A discrete coordinate with at most this many values is searched exhaustively. */
const EXHAUSTIVE = 16;

export type CoordinateKind = 'continuous' | 'discrete' | 'categorical';

export class Encoding {
  readonly d: number;
  readonly kinds: readonly CoordinateKind[];
  readonly categorical: Uint8Array;
  /** Indices of the continuous coordinates. */
  readonly continuous: readonly number[];
  /** Indices of the discrete coordinates with more than 16 values, searched relaxed. */
  readonly relaxed: readonly number[];
  /** 1 where another parameter's `when` names this one (changing it may change what is active). */
  readonly parents: Uint8Array;
  private readonly hasConditional: boolean;

  constructor(readonly space: Space) {
    this.d = space.dimension;
    this.kinds = space.params.map((p) =>
      p.type === 'categorical' ? 'categorical' : stepOf(p) === undefined ? 'continuous' : 'discrete',
    );
    this.categorical = Uint8Array.from(this.kinds, (k) => (k === 'categorical' ? 1 : 0));
    this.continuous = this.kinds.flatMap((k, i) => (k === 'continuous' ? [i] : []));
    this.relaxed = space.params.flatMap((p, i) =>
      p.type !== 'categorical' && this.kinds[i] === 'discrete' && gridSize(p) > EXHAUSTIVE ? [i] : [],
    );
    const named = new Set(space.params.flatMap((p) => Object.keys(p.when ?? {})));
    this.parents = Uint8Array.from(space.params, (p) => (named.has(p.name) ? 1 : 0));
    this.hasConditional = space.params.some((p) => p.when !== undefined);
  }

  /** The coordinates of a configuration. */
  encode(config: ParamConfig): Float64Array {
    const out = new Float64Array(this.d);
    this.space.params.forEach((p, i) => {
      const v = config[p.name];
      if (v === undefined || !this.space.isActive(p, config)) {
        out[i] = p.type === 'categorical' ? INACTIVE_CATEGORICAL : INACTIVE_NUMERIC;
      } else if (p.type === 'categorical') {
        out[i] = Math.max(
          0,
          p.values.findIndex((c) => c === v),
        );
      } else {
        out[i] = encodeValue(p, v);
      }
    });
    return out;
  }

  /** The configuration at coordinates (parameters whose `when` fails are left out). */
  decode(point: ArrayLike<number>): ParamConfig {
    const config: ParamConfig = {};
    this.space.params.forEach((p, i) => {
      if (!this.space.isActive(p, config)) return;
      const z = point[i]!;
      if (p.type === 'categorical') {
        config[p.name] = p.values[Math.min(p.values.length - 1, Math.max(0, Math.round(z)))]!;
      } else {
        config[p.name] = decodeValue(p, z);
      }
    });
    return config;
  }

  /** The point a GP evaluation means: snapped to the grids, inactive coordinates imputed. */
  canonical(point: ArrayLike<number>): Float64Array {
    return this.encode(this.decode(point));
  }

  /**
   * Coordinates of the point of the unit cube `u` (the space's own encoding, as samplers draw):
   * encode(space.decode(u)), computed directly where no parameter is conditional (a float's
   * coordinate is then u itself).
   */
  fromUnit(u: readonly number[]): Float64Array {
    if (this.hasConditional) return this.encode(this.space.decode(u));
    const out = new Float64Array(this.d);
    for (let i = 0; i < this.d; i++) {
      const x = u[i]! < 0 ? 0 : u[i]! > 1 ? 1 : u[i]!;
      const p = this.space.params[i]!;
      if (p.type === 'categorical') out[i] = Math.min(p.values.length - 1, Math.floor(x * p.values.length));
      else out[i] = this.kinds[i] === 'continuous' ? x : encodeValue(p, decodeValue(p, x));
    }
    return out;
  }

  /** 1 for each coordinate whose parameter is active at the point. */
  activeMask(point: ArrayLike<number>): Uint8Array {
    const config = this.decode(point);
    return Uint8Array.from(this.space.params, (p) => (config[p.name] === undefined ? 0 : 1));
  }

  /**
   * The other values coordinate i may take from a canonical point, as coordinates: every value of a
   * categorical or a discrete parameter with at most 16, else the grid values one and two steps away.
   */
  neighbours(point: ArrayLike<number>, i: number): number[] {
    const p = this.space.params[i]!;
    const current = point[i]!;
    if (p.type === 'categorical') return p.values.map((_, k) => k).filter((k) => k !== current);
    const step = stepOf(p)!;
    const count = gridSize(p);
    if (count <= EXHAUSTIVE) {
      return Array.from({ length: count }, (_, k) => encodeValue(p, snapNumeric(p, p.min + k * step))).filter(
        (z) => z !== current,
      );
    }
    const value = decodeValue(p, current) as number;
    const out: number[] = [];
    for (const v of [value - step, value + step, value - 2 * step, value + 2 * step]) {
      if (v < p.min - 1e-9 * step || v > p.max + 1e-9 * step) continue;
      out.push(encodeValue(p, snapNumeric(p, v)));
    }
    return out;
  }

  param(i: number): Parameter {
    return this.space.params[i]!;
  }
}

/** The number of values of an int or stepped parameter. */
function gridSize(p: NumericParameter): number {
  return Math.floor((p.max - p.min) / stepOf(p)! + 1e-9) + 1;
}

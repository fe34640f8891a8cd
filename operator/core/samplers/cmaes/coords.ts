/**
 * Where CMA-ES searches: one unit-interval coordinate per always-active numeric parameter, in the
 * space's own encoding (space.ts), so `log: true` parameters are searched on the log scale. An int or
 * stepped parameter with two or more values is discrete: its coordinate is cut into one cell per grid
 * value at the points where the space's decoding switches value, which CMA-ES with Margin needs
 * (margin.ts). Categorical and conditional parameters are not CMA-ES's (sampler.ts).
 */
import type { ParamConfig, ParamValue } from '../../../api/types.js';
import {
  decodeValue,
  encodeValue,
  fromInternal,
  internalRange,
  snapNumeric,
  stepOf,
  toInternal,
  type NumericParameter,
  type Space,
} from '../../space/space.js';

/** The grid of a discrete coordinate: cell j holds grid value j; threshold j separates cells j and j+1. */
export class Cells {
  readonly count: number;
  private readonly step: number;
  private readonly lo: number;
  private readonly width: number;

  constructor(private readonly param: NumericParameter) {
    this.step = stepOf(param)!;
    this.count = Math.floor((param.max - param.min) / this.step + 1e-9) + 1;
    const [lo, hi] = internalRange(param);
    this.lo = lo;
    this.width = hi - lo;
  }

  value(j: number): number {
    return snapNumeric(this.param, this.param.min + j * this.step);
  }

  /** The coordinate where decoding switches from grid value j to j+1 (0 ≤ j ≤ count − 2). */
  threshold(j: number): number {
    return (toInternal(this.param, this.param.min + (j + 0.5) * this.step) - this.lo) / this.width;
  }

  /** The cell of a coordinate (clamped to the grid): threshold j belongs to cell j. */
  cellOf(u: number): number {
    const v = fromInternal(this.param, this.lo + u * this.width);
    let j = Math.round((v - this.param.min) / this.step);
    j = Math.min(this.count - 1, Math.max(0, Number.isFinite(j) ? j : u > 0.5 ? this.count - 1 : 0));
    while (j > 0 && u <= this.threshold(j - 1)) j--;
    while (j < this.count - 1 && u > this.threshold(j)) j++;
    return j;
  }

  /** The coordinate of grid value j (inside its cell). */
  centre(j: number): number {
    return encodeValue(this.param, this.value(j));
  }
}

export interface Coordinate {
  param: NumericParameter;
  /** Present for a discrete coordinate. */
  cells?: Cells;
}

/** The always-active numeric parameters of a space, in space order. */
export function coordinatesOf(space: Space): Coordinate[] {
  const out: Coordinate[] = [];
  for (const p of space.params) {
    if (p.type === 'categorical' || p.when) continue;
    const cells = stepOf(p) === undefined ? undefined : new Cells(p);
    out.push(cells && cells.count >= 2 ? { param: p, cells } : { param: p });
  }
  return out;
}

/** The values a configuration gives the coordinates' parameters, in coordinate order. */
export function valuesOfConfig(
  coords: readonly Coordinate[],
  config: ParamConfig,
): (ParamValue | undefined)[] {
  return coords.map((c) => config[c.param.name]);
}

/** The coordinates of those values, or undefined when one is missing or not a number. */
export function coordinatesOfValues(
  coords: readonly Coordinate[],
  values: readonly (ParamValue | undefined)[],
): Float64Array | undefined {
  const out = new Float64Array(coords.length);
  for (let i = 0; i < coords.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    out[i] = encodeValue(coords[i]!.param, v);
  }
  return out;
}

/** The parameter value at a continuous coordinate. */
export function continuousValue(c: Coordinate, u: number): ParamValue {
  return decodeValue(c.param, u);
}

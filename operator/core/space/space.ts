/**
 * The search space: an ordered list of parameters (ARCHITECTURE §3, §4).
 *
 * Encoding: each parameter maps to one coordinate of the unit cube [0, 1]^d. Numeric parameters map
 * through their (log) scale, so uniform in the cube is log-uniform for `log: true`; a categorical with k
 * values maps value i to the centre (i + 0.5) / k of its cell. Inactive conditional parameters encode
 * as NaN. `decode` is the inverse, snapping to int/step grids and clamping to the bounds.
 *
 * The space assumes a validated spec (operator/api/validation.ts): min < max, log ⇒ min > 0, `when`
 * refers to an earlier categorical.
 */
import type { CategoricalParameter, ParamConfig, ParamValue, Parameter } from '../../api/types.js';

export type NumericParameter = Exclude<Parameter, CategoricalParameter>;

export class Space {
  readonly params: readonly Parameter[];
  private readonly byName: Map<string, Parameter>;

  constructor(params: readonly Parameter[]) {
    this.params = params;
    this.byName = new Map(params.map((p) => [p.name, p]));
  }

  get dimension(): number {
    return this.params.length;
  }

  param(name: string): Parameter | undefined {
    return this.byName.get(name);
  }

  /** Whether `param` is active given the values already chosen for earlier parameters. */
  isActive(param: Parameter, config: ParamConfig): boolean {
    if (!param.when) return true;
    for (const [parent, allowed] of Object.entries(param.when)) {
      const parentParam = this.byName.get(parent);
      if (!parentParam || !this.isActive(parentParam, config)) return false;
      const v = config[parent];
      if (v === undefined || !allowed.some((a) => a === v)) return false;
    }
    return true;
  }

  /** Problems with a configuration, each naming the parameter; empty when it belongs to the space. */
  validate(config: ParamConfig): string[] {
    const errors: string[] = [];
    for (const key of Object.keys(config)) {
      if (!this.byName.has(key)) errors.push(`${key}: not a parameter of this space`);
    }
    for (const p of this.params) {
      const active = this.isActive(p, config);
      const v = config[p.name];
      if (!active) {
        if (v !== undefined) errors.push(`${p.name}: must be absent because its 'when' condition is not met`);
        continue;
      }
      if (v === undefined) {
        errors.push(`${p.name}: missing`);
        continue;
      }
      const problem = valueProblem(p, v);
      if (problem) errors.push(`${p.name}: ${problem}`);
    }
    return errors;
  }

  /** Unit-cube coordinates of a configuration; NaN for inactive parameters. */
  encode(config: ParamConfig): number[] {
    return this.params.map((p) => {
      const v = config[p.name];
      if (v === undefined || !this.isActive(p, config)) return NaN;
      return encodeValue(p, v);
    });
  }

  /** The configuration at unit-cube coordinates; inactive parameters are left out. */
  decode(point: readonly number[]): ParamConfig {
    const config: ParamConfig = {};
    this.params.forEach((p, i) => {
      if (!this.isActive(p, config)) return;
      config[p.name] = decodeValue(p, point[i] ?? 0.5);
    });
    return config;
  }
}

/** Values a numeric parameter takes on a grid, or undefined when it is continuous (float without step). */
export function numericGrid(p: NumericParameter): number[] | undefined {
  const step = stepOf(p);
  if (step === undefined) return undefined;
  const out: number[] = [];
  const n = Math.floor((p.max - p.min) / step + 1e-9);
  for (let k = 0; k <= n; k++) out.push(roundToStep(p.min + k * step, p));
  return out;
}

/** Forward transform of a numeric parameter onto the line where it is sampled uniformly. */
export function toInternal(p: NumericParameter, v: number): number {
  return p.log ? Math.log(v) : v;
}
export function fromInternal(p: NumericParameter, x: number): number {
  return p.log ? Math.exp(x) : x;
}

export function encodeValue(p: Parameter, v: ParamValue): number {
  if (p.type === 'categorical') {
    const i = p.values.findIndex((c) => c === v);
    return (i + 0.5) / p.values.length;
  }
  const [lo, hi] = internalRange(p);
  return (toInternal(p, v as number) - lo) / (hi - lo);
}

/** The step of an int or stepped parameter; undefined for a continuous float. */
export function stepOf(p: NumericParameter): number | undefined {
  return p.step ?? (p.type === 'int' ? 1 : undefined);
}

/**
 * The interval sampled uniformly for a numeric parameter (in log space for `log`). Discrete parameters
 * widen it by half a step on each side of the grid so every grid value owns an equal cell (the end
 * values are not half as likely as the others).
 */
export function internalRange(p: NumericParameter): [number, number] {
  const step = stepOf(p);
  if (step === undefined) return [toInternal(p, p.min), toInternal(p, p.max)];
  // The top cell is the last grid value's, which is below max when max is off the grid.
  const top = p.min + Math.floor((p.max - p.min) / step + 1e-9) * step;
  return [toInternal(p, p.min - step / 2), toInternal(p, top + step / 2)];
}

export function decodeValue(p: Parameter, u: number): ParamValue {
  const x = Math.min(1, Math.max(0, u));
  if (p.type === 'categorical') {
    return p.values[Math.min(p.values.length - 1, Math.floor(x * p.values.length))]!;
  }
  const [lo, hi] = internalRange(p);
  return snapNumeric(p, fromInternal(p, lo + x * (hi - lo)));
}

/** Rounds to the parameter's int/step grid and clamps into [min, max]. */
export function snapNumeric(p: NumericParameter, v: number): number {
  let out = v;
  const step = stepOf(p);
  if (step !== undefined) {
    const k = Math.round((out - p.min) / step);
    out = p.min + k * step;
    if (out > p.max + 1e-12) out -= step;
  }
  out = Math.min(p.max, Math.max(p.min, out));
  return roundToStep(out, p);
}

function roundToStep(v: number, p: NumericParameter): number {
  if (p.type === 'int') return Math.round(v);
  if (p.step === undefined) return v;
  // Remove binary noise such as 0.30000000000000004 so configurations print and compare cleanly.
  const decimals = Math.max(decimalPlaces(p.step), decimalPlaces(p.min));
  return Number(v.toFixed(Math.min(15, decimals)));
}

function decimalPlaces(x: number): number {
  const s = String(x);
  if (s.includes('e-')) return Number(s.split('e-')[1]) + (s.split('e-')[0]!.split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}

function valueProblem(p: Parameter, v: ParamValue): string | undefined {
  if (p.type === 'categorical') {
    return p.values.some((c) => c === v)
      ? undefined
      : `${JSON.stringify(v)} is not one of ${JSON.stringify(p.values)}`;
  }
  if (typeof v !== 'number' || !Number.isFinite(v))
    return `must be a finite number, got ${JSON.stringify(v)}`;
  if (v < p.min || v > p.max) return `${v} is outside [${p.min}, ${p.max}]`;
  if (p.type === 'int' && !Number.isInteger(v)) return `must be an integer, got ${v}`;
  if (p.step !== undefined) {
    const k = (v - p.min) / p.step;
    if (Math.abs(k - Math.round(k)) > 1e-6) return `${v} is not on the grid min + k·${p.step}`;
  }
  return undefined;
}

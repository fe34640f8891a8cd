/**
 * Kubernetes resource quantities ("500m", "2", "1Gi", "128974848", "1.5", "1e3") as the integer units the
 * quota counts: millicores for `cpu`, the plain value for everything else (bytes of memory, GPUs, ...).
 *
 * @kubernetes/client-node's `quantityToScalar` was not used: it returns fractions of a core as floats
 * (0.1 + 0.2 drift), rejects "1.5Gi" and exponents, and does not round; a limit check needs exact
 * integers. This parser keeps the value as an exact decimal × power of two until the final rounding.
 */
import { InvalidQuantity } from './errors.js';

/** value = (negative ? -1 : 1) × digits × 10^exp10 × 2^exp2, exactly. */
export interface Quantity {
  readonly negative: boolean;
  readonly digits: bigint;
  readonly exp10: number;
  readonly exp2: number;
}

/** Which way a value between two units goes: demands round up, limits round down (both never admit more). */
export type Rounding = 'up' | 'down';

const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
// The grammar of k8s.io/apimachinery's resource.Quantity: a signed decimal, then a binary SI suffix, a
// decimal SI suffix, or a decimal exponent. "1E" is exa and "1E3" an exponent, so the exponent goes last.
const GRAMMAR = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/;
// Bounds that keep the bigints small; no real request comes near them (2^53 bytes is 8 PiB).
const MAX_DIGITS = 40;
const MAX_EXPONENT = 40;

export function parseQuantity(text: string): Quantity {
  const m = GRAMMAR.exec(text);
  if (!m)
    throw new InvalidQuantity(text, 'expected a number with an optional suffix (m, k, Mi, Gi, e3, ...)');
  const [, sign, number = '', binary, decimal, exponent] = m;
  const [whole = '', fraction = ''] = number.split('.');
  const all = (whole + fraction).replace(/^0+(?=\d)/, '');
  if (all.length > MAX_DIGITS) throw new InvalidQuantity(text, `more than ${MAX_DIGITS} digits`);
  const shift = exponent !== undefined ? Number(exponent) : decimal !== undefined ? DECIMAL[decimal]! : 0;
  if (Math.abs(shift) > MAX_EXPONENT) throw new InvalidQuantity(text, `exponent beyond ±${MAX_EXPONENT}`);
  return {
    negative: sign === '-',
    digits: BigInt(all === '' ? '0' : all),
    exp10: shift - fraction.length,
    exp2: binary !== undefined ? BINARY[binary]! : 0,
  };
}

/** How many of the quota's units one unit of `resource` is: cpu is counted in millicores. */
export function unitScale(resource: string): number {
  return resource === 'cpu' ? 1000 : 1;
}

/** `quantity` × `scale` as an integer, rounded as asked; negative or above 2^53 − 1 is an error. */
export function quantityUnits(quantity: Quantity, scale: number, rounding: Rounding, text: string): number {
  let num = quantity.digits * BigInt(scale) * 2n ** BigInt(quantity.exp2);
  let den = 1n;
  if (quantity.exp10 >= 0) num *= 10n ** BigInt(quantity.exp10);
  else den = 10n ** BigInt(-quantity.exp10);
  if (quantity.negative && num !== 0n) throw new InvalidQuantity(text, 'must not be negative');
  let units = num / den;
  if (rounding === 'up' && num % den !== 0n) units += 1n;
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidQuantity(text, 'too large');
  return Number(units);
}

/**
 * A resource's quantity as quota units: `toUnits('cpu', '500m')` = 500, `toUnits('memory', '1Gi')` =
 * 1073741824, `toUnits('cpu', 2)` = 2000. Numbers (from YAML) go through their shortest decimal text, so
 * 0.1 is exactly a tenth.
 */
export function toUnits(resource: string, value: string | number, rounding: Rounding = 'up'): number {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new InvalidQuantity(String(value), 'not a finite number');
  }
  const text = typeof value === 'number' ? String(value) : value;
  return quantityUnits(parseQuantity(text), unitScale(resource), rounding, text);
}

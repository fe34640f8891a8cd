/** Small typed readers for sampler/scheduler settings; each error names the setting. */
import type { JsonObject } from '../../api/types.js';
import { InvalidSettings } from '../errors.js';

export function rejectUnknownSettings(owner: string, settings: JsonObject, known: readonly string[]): void {
  for (const key of Object.keys(settings)) {
    if (!known.includes(key)) {
      throw new InvalidSettings(
        `${key}: unknown setting of ${owner}${known.length ? ` (known: ${known.join(', ')})` : ' (it takes none)'}`,
      );
    }
  }
}

export function readBoolean(settings: JsonObject, key: string, fallback: boolean): boolean {
  const v = settings[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean')
    throw new InvalidSettings(`${key}: must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function readChoice<T extends string>(
  settings: JsonObject,
  key: string,
  fallback: T,
  choices: readonly T[],
): T {
  const v = settings[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new InvalidSettings(
      `${key}: must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${JSON.stringify(v)}`,
    );
  }
  return v as T;
}

export interface NumberBounds {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  integer?: boolean;
}

export function readNumber(
  settings: JsonObject,
  key: string,
  fallback: number,
  bounds?: NumberBounds,
): number;
export function readNumber(
  settings: JsonObject,
  key: string,
  fallback: undefined,
  bounds?: NumberBounds,
): number | undefined;
export function readNumber(
  settings: JsonObject,
  key: string,
  fallback: number | undefined,
  bounds: NumberBounds = {},
): number | undefined {
  const v = settings[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new InvalidSettings(`${key}: must be a number, got ${JSON.stringify(v)}`);
  }
  if (bounds.integer && !Number.isInteger(v))
    throw new InvalidSettings(`${key}: must be an integer, got ${v}`);
  if (bounds.min !== undefined && v < bounds.min)
    throw new InvalidSettings(`${key}: must be ≥ ${bounds.min}, got ${v}`);
  if (bounds.max !== undefined && v > bounds.max)
    throw new InvalidSettings(`${key}: must be ≤ ${bounds.max}, got ${v}`);
  if (bounds.above !== undefined && v <= bounds.above) {
    throw new InvalidSettings(`${key}: must be > ${bounds.above}, got ${v}`);
  }
  return v;
}

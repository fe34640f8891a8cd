/** A small typed flag parser over node's util.parseArgs, with errors a user can act on. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UltronError } from '../core/errors.js';

export class UsageError extends UltronError {
  constructor(message: string) {
    super('UsageError', message);
  }
}

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<O extends FlagSpec>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

/** A flag value as a positive (or ≥ min) integer, or undefined when absent. */
export function intFlag(value: string | boolean | undefined, flag: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min) {
    throw new UsageError(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

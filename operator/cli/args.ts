/**
 * A small typed flag parser shared by the commands, over node's util.parseArgs: `--flag value`,
 * `--flag=value`, booleans, repeated positionals. Problems become a `UsageError` carrying the command's
 * usage text, which `main` prints with exit code 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UltronError } from '../errors.js';

/** The command line is wrong (exit 2); `usage` is the command's help, printed after the message. */
export class UsageError extends UltronError {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super('UsageError', message);
  }
}

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` against `options`; unknown flags and missing values throw a `UsageError`. */
export function parseFlags<O extends FlagSpec>(argv: string[], options: O, usage?: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs explains how to pass a positional that starts with '-'; for a typo that is noise.
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(message, usage);
  }
}

/** A flag value as an integer ≥ min, or undefined when absent. */
export function intFlag(value: string | boolean | undefined, flag: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new UsageError(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

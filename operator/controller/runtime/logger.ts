/**
 * JSON logs, one object per line, through pino. Keys a reader filters on (namespace, hpojob, trial,
 * controller) are bound once with `withContext`, so every line of a reconcile carries them without each
 * call site repeating them.
 */
import { pino, stdTimeFunctions, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The keys the operator binds to a child logger; any may be left out. */
export interface LogContext {
  namespace?: string;
  hpojob?: string;
  trial?: string;
  controller?: string;
  [key: string]: string | number | boolean | undefined;
}

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Bound to every line, e.g. the component name. */
  base?: Record<string, string>;
  /** Where lines go; stdout by default (the container runtime collects it). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      // Text level names and ISO times read better in `kubectl logs` than pino's numbers and epoch ms,
      // and log collectors parse both.
      formatters: { level: (label) => ({ level: label }) },
      timestamp: stdTimeFunctions.isoTime,
      base: options.base ?? {},
    },
    options.destination,
  );
}

/** A child logger whose every line carries `context`; undefined keys are left out, not written as null. */
export function withContext(logger: Logger, context: LogContext): Logger {
  const bound: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(context)) if (value !== undefined) bound[key] = value;
  return logger.child(bound);
}

/**
 * The small logger the NATS shells write through: one JSON object per line (time, level, msg, fields),
 * so log collectors parse it without a format. Tests pass `memoryLogger()` and look at the records.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LogRecord extends LogFields {
  level: LogLevel;
  msg: string;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Errors become their name, code and message (JSON.stringify drops them otherwise). */
function plain(fields: LogFields | undefined): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields ?? {})) {
    if (v instanceof Error) {
      const code = (v as { code?: unknown }).code;
      out[k] = code === undefined ? `${v.name}: ${v.message}` : `${v.name} (${String(code)}): ${v.message}`;
    } else out[k] = v;
  }
  return out;
}

function build(emit: (record: LogRecord) => void, min: LogLevel, base: LogFields): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (RANK[level] >= RANK[min]) emit({ ...base, ...plain(fields), level, msg });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** JSON lines to `write` (stderr by default), records below `min` dropped. */
export function jsonLogger(
  opts: { min?: LogLevel; base?: LogFields; write?: (line: string) => void; now?: () => Date } = {},
): Logger {
  const write = opts.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const now = opts.now ?? (() => new Date());
  return build(
    (r) => write(JSON.stringify({ time: now().toISOString(), ...r })),
    opts.min ?? 'info',
    opts.base ?? {},
  );
}

/** A logger that keeps its records, for tests. */
export function memoryLogger(): Logger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return Object.assign(
    build((r) => records.push(r), 'debug', {}),
    { records },
  );
}

export const silentLogger: Logger = build(() => {}, 'error', {});

/** A logger whose calls take the fields first (pino's `log.info(fields, msg)`). */
export interface FieldsFirstLogger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
}

/**
 * This interface over a fields-first logger (the operator runtime's pino), errors flattened to text
 * as jsonLogger does (pino writes an Error under any key but `err` as `{}`).
 */
export function fieldsFirst(target: FieldsFirstLogger): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void =>
      target[level](plain(fields), msg);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

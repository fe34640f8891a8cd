/**
 * Metric lines (ARCHITECTURE §6): JSON `{"step": 3, "val_loss": 0.41}` or text `step=3 val_loss=0.41`.
 * Other output is ordinary logging and ignored; a line that looks like a metric report but cannot be
 * read is "malformed": counted and reported, never fatal.
 */
export type MetricLine =
  | { kind: 'metrics'; step?: number; values: Record<string, number> }
  | { kind: 'malformed'; reason: string }
  | { kind: 'ignored' };

const KV = /^[A-Za-z_][A-Za-z0-9_./-]*=\S*$/;

function fromEntries(entries: Array<[string, unknown]>): MetricLine {
  const values: Record<string, number> = {};
  let step: number | undefined;
  for (const [key, raw] of entries) {
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return { kind: 'malformed', reason: `${key}: not a finite number (${JSON.stringify(raw)})` };
    }
    if (key === 'step') {
      if (!Number.isInteger(value) || value < 0)
        return { kind: 'malformed', reason: `step: must be a non-negative integer (${value})` };
      step = value;
    } else values[key] = value;
  }
  if (Object.keys(values).length === 0) return { kind: 'malformed', reason: 'no metric values' };
  return step === undefined ? { kind: 'metrics', values } : { kind: 'metrics', step, values };
}

export function parseMetricLine(line: string): MetricLine {
  const text = line.trim();
  if (text === '') return { kind: 'ignored' };
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { kind: 'malformed', reason: 'invalid JSON' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { kind: 'malformed', reason: 'a JSON metric line must be an object' };
    }
    return fromEntries(Object.entries(parsed));
  }
  const tokens = text.split(/\s+/);
  if (tokens.every((t) => KV.test(t)))
    return fromEntries(tokens.map((t) => t.split('=', 2) as [string, string]));
  // Half a metric line (e.g. cut off by a crash) is malformed; a log line that merely contains '=' is not.
  if (/^step=/.test(text)) return { kind: 'malformed', reason: 'not a list of key=value pairs' };
  return { kind: 'ignored' };
}

/** Splits a growing stream into lines; the unfinished tail waits for its newline. */
export class LineBuffer {
  private tail = '';
  push(chunk: string): string[] {
    const parts = (this.tail + chunk).split('\n');
    this.tail = parts.pop()!;
    return parts;
  }
  /** The unterminated last line, at end of stream. */
  flush(): string[] {
    const rest = this.tail;
    this.tail = '';
    return rest ? [rest] : [];
  }
}

/**
 * The metric messages of one pod (bus/protocol.ts `MetricMessage`), from the trainer's lines (pure).
 * `pod` is the pod's uid, as in the message ids: the operator keys a pod's end of metrics by it.
 */
import type { MetricMessage } from '../bus/index.js';
import { parseMetricLine } from '../core/trial/index.js';
import type { TailLine } from './tailer.js';

/** What one line becomes: a report or a malformed line (never `end`). */
export type LineMessage = Exclude<MetricMessage, { kind: 'end' | 'checkpoint' | 'checkpoints-off' }>;

/** A malformed line's text is quoted back to the user, cut to this length. */
export const MAX_QUOTED_TEXT = 512;

/** The message for one complete line, or undefined for a line that is ordinary logging. */
export function lineMessage(pod: string, l: TailLine): LineMessage | undefined {
  const text = l.text.slice(0, MAX_QUOTED_TEXT);
  if (l.tooLong)
    return {
      v: 1,
      kind: 'malformed',
      pod,
      line: l.line,
      reason: 'line too long; the rest was skipped',
      text,
    };
  const parsed = parseMetricLine(l.text);
  if (parsed.kind === 'ignored') return undefined;
  if (parsed.kind === 'malformed')
    return { v: 1, kind: 'malformed', pod, line: l.line, reason: parsed.reason, text };
  return {
    v: 1,
    kind: 'report',
    pod,
    line: l.line,
    ...(parsed.step !== undefined ? { step: parsed.step } : {}),
    values: parsed.values,
  };
}

/**
 * The file's last line had no newline when the pod stopped. Only complete lines are metrics; one that
 * is not plain logging is reported as malformed so the user sees it was cut off.
 */
export function partialLineMessage(pod: string, l: TailLine): LineMessage | undefined {
  if (parseMetricLine(l.text).kind === 'ignored') return undefined;
  return {
    v: 1,
    kind: 'malformed',
    pod,
    line: l.line,
    reason: 'no newline at the end of the file: the line was cut off',
    text: l.text.slice(0, MAX_QUOTED_TEXT),
  };
}

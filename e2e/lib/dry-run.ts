/** `kubectl apply --dry-run=server` of a manifest, and the field errors the API server answered with. */
import { kubectl } from './bed.js';

export type DryRun = { ok: true; stdout: string } | { ok: false; stderr: string };

/** Applies `text` in `namespace` as a server-side dry run (kubectl's default strict field validation). */
export async function dryRun(text: string, namespace: string): Promise<DryRun> {
  try {
    return {
      ok: true,
      stdout: await kubectl(['apply', '-n', namespace, '--dry-run=server', '-f', '-'], text),
    };
  } catch (e) {
    return { ok: false, stderr: (e as Error).message };
  }
}

export interface ServerError {
  path: string;
  /** What the API server said about it (after the path). */
  text: string;
}

// Printed when schema errors kept the API server from running the CEL rules; it names no field.
const NOT_CHECKED = /^<nil>: Invalid value: null: some validation rules were not checked/;

/**
 * The field errors in kubectl's message: `The HPOJob "x" is invalid: <path>: <text>` (one) or a list of
 * `* <path>: <text>` lines (several), and strict field validation's `unknown field "<path>"`.
 */
export function serverErrors(stderr: string): ServerError[] {
  const out: ServerError[] = [];
  for (const m of stderr.matchAll(/unknown field "([^"]+)"/g))
    out.push({ path: m[1]!, text: 'unknown field' });
  for (const block of stderr.split(/ is invalid: /).slice(1)) {
    const entries =
      block.startsWith('\n') || block.startsWith(' \n') ? block.split(/\n\* /).slice(1) : [block];
    for (const entry of entries) {
      const line = entry.split('\n')[0]!.trim();
      if (NOT_CHECKED.test(line)) continue;
      const at = line.indexOf(': ');
      if (at > 0) out.push({ path: line.slice(0, at), text: line.slice(at + 2) });
    }
  }
  return out;
}

/**
 * `ultron validate FILE...`: checks every document of every file and prints every problem as
 * `FILE[:doc N]: <path>: <message>` (syntax errors as `FILE:LINE:COLUMN: YAML: <message>`), and
 * `FILE[:doc N]: ok (<Kind> <name>)` for good documents. Exit 0 when all are valid, 1 when any is not,
 * 2 on a usage error or an unreadable file.
 */
import { formatSyntaxError, loadManifestFile, type ManifestDocument } from '../api/manifest.js';
import { formatError, validateHPOJob, validateTrial, type ValidationError } from '../api/validation.js';
import { builtinValidationHooks } from '../core/settings-validation.js';
import { parseFlags, UsageError } from './args.js';
import type { Io } from '../local/io.js';

export const VALIDATE_USAGE = `usage: ultron validate FILE...

Checks HPOJob and Trial manifests (multi-document YAML) the way the cluster will, and prints every
problem with its field path. Exit status: 0 all valid, 1 some invalid, 2 usage error or unreadable file.`;

function validateDocument(value: unknown): { errors: ValidationError[]; kind?: string } {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind === 'Trial') return { errors: validateTrial(value), kind };
  // A document without kind is most likely an HPOJob missing it: say so, and check the rest as one.
  if (kind === 'HPOJob' || kind === undefined)
    return { errors: validateHPOJob(value, builtinValidationHooks), kind: 'HPOJob' };
  return { errors: [{ path: 'kind', message: `must be HPOJob or Trial, got ${JSON.stringify(kind)}` }] };
}

function report(file: string, docs: ManifestDocument[], io: Io): boolean {
  let ok = true;
  for (const doc of docs) {
    const where = docs.length > 1 ? `${file}:doc ${doc.index}` : file;
    if (doc.syntaxErrors.length) {
      ok = false;
      for (const e of doc.syntaxErrors) io.err(formatSyntaxError(file, e));
      continue;
    }
    const { errors, kind } = validateDocument(doc.value);
    if (errors.length) {
      ok = false;
      for (const e of errors) io.err(`${where}: ${formatError(e)}`);
    } else {
      const name = (doc.value as { metadata: { name: string } }).metadata.name;
      io.out(`${where}: ok (${kind} ${name})`);
    }
  }
  return ok;
}

export async function validateCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals: files } = parseFlags(
    argv,
    { help: { type: 'boolean', short: 'h' } },
    VALIDATE_USAGE,
  );
  if (values.help) {
    io.out(VALIDATE_USAGE);
    return 0;
  }
  if (files.length === 0) throw new UsageError('no FILE given', VALIDATE_USAGE);
  let invalid = false;
  let unreadable = false;
  for (const file of files) {
    let docs: ManifestDocument[];
    try {
      docs = await loadManifestFile(file);
    } catch (e) {
      io.err(`${file}: cannot read: ${(e as Error).message}`);
      unreadable = true;
      continue;
    }
    if (docs.length === 0) {
      io.err(`${file}: no documents`);
      invalid = true;
    } else if (!report(file, docs, io)) invalid = true;
  }
  return unreadable ? 2 : invalid ? 1 : 0;
}

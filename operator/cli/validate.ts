/** `ultron validate FILE...`: every error of every document; exit 1 if any, 2 if a file is unreadable. */
import { loadManifestFile } from '../api/manifest.js';
import { formatError, validateHPOJob, validateTrial } from '../api/validation.js';
import { builtinValidationHooks } from '../core/settings-validation.js';
import type { Io } from './io.js';

export async function validateCommand(files: string[], io: Io): Promise<number> {
  if (files.length === 0) {
    io.err('usage: ultron validate FILE...');
    return 2;
  }
  let invalid = false;
  let unreadable = false;
  for (const file of files) {
    let docs;
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
    }
    for (const doc of docs) {
      const where = docs.length > 1 ? `${file}:doc ${doc.index}` : file;
      if (doc.errors.length) {
        for (const e of doc.errors) io.err(`${where}: YAML ${e}`);
        invalid = true;
        continue;
      }
      const kind = (doc.value as { kind?: unknown } | null)?.kind;
      const errors =
        kind === 'Trial'
          ? validateTrial(doc.value)
          : kind === 'HPOJob' || kind === undefined
            ? validateHPOJob(doc.value, builtinValidationHooks)
            : [{ path: 'kind', message: `must be HPOJob or Trial, got ${JSON.stringify(kind)}` }];
      if (errors.length) {
        invalid = true;
        for (const e of errors) io.err(`${where}: ${formatError(e)}`);
      } else {
        const name = (doc.value as { metadata: { name: string } }).metadata.name;
        io.out(`${where}: ok (${kind} ${name})`);
      }
    }
  }
  return unreadable ? 2 : invalid ? 1 : 0;
}

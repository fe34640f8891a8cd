/** Reading manifest files: multi-document YAML, with syntax errors reported by file and line. */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';

export interface ManifestDocument {
  /** 1-based position of the document in the file. */
  index: number;
  value: unknown;
  /** YAML syntax problems, as "line L: message". */
  errors: string[];
}

export function parseManifestText(text: string): ManifestDocument[] {
  const out: ManifestDocument[] = [];
  let index = 0;
  for (const doc of parseAllDocuments(text, { prettyErrors: false })) {
    index++;
    const errors = doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
    const value: unknown = errors.length ? undefined : doc.toJS({ maxAliasCount: 100 });
    if (!errors.length && (value === null || value === undefined)) continue; // empty document
    out.push({ index, value, errors });
  }
  return out;
}

export async function loadManifestFile(path: string): Promise<ManifestDocument[]> {
  return parseManifestText(await readFile(path, 'utf8'));
}

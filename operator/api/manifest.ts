/**
 * Reading manifest files: multi-document YAML. Syntax errors come back with their line and column,
 * per document, and never as an exception: a user's file is input, not a program fault.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseAllDocuments } from 'yaml';

export interface YamlSyntaxError {
  /** 1-based, in the whole file. */
  line: number;
  column: number;
  message: string;
}

export interface ManifestDocument {
  /** 1-based position of the document in the file (empty documents count, so `doc N` is what a reader counts). */
  index: number;
  /** The parsed value; undefined when the document has syntax errors. */
  value: unknown;
  /** Syntax problems (format them with formatSyntaxError). */
  syntaxErrors: YamlSyntaxError[];
}

/** `FILE:LINE:COLUMN: YAML: message`, the form editors and terminals link to. */
export function formatSyntaxError(file: string, e: YamlSyntaxError): string {
  return `${file}:${e.line}:${e.column}: YAML: ${e.message}`;
}

/** The non-empty documents of a YAML text, each with its syntax errors. */
export function parseManifestText(text: string): ManifestDocument[] {
  const lines = new LineCounter();
  const out: ManifestDocument[] = [];
  let index = 0;
  for (const doc of parseAllDocuments(text, { lineCounter: lines, prettyErrors: false })) {
    index++;
    const syntaxErrors = doc.errors.map((e): YamlSyntaxError => {
      const pos = lines.linePos(e.pos[0]);
      return { line: pos.line, column: pos.col, message: e.message.split('\n')[0]! };
    });
    let value: unknown;
    if (syntaxErrors.length === 0) {
      try {
        // Aliases are expanded; a bounded count keeps a "billion laughs" file from exhausting memory.
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (e) {
        const pos = lines.linePos(doc.range[0]);
        syntaxErrors.push({ line: pos.line, column: pos.col, message: (e as Error).message });
      }
    }
    if (syntaxErrors.length === 0 && (value === null || value === undefined)) continue; // empty document
    out.push({ index, value, syntaxErrors });
  }
  return out;
}

/** The documents of a manifest file. Rejects only when the file cannot be read. */
export async function loadManifestFile(path: string): Promise<ManifestDocument[]> {
  return parseManifestText(await readFile(path, 'utf8'));
}

/**
 * Benchmarks share docs/benchmarks.md: each owns one section between `<!-- bench:NAME -->` and
 * `<!-- /bench:NAME -->` and rewrites only that, so running one benchmark keeps the others' figures.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function replaceSection(doc: string, name: string, body: string): string {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${begin}\n${body.trim()}\n${end}`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) return doc.slice(0, i) + block + doc.slice(j + end.length);
  return `${doc.trimEnd()}${doc.trim() ? '\n\n' : ''}${block}\n`;
}

export function writeSection(file: string, name: string, body: string): void {
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, replaceSection(doc, name, body));
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSyntaxError, loadManifestFile, parseManifestText } from './manifest.js';

describe('parseManifestText', () => {
  it('returns each non-empty document with its position in the file', () => {
    const docs = parseManifestText('a: 1\n---\n# only a comment\n---\n---\nb: [2]\n...\n');
    expect(docs.map((d) => [d.index, d.value])).toEqual([
      [1, { a: 1 }],
      [4, { b: [2] }],
    ]);
    expect(docs.every((d) => d.syntaxErrors.length === 0)).toBe(true);
  });

  it('returns nothing for an empty or comment-only text', () => {
    expect(parseManifestText('')).toEqual([]);
    expect(parseManifestText('# nothing\n\n')).toEqual([]);
  });

  it('reports syntax errors with line and column, per document, without throwing', () => {
    const docs = parseManifestText('ok: 1\n---\nname: x\n  bad: indent\n---\nfine: true\n');
    expect(docs.map((d) => d.index)).toEqual([1, 2, 3]);
    expect(docs[0]!.value).toEqual({ ok: 1 });
    expect(docs[1]!.value).toBeUndefined();
    expect(docs[1]!.syntaxErrors.length).toBeGreaterThan(0);
    expect(docs[1]!.syntaxErrors[0]).toMatchObject({ line: 3, column: 7 });
    expect(docs[2]!.value).toEqual({ fine: true });
    expect(formatSyntaxError('f.yaml', { line: 4, column: 3, message: 'm' })).toBe('f.yaml:4:3: YAML: m');
  });

  it('reports duplicate keys and unclosed flow collections', () => {
    expect(parseManifestText('a: 1\na: 2\n')[0]!.syntaxErrors[0]!.line).toBe(2);
    expect(parseManifestText('a: {b: 1\n')[0]!.syntaxErrors.length).toBeGreaterThan(0);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) {
      const p = String.fromCharCode(97 + i);
      const n = String.fromCharCode(98 + i);
      bomb.push(`${n}: &${n} [${Array(10).fill(`*${p}`).join(', ')}]`);
    }
    const [doc] = parseManifestText(bomb.join('\n'));
    expect(doc!.value).toBeUndefined();
    expect(doc!.syntaxErrors[0]!.message).toMatch(/alias/i);
  });
});

describe('loadManifestFile', () => {
  it('reads a file and rejects only when it cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ultron-manifest-'));
    writeFileSync(join(dir, 'a.yaml'), 'kind: HPOJob\n---\nkind: Trial\n');
    expect((await loadManifestFile(join(dir, 'a.yaml'))).map((d) => d.value)).toEqual([
      { kind: 'HPOJob' },
      { kind: 'Trial' },
    ]);
    await expect(loadManifestFile(join(dir, 'missing.yaml'))).rejects.toThrow(/ENOENT/);
  });
});

/**
 * Every malformed manifest under __fixtures__/invalid names its expected error paths on its first line
 * (`# expect: spec.parameters[2].min`, several separated by commas); `ultron validate` must report exactly
 * those paths (each at least once) and nothing may throw.
 * Valid fixtures and every examples/**\/hpojob*.yaml must validate clean.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryIo } from '../local/io.js';
import { main } from '../cli/main.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '__fixtures__');
const repo = join(here, '..', '..');

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

async function validate(file: string): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const io = memoryIo();
  const code = await main(['validate', file], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('invalid manifests', () => {
  const dir = join(fixtures, 'invalid');
  const files = yamlFiles(dir);

  it('there are at least 25 distinct malformed manifests, each naming its expected error', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
    const texts = files.map((f) => readFileSync(join(dir, f), 'utf8'));
    for (const t of texts) expect(t).toMatch(/^# expect: \S+(, \S+)*\n/);
    expect(new Set(texts).size).toBe(texts.length);
  });

  it.each(files)('%s is rejected with exactly the expected fields named', async (name) => {
    const file = join(dir, name);
    const expected = /^# expect: (.+)$/m.exec(readFileSync(file, 'utf8'))![1]!.split(/,\s*/);
    const { code, stdout, stderr } = await validate(file);
    expect(code).toBe(1);
    expect(stdout).toEqual([]);
    const patterns = expected.map((path) =>
      path === 'YAML'
        ? new RegExp(`^${escape(file)}:\\d+:\\d+: YAML: \\S`)
        : new RegExp(`^${escape(file)}(:doc \\d+)?: ${escape(path)}: \\S`),
    );
    // Every expected path is reported, and nothing else is (a knock-on error is listed in the fixture).
    for (const p of patterns) expect(stderr.filter((l) => p.test(l))).not.toEqual([]);
    expect(stderr.filter((l) => !patterns.some((p) => p.test(l)))).toEqual([]);
  });
});

describe('valid manifests', () => {
  it.each(yamlFiles(join(fixtures, 'valid')))('%s validates clean', async (name) => {
    const { code, stdout, stderr } = await validate(join(fixtures, 'valid', name));
    expect(stderr).toEqual([]);
    expect(code).toBe(0);
    expect(stdout.every((l) => / ok \((HPOJob|Trial) [a-z0-9-]+\)$/.test(l))).toBe(true);
  });

  it('every examples/**/hpojob*.yaml validates clean', async () => {
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : /^hpojob.*\.ya?ml$/.test(e.name) ? [join(d, e.name)] : [],
      );
    const examples = existsSync(join(repo, 'examples')) ? walk(join(repo, 'examples')) : [];
    for (const file of examples) {
      const { code, stderr } = await validate(file);
      expect({ file, stderr, code }).toEqual({ file, stderr: [], code: 0 });
    }
  });
});

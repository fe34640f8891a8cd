import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../local/io.js';
import { main } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'ultron-cli-'));
const good = `apiVersion: ultron.dev/v1alpha1
kind: HPOJob
metadata: {name: ok}
spec:
  objective: {metric: loss, direction: minimize}
  parameters: [{name: x, type: float, min: 0, max: 1}]
  trialTemplate: {template: {spec: {containers: [{name: trainer, command: [python3, t.py]}]}}}
`;
const trial = `apiVersion: ultron.dev/v1alpha1
kind: Trial
metadata: {name: ok-0}
spec: {hpoJob: ok, index: 0, params: {x: 0.5}, seed: 3}
`;
const write = (name: string, text: string): string => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};
async function run(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe('ultron validate', () => {
  it('prints ok for a valid file and exits 0', async () => {
    const f = write('good.yaml', good);
    expect(await run('validate', f)).toEqual({ code: 0, stdout: [`${f}: ok (HPOJob ok)`], stderr: [] });
  });

  it('prints every error of every document with file, document and path, and exits 1', async () => {
    const bad = good.replace('max: 1', 'max: 0').replace('direction: minimize', 'direction: up');
    const f = write('bad.yaml', `${good}---\n${bad}---\n${trial}`);
    const r = await run('validate', f);
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([`${f}:doc 1: ok (HPOJob ok)`, `${f}:doc 3: ok (Trial ok-0)`]);
    expect(r.stderr).toEqual([
      `${f}:doc 2: spec.objective.direction: must be one of minimize, maximize, got "up"`,
      `${f}:doc 2: spec.parameters[0].max: must be greater than min`,
    ]);
  });

  it('validates several files and reports each', async () => {
    const a = write('a.yaml', good);
    const b = write('b.yaml', trial.replace('index: 0', 'index: 1'));
    const r = await run('validate', a, b);
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([`${a}: ok (HPOJob ok)`]);
    expect(r.stderr).toEqual([`${b}: metadata.name: must be <spec.hpoJob>-<spec.index>`]);
  });

  it('names kind for documents that are neither HPOJob nor Trial', async () => {
    const f = write('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    expect(await run('validate', f)).toEqual({
      code: 1,
      stdout: [],
      stderr: [`${f}: kind: must be HPOJob or Trial, got "ConfigMap"`],
    });
  });

  it('reports YAML syntax errors as FILE:LINE:COLUMN and still checks the other documents', async () => {
    const f = write('syntax.yaml', `${good}---\nkind: HPOJob\nmetadata: {name: x\n`);
    const r = await run('validate', f);
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([`${f}:doc 1: ok (HPOJob ok)`]);
    expect(r.stderr.length).toBeGreaterThan(0);
    for (const line of r.stderr) expect(line).toMatch(new RegExp(`^${f}:(10|11):\\d+: YAML: \\S`));
  });

  it('says so for a file without documents', async () => {
    const f = write('empty.yaml', '# nothing\n');
    expect(await run('validate', f)).toEqual({ code: 1, stdout: [], stderr: [`${f}: no documents`] });
  });

  it('exits 2 for unreadable files (after checking the others) and for usage errors', async () => {
    const a = write('ok2.yaml', good);
    const missing = await run('validate', join(dir, 'missing.yaml'), a);
    expect(missing.code).toBe(2);
    expect(missing.stderr[0]).toMatch(/missing\.yaml: cannot read: .*ENOENT/);
    expect(missing.stdout).toEqual([`${a}: ok (HPOJob ok)`]);
    const none = await run('validate');
    expect(none.code).toBe(2);
    expect(none.stderr.join('\n')).toMatch(/no FILE given[\s\S]*usage: ultron validate FILE/);
    const flag = await run('validate', '--strict', a);
    expect(flag.code).toBe(2);
    expect(flag.stderr.join('\n')).toMatch(/--strict[\s\S]*usage: ultron validate/);
  });

  it('prints its help', async () => {
    const r = await run('validate', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toMatch(/^usage: ultron validate FILE/);
  });
});

describe('ultron', () => {
  it('prints the version from package.json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await run('--version')).toEqual({ code: 0, stdout: [pkg.version], stderr: [] });
  });

  it('prints help with --help (exit 0) and without a command (exit 2)', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout[0]).toMatch(/^usage: ultron <command>/);
    expect(help.stdout[0]).toMatch(/validate FILE/);
    const bare = await run();
    expect(bare.code).toBe(2);
    expect(bare.stdout[0]).toBe(help.stdout[0]);
  });

  it('rejects an unknown command with the usage and exit 2', async () => {
    const r = await run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/^ultron: unknown command 'frobnicate'[\s\S]*usage: ultron <command>/);
  });
});

describe('ultron run', () => {
  it('refuses a trainer without a command that validate accepts (the image entrypoint is cluster-only)', async () => {
    const f = write('from-image.yaml', good.replace('command: [python3, t.py]', 'image: my/trainer'));
    expect((await run('validate', f)).code).toBe(0);
    const r = await run('run', f, '--output', join(dir, 'out-from-image'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([
      `${f}: spec.trialTemplate.template.spec.containers[0].command: the local runner needs the trainer's command (it does not use the image or its entrypoint); add e.g. command: [python3, train.py]`,
    ]);
  });

  it('reports YAML syntax errors as FILE:LINE:COLUMN, like validate', async () => {
    const f = write('broken.yaml', 'kind: HPOJob\nspec: {a: 1\n');
    const r = await run('run', f, '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr.length).toBeGreaterThan(0);
    for (const line of r.stderr)
      expect(line).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: YAML: \\S`));
    expect((await run('validate', f)).stderr).toEqual(r.stderr);
  });
});

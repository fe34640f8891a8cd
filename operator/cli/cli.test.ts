import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intFlag, parseFlags, UsageError } from './args.js';
import { memoryIo } from './io.js';
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

describe('ultron validate', () => {
  it('prints ok for a valid file and exits 0', async () => {
    const f = join(dir, 'good.yaml');
    writeFileSync(f, good);
    const io = memoryIo();
    expect(await main(['validate', f], io)).toBe(0);
    expect(io.stdout).toEqual([`${f}: ok (HPOJob ok)`]);
  });

  it('prints every error of every document with file, document and path, and exits 1', async () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(
      f,
      `${good}---\n${good.replace('max: 1', 'max: 0').replace('direction: minimize', 'direction: up')}`,
    );
    const io = memoryIo();
    expect(await main(['validate', f], io)).toBe(1);
    expect(io.stdout).toEqual([`${f}:doc 1: ok (HPOJob ok)`]);
    expect(io.stderr).toEqual([
      `${f}:doc 2: spec.objective.direction: must be one of minimize, maximize, got "up"`,
      `${f}:doc 2: spec.parameters[0].max: must be greater than min`,
    ]);
  });

  it('exits 2 for unreadable files and usage errors', async () => {
    const io = memoryIo();
    expect(await main(['validate', join(dir, 'missing.yaml')], io)).toBe(2);
    expect(io.stderr[0]).toMatch(/cannot read/);
    expect(await main(['validate'], memoryIo())).toBe(2);
    expect(await main(['frobnicate'], memoryIo())).toBe(2);
  });

  it('prints the version and help', async () => {
    const io = memoryIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.stdout[0]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(await main(['--help'], io)).toBe(0);
  });
});

describe('flag parsing', () => {
  it('parses flags and positionals and rejects unknown flags', () => {
    const { values, positionals } = parseFlags(['job.yaml', '--seed', '3', '--quiet'], {
      seed: { type: 'string' },
      quiet: { type: 'boolean' },
    });
    expect(positionals).toEqual(['job.yaml']);
    expect(intFlag(values.seed, 'seed', 0)).toBe(3);
    expect(() => parseFlags(['--nope'], {})).toThrow(UsageError);
    expect(() => intFlag('x', 'parallelism')).toThrow(/--parallelism must be an integer/);
  });
});

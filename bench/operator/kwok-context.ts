/**
 * What every part of the kwok benchmark (kwok.ts) shares: its command-line options, the bed's
 * environment, the namespaces, the log line and kubectl.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { bedEnv } from '../../e2e/lib/bed.js';

export const { values } = parseArgs({
  options: {
    kwok: { type: 'boolean', default: false },
    runs: { type: 'string', default: 'a,b,c' },
    /** Run (a) once per sampler. */
    samplers: { type: 'string', default: 'tpe' },
    'b-sampler': { type: 'string', default: 'tpe' },
    trials: { type: 'string', default: '2000' },
    parallelism: { type: 'string', default: '200' },
    jobs: { type: 'string', default: '20' },
    'job-trials': { type: 'string', default: '100' },
    'job-parallelism': { type: 'string', default: '10' },
    'burst-trials': { type: 'string', default: '1000' },
    /** When the metrics of a pod are published: when its pod appears (added) or its trainer runs. */
    inject: { type: 'string', default: 'added' },
    'timeout-min': { type: 'string', default: '40' },
    'keep-kwok': { type: 'boolean', default: false },
    'no-doc': { type: 'boolean', default: false },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});

export const REPO = process.cwd();
if (!existsSync(join(REPO, 'bench/operator/kwok-up.sh'))) throw new Error('run from the repository root');
export const env = { ...process.env, ...bedEnv() };
export const SYSTEM_NS = 'ultron-system';
export const NS_PREFIX = 'kwok-bench-';
export const inject = values.inject === 'running' ? 'running' : 'added';
export const log = (msg: string): void =>
  void process.stderr.write(`[kwok-bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

export const kubectl = (args: string[], input?: string): string =>
  execFileSync('kubectl', args, { env, input, encoding: 'utf8', maxBuffer: 256 << 20 });
const run = promisify(execFile);
export const kubectlAsync = async (args: string[]): Promise<string> =>
  (await run('kubectl', args, { env, encoding: 'utf8', maxBuffer: 256 << 20 })).stdout;

/**
 * The TypeScript side of the bridge to a Python worker (worker.py): one long-lived process, one JSON
 * request per line on its stdin, one response per line on its stdout, matched by id. Requests may be
 * issued concurrently; the worker answers them in order.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ParamConfig, Parameter } from '../../operator/api/index.js';

export type ProblemSpec =
  | { suite: 'bbob'; function: number; dimension: number; instance: number }
  | { suite: 'sklearn'; task: string; folds: number };

export interface Hello {
  versions: Record<string, string>;
  peers: string[];
}

export interface Opened {
  name: string;
  params: Parameter[];
  f_opt: number | null;
}

interface Response {
  id: number;
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export class WorkerError extends Error {
  override readonly name = 'WorkerError';
}

export class PythonWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<
    number,
    { resolve: (r: Response) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private stderrTail = '';

  constructor(python: string, script: string, env: NodeJS.ProcessEnv = process.env) {
    // nice: the machine is shared with timing-sensitive work; the benchmark only needs what is left.
    this.child = spawn('nice', ['-n', '19', python, script], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    this.child.on('exit', (code, signal) => {
      const err = new WorkerError(`python worker exited (${code ?? signal}): ${this.stderrTail.trim()}`);
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    });
  }

  private onLine(line: string): void {
    const resp = JSON.parse(line) as Response;
    const w = this.waiting.get(resp.id);
    if (!w) return;
    this.waiting.delete(resp.id);
    w.resolve(resp);
  }

  private async request<T>(op: string, body: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const resp = await new Promise<Response>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.stdin.write(JSON.stringify({ id, op, ...body }) + '\n');
    });
    if (!resp.ok) throw new WorkerError(`${op}: ${resp.error ?? 'unknown error'}`);
    return resp as unknown as T;
  }

  hello(): Promise<Hello> {
    return this.request<Hello>('hello');
  }

  open(problem: ProblemSpec): Promise<Opened> {
    return this.request<Opened>('open', { problem });
  }

  async evaluate(problem: ProblemSpec, config: ParamConfig): Promise<number> {
    return (await this.request<{ value: number }>('eval', { problem, config })).value;
  }

  async peer(problem: ProblemSpec, peer: string, seed: number, budget: number): Promise<number[]> {
    return (await this.request<{ values: number[] }>('peer', { problem, peer, seed, budget })).values;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

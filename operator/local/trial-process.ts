/**
 * One attempt of one trial as a child process: started in its own process group (so stopping it stops
 * whatever it spawned), stdout/stderr appended to log files and scanned for metric lines, and the
 * metrics file tailed. Stop = SIGTERM to the group, then SIGKILL after the grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, openSync, readSync, closeSync, statSync, type WriteStream } from 'node:fs';
import { LineBuffer } from '../core/trial/index.js';

export interface TrialProcessOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdoutLog: string;
  stderrLog: string;
  metricsFile: string;
  /** Called with every complete line from stdout or the metrics file. */
  onLine(line: string): void;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. command not found). */
  error?: string;
}

export class TrialProcess {
  private readonly child: ChildProcess;
  private readonly stdoutBuf = new LineBuffer();
  private readonly metricsBuf = new LineBuffer();
  private readonly logs: WriteStream[];
  private metricsOffset = 0;
  private killTimer: NodeJS.Timeout | undefined;
  private exitInfo: ExitInfo | undefined;
  readonly exited: Promise<ExitInfo>;

  constructor(private readonly opts: TrialProcessOptions) {
    try {
      this.metricsOffset = statSync(opts.metricsFile).size; // earlier attempts' lines were read already
    } catch {
      this.metricsOffset = 0;
    }
    const out = createWriteStream(opts.stdoutLog, { flags: 'a' });
    const err = createWriteStream(opts.stderrLog, { flags: 'a' });
    this.logs = [out, err];
    this.child = spawn(opts.argv[0]!, opts.argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => {
      out.write(chunk);
      for (const line of this.stdoutBuf.push(chunk)) opts.onLine(line);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => err.write(chunk));
    this.exited = new Promise((resolve) => {
      let startError: string | undefined;
      this.child.on('error', (e) => {
        startError = `cannot start ${JSON.stringify(opts.argv[0])}: ${e.message}`;
        err.write(`${startError}\n`);
      });
      this.child.on('close', (code, signal) => {
        clearTimeout(this.killTimer);
        this.poll();
        for (const line of this.stdoutBuf.flush()) opts.onLine(line);
        for (const line of this.metricsBuf.flush()) opts.onLine(line);
        for (const s of this.logs) s.end();
        this.exitInfo = { code, signal, ...(startError ? { error: startError } : {}) };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get done(): boolean {
    return this.exitInfo !== undefined;
  }

  /** How the process ended, once it has (set before `exited` resolves). */
  get result(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Reads what the trainer appended to the metrics file since the last poll. */
  poll(): void {
    let fd: number;
    try {
      fd = openSync(this.opts.metricsFile, 'r');
    } catch {
      return; // not written yet
    }
    try {
      const size = statSync(this.opts.metricsFile).size;
      if (size < this.metricsOffset) this.metricsOffset = 0; // truncated: start over
      if (size === this.metricsOffset) return;
      const buf = Buffer.alloc(size - this.metricsOffset);
      readSync(fd, buf, 0, buf.length, this.metricsOffset);
      this.metricsOffset = size;
      for (const line of this.metricsBuf.push(buf.toString('utf8'))) this.opts.onLine(line);
    } finally {
      closeSync(fd);
    }
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs` if it is still there. */
  stop(graceMs: number): void {
    if (this.done || this.killTimer) return;
    this.signal('SIGTERM');
    this.killTimer = setTimeout(() => this.signal('SIGKILL'), graceMs);
  }

  kill(): void {
    this.signal('SIGKILL');
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.done || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      try {
        this.child.kill(sig);
      } catch {
        // already gone
      }
    }
  }
}

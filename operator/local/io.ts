/** Where a command writes; tests pass their own. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Whether stdout is an interactive terminal (live display). */
  isTTY: boolean;
  /** Raw write for in-place redraws. */
  write(text: string): void;
  /** The terminal's width in columns, when known (live lines are cut to fit). */
  columns?(): number | undefined;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  isTTY: Boolean(process.stdout.isTTY),
  write: (text) => process.stdout.write(text),
  columns: () => process.stdout.columns,
};

/** An Io that records lines, for tests. */
export function memoryIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    isTTY: false,
    write: (t) => stdout.push(t),
  };
}

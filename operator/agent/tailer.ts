/**
 * Reads a growing file's complete lines, as the trainer appends them. The file may not exist yet (the
 * trainer creates it), its last line may be half written (it waits for its newline), and it may be
 * truncated or replaced (reading starts again from its top). Lines are numbered from 1 in the order
 * read, and the numbers keep counting across a truncation, so no number names two different lines
 * (they become message ids).
 */
import { open, stat } from 'node:fs/promises';

export interface TailLine {
  /** 1-based, in reading order. */
  line: number;
  text: string;
  /** The line was longer than maxLineBytes: `text` is its start, the rest was skipped. */
  tooLong?: boolean;
}

export interface TailerOptions {
  /** Longer lines are reported cut (a runaway write must not fill the agent's memory). Default 64 KiB. */
  maxLineBytes?: number;
  /** At most this much is read per call, so a caller can bound what it holds. Default 256 KiB. */
  chunkBytes?: number;
}

export interface ReadResult {
  lines: TailLine[];
  /** Nothing more to read right now (the file is missing or fully read). */
  atEnd: boolean;
}

const isMissing = (e: unknown): boolean =>
  (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ||
  (e as NodeJS.ErrnoException | undefined)?.code === 'ENOTDIR';

export class FileTailer {
  private readonly maxLineBytes: number;
  private readonly chunkBytes: number;
  private ino: bigint | undefined;
  private offset = 0;
  private decoder = new TextDecoder('utf-8');
  /** The unfinished last line. */
  private tail = '';
  /** Inside a line that was already reported as too long: drop text up to its newline. */
  private skipping = false;
  private lineNo = 0;
  /** How often the file was truncated or replaced, for the agent's log. */
  truncations = 0;

  constructor(
    readonly path: string,
    opts: TailerOptions = {},
  ) {
    this.maxLineBytes = opts.maxLineBytes ?? 64 * 1024;
    this.chunkBytes = opts.chunkBytes ?? 256 * 1024;
  }

  /** Complete lines read so far (the highest line number given out). */
  get linesRead(): number {
    return this.lineNo;
  }

  /** Reads up to one chunk of what was appended since the last call. A missing file reads as empty. */
  async read(): Promise<ReadResult> {
    let st;
    try {
      st = await stat(this.path, { bigint: true });
    } catch (e) {
      if (isMissing(e)) return { lines: [], atEnd: true };
      throw e;
    }
    if (this.ino !== undefined && (st.ino !== this.ino || st.size < BigInt(this.offset))) this.restart();
    this.ino = st.ino;
    const size = Number(st.size);
    if (size <= this.offset) return { lines: [], atEnd: true };
    const want = Math.min(this.chunkBytes, size - this.offset);
    const buf = Buffer.alloc(want);
    let got = 0;
    try {
      const fh = await open(this.path, 'r');
      try {
        got = (await fh.read(buf, 0, want, this.offset)).bytesRead;
      } finally {
        await fh.close();
      }
    } catch (e) {
      if (isMissing(e)) return { lines: [], atEnd: true }; // removed between stat and open
      throw e;
    }
    this.offset += got;
    const lines = this.split(this.decoder.decode(buf.subarray(0, got), { stream: true }));
    return { lines, atEnd: this.offset >= size };
  }

  /**
   * The unterminated last line, once the trainer is done (at the agent's end): a line cut off by a
   * crash, or one written without its newline. Taken once.
   */
  takePartial(): TailLine | undefined {
    const rest = (this.tail + this.decoder.decode()).replace(/\r$/, '');
    this.tail = '';
    if (this.skipping || rest.trim() === '') return undefined;
    return { line: ++this.lineNo, text: rest };
  }

  /** The file was truncated or replaced: read it again from its top, keeping the line count. */
  private restart(): void {
    this.truncations++;
    this.offset = 0;
    this.decoder = new TextDecoder('utf-8');
    this.tail = '';
    this.skipping = false;
  }

  private split(text: string): TailLine[] {
    const out: TailLine[] = [];
    const parts = (this.tail + text).split('\n');
    this.tail = parts.pop()!;
    for (const part of parts) {
      if (this.skipping) {
        this.skipping = false; // the newline that ends the over-long line
        continue;
      }
      out.push(this.lineOf(part));
    }
    if (!this.skipping && Buffer.byteLength(this.tail) > this.maxLineBytes) {
      out.push({ line: ++this.lineNo, text: this.tail.slice(0, 256), tooLong: true });
      this.tail = '';
      this.skipping = true;
    } else if (this.skipping) this.tail = '';
    return out;
  }

  private lineOf(part: string): TailLine {
    const text = part.replace(/\r$/, '');
    if (Buffer.byteLength(text) > this.maxLineBytes)
      return { line: ++this.lineNo, text: text.slice(0, 256), tooLong: true };
    return { line: ++this.lineNo, text };
  }
}

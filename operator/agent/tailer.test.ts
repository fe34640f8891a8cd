import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTailer, type TailLine } from './tailer.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ultron-tailer-'));
  file = join(dir, 'metrics.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Reads until the tailer says it is at the end. */
async function drain(t: FileTailer): Promise<TailLine[]> {
  const out: TailLine[] = [];
  for (;;) {
    const r = await t.read();
    out.push(...r.lines);
    if (r.atEnd) return out;
  }
}
const texts = (ls: TailLine[]) => ls.map((l) => `${l.line}:${l.text}`);

describe('FileTailer', () => {
  it('reads nothing while the file does not exist, then its lines once created', async () => {
    const t = new FileTailer(file);
    expect(await t.read()).toEqual({ lines: [], atEnd: true });
    writeFileSync(file, 'a\nb\n');
    expect(texts(await drain(t))).toEqual(['1:a', '2:b']);
    expect(t.linesRead).toBe(2);
  });

  it('counts only complete lines; a half-written line waits for its newline', async () => {
    const t = new FileTailer(file);
    writeFileSync(file, '{"step": 1, "loss": 0.5}\n{"step": 2, "lo');
    expect(texts(await drain(t))).toEqual(['1:{"step": 1, "loss": 0.5}']);
    expect(await drain(t)).toEqual([]);
    appendFileSync(file, 'ss": 0.4}\r\n');
    expect(texts(await drain(t))).toEqual(['2:{"step": 2, "loss": 0.4}']);
  });

  it('gives the unterminated last line once, at the end', async () => {
    const t = new FileTailer(file);
    writeFileSync(file, 'step=1 loss=2\nstep=2 lo');
    await drain(t);
    expect(t.takePartial()).toEqual({ line: 2, text: 'step=2 lo' });
    expect(t.takePartial()).toBeUndefined();
    const clean = new FileTailer(file.replace('metrics', 'other'));
    expect(clean.takePartial()).toBeUndefined();
  });

  it('keeps multi-byte characters whole across reads', async () => {
    const t = new FileTailer(file, { chunkBytes: 3 });
    writeFileSync(file, 'é€😀\nx\n');
    expect(texts(await drain(t))).toEqual(['1:é€😀', '2:x']);
  });

  it('reads a big file in chunks, numbering lines as it goes', async () => {
    const t = new FileTailer(file, { chunkBytes: 1000 });
    writeFileSync(file, Array.from({ length: 2000 }, (_, i) => `step=${i} loss=${i}\n`).join(''));
    const first = await t.read();
    expect(first.atEnd).toBe(false);
    const all = [...first.lines, ...(await drain(t))];
    expect(all).toHaveLength(2000);
    expect(all.map((l) => l.line)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  });

  it('starts again from the top after a truncation, keeping line numbers unique', async () => {
    const t = new FileTailer(file);
    writeFileSync(file, 'a\nb\nc\n');
    await drain(t);
    truncateSync(file, 0);
    appendFileSync(file, 'd\n');
    expect(texts(await drain(t))).toEqual(['4:d']);
    expect(t.truncations).toBe(1);
  });

  it('starts again when the file is replaced', async () => {
    const t = new FileTailer(file);
    writeFileSync(file, 'a\nhalf');
    await drain(t);
    writeFileSync(join(dir, 'new'), 'x\ny\nz\n');
    renameSync(join(dir, 'new'), file);
    expect(texts(await drain(t))).toEqual(['2:x', '3:y', '4:z']);
    expect(t.truncations).toBe(1);
  });

  it('reports an over-long line cut and skips its rest, however it arrives', async () => {
    const long = 'x'.repeat(5000);
    for (const chunkBytes of [100_000, 700]) {
      const f = join(dir, `long-${chunkBytes}`);
      writeFileSync(f, `a\n${long}\nb\n`);
      const got = await drain(new FileTailer(f, { maxLineBytes: 1000, chunkBytes }));
      expect(got).toEqual([
        { line: 1, text: 'a' },
        { line: 2, text: 'x'.repeat(256), tooLong: true },
        { line: 3, text: 'b' },
      ]);
    }
  });

  it('numbers lines the same way when read again from the top (a restarted agent)', async () => {
    writeFileSync(file, 'a\nb\n\nc\n');
    const once = await drain(new FileTailer(file));
    const again = await drain(new FileTailer(file, { chunkBytes: 2 }));
    expect(again).toEqual(once);
    expect(texts(once)).toEqual(['1:a', '2:b', '3:', '4:c']);
  });
});

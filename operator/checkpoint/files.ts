/** The files of a local step folder, and a bounded pool to work through them (node:fs only). */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { COMPLETE_MARKER } from '../core/trial/index.js';

export interface LocalFile {
  /** Path relative to the step folder, with `/` separators: the key's tail. */
  rel: string;
  path: string;
  bytes: number;
}

/** Every regular file under `dir` but the trainer's `.complete` marker (the store has its own). */
export async function stepFiles(dir: string): Promise<LocalFile[]> {
  const out: LocalFile[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) {
        const rel = relative(dir, path).split(sep).join('/');
        if (rel !== COMPLETE_MARKER) out.push({ rel, path, bytes: (await stat(path)).size });
      }
    }
  };
  await walk(dir);
  // Largest first: the pool's tail is then small files, so no one big file starts last.
  return out.sort((a, b) => b.bytes - a.bytes || a.rel.localeCompare(b.rel));
}

/** Runs `work` over `items` with at most `limit` at once; rejects with the first failure. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

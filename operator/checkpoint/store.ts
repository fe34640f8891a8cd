/**
 * The checkpoint store over S3 (any S3-compatible server: MinIO on the bed). A step is uploaded file by
 * file — multipart, parts in parallel, memory bounded (multipart.ts) — and `_COMPLETE` is written only after
 * every file is stored; a restore downloads into a hidden folder and renames it into place with the
 * trainer's `.complete` marker inside, so neither side ever sees half a step as a checkpoint.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { COMPLETE_MARKER } from '../core/trial/index.js';
import type { S3Config } from './config.js';
import { eachLimited, stepFiles } from './files.js';
import { BufferPool, uploadFile } from './multipart.js';
import { completeKey, S3_COMPLETE, stepPrefix, stepsFromKeys, type StepListing } from './layout.js';

export interface TransferOptions {
  /** Bytes per multipart part (S3's minimum is 5 MiB). */
  partSize?: number;
  /** Parts in flight at once, over all files: memory held is queueSize × partSize. */
  queueSize?: number;
  /** Files in flight at once (they share the parts). */
  files?: number;
  signal?: AbortSignal;
}

export const TRANSFER_DEFAULTS = { partSize: 5 * 1024 * 1024, queueSize: 3, files: 2 } as const;

export interface StepTransfer {
  step: number;
  files: number;
  bytes: number;
  ms: number;
}

export function s3Client(c: S3Config): S3Client {
  return new S3Client({
    region: c.region,
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    forcePathStyle: c.forcePathStyle,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
    // The SDK's own retries (3 attempts, with back-off) cover a blip; callers retry what is left.
    maxAttempts: 3,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

export class CheckpointStore {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
  ) {}

  /** Every key under `prefix`, page by page. */
  async keys(prefix: string, signal?: AbortSignal): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        { abortSignal: signal },
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async steps(base: string, signal?: AbortSignal): Promise<StepListing> {
    return stepsFromKeys(base, await this.keys(base, signal));
  }

  /** Uploads the step folder `dir` as `step`, then its `_COMPLETE`. A re-upload overwrites. */
  async uploadStep(dir: string, base: string, step: number, o: TransferOptions = {}): Promise<StepTransfer> {
    const t0 = Date.now();
    const files = await stepFiles(dir);
    const prefix = stepPrefix(base, step);
    const partSize = o.partSize ?? TRANSFER_DEFAULTS.partSize;
    const queueSize = o.queueSize ?? TRANSFER_DEFAULTS.queueSize;
    // One pool for the whole step: memory is buffers × partSize, whatever the files.
    const pool = new BufferPool(queueSize, partSize);
    await eachLimited(files, o.files ?? TRANSFER_DEFAULTS.files, (f) =>
      uploadFile({
        client: this.client,
        bucket: this.bucket,
        key: prefix + f.rel,
        path: f.path,
        bytes: f.bytes,
        pool,
        ...(o.signal ? { signal: o.signal } : {}),
      }),
    );
    if (o.signal?.aborted) throw new Error('upload aborted');
    const manifest = JSON.stringify({ step, files: files.map((f) => ({ path: f.rel, bytes: f.bytes })) });
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: completeKey(base, step),
        Body: manifest,
        ContentType: 'application/json',
      }),
      { abortSignal: o.signal },
    );
    return { step, files: files.length, bytes: files.reduce((s, f) => s + f.bytes, 0), ms: Date.now() - t0 };
  }

  /**
   * Downloads a complete step into `<checkpointDir>/<step>/` (with the trainer's `.complete` marker), via
   * a hidden folder renamed into place at the end: a restore cut off leaves no step behind.
   */
  async downloadStep(
    base: string,
    step: number,
    checkpointDir: string,
    o: Pick<TransferOptions, 'files' | 'signal'> = {},
  ): Promise<StepTransfer> {
    const t0 = Date.now();
    const prefix = stepPrefix(base, step);
    // The step's files are the ones `_COMPLETE` lists, not whatever is under the prefix now: a step being
    // pruned as it is read fails here (or on a missing file) instead of passing for complete.
    const manifest = parseManifest(
      await (
        await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: completeKey(base, step) }), {
          abortSignal: o.signal,
        })
      ).Body?.transformToString(),
      step,
    );
    const tmp = join(checkpointDir, `.restore-${step}`);
    const target = join(checkpointDir, String(step));
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    let bytes = 0;
    await eachLimited(manifest, o.files ?? 4, async (f) => {
      const path = join(tmp, f.path);
      await mkdir(dirname(path), { recursive: true });
      const got = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: prefix + f.path }),
        {
          abortSignal: o.signal,
        },
      );
      await pipeline(got.Body as Readable, createWriteStream(path));
      const size = (await stat(path)).size;
      if (size !== f.bytes)
        throw new Error(`${prefix + f.path}: ${size} bytes, the step's manifest says ${f.bytes}`);
      bytes += size;
    });
    await writeFile(join(tmp, COMPLETE_MARKER), '');
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
    return { step, files: manifest.length, bytes, ms: Date.now() - t0 };
  }

  /** Deletes the steps' objects; `_COMPLETE` first, so a step half deleted is no longer complete. */
  async deleteSteps(base: string, steps: readonly number[], signal?: AbortSignal): Promise<void> {
    for (const step of steps) {
      await this.deleteKeys([completeKey(base, step)], signal);
      await this.deleteKeys(await this.keys(stepPrefix(base, step), signal), signal);
    }
  }

  /** Deletes everything under `prefix` (a job's checkpoints, when it asks for that at its end). */
  async deletePrefix(prefix: string, signal?: AbortSignal): Promise<number> {
    const keys = await this.keys(prefix, signal);
    await this.deleteKeys(keys, signal);
    return keys.length;
  }

  private async deleteKeys(keys: readonly string[], signal?: AbortSignal): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      if (!chunk.length) continue;
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
        }),
        { abortSignal: signal },
      );
    }
  }
}

/** The file list a step's `_COMPLETE` holds; paths are checked so a key can never write outside the step. */
function parseManifest(text: string | undefined, step: number): Array<{ path: string; bytes: number }> {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    throw new Error(`step ${step}: its ${S3_COMPLETE} is not the manifest the agent writes`);
  }
  const files = (value as { files?: unknown }).files;
  if (!Array.isArray(files)) throw new Error(`step ${step}: its ${S3_COMPLETE} lists no files`);
  return files.map((f: unknown) => {
    const { path, bytes } = (f ?? {}) as { path?: unknown; bytes?: unknown };
    if (typeof path !== 'string' || path.split('/').some((p) => p === '' || p === '.' || p === '..'))
      throw new Error(`step ${step}: unsafe path ${JSON.stringify(path)} in its ${S3_COMPLETE}`);
    if (!Number.isSafeInteger(bytes) || (bytes as number) < 0)
      throw new Error(`step ${step}: bad size for ${path} in its ${S3_COMPLETE}`);
    return { path, bytes: bytes as number };
  });
}

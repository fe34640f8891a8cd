/**
 * Uploading a step's files with bounded memory: every part is read from the file into one of a fixed
 * set of reused buffers and sent with UploadPart (files smaller than a part with one PutObject), so the
 * agent holds `buffers × partSize` bytes however large the step is.
 *
 * Why not @aws-sdk/lib-storage (the first version used it, and bench:checkpoint still measures it as
 * the plain client): it copies each part out of the stream into a fresh Buffer, and Node frees those
 * only when V8 collects, which it is pushed to do after ~64 MB of external memory. Measured on the bed,
 * a lib-storage upload held 56–61 MB of ArrayBuffers whatever the part size (5 or 8 MiB) and queue (2 or
 * 4); with the agent's own ~88 MB that put it at 178–258 MB, over its 128 MB target.
 */
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { eachLimited } from './files.js';

/** A fixed set of equal buffers, lent out one at a time. */
export class BufferPool {
  private readonly free: Buffer[];
  private readonly waiting: Array<(b: Buffer) => void> = [];
  constructor(
    readonly size: number,
    readonly bytes: number,
  ) {
    this.free = Array.from({ length: size }, () => Buffer.allocUnsafeSlow(bytes));
  }
  take(): Promise<Buffer> {
    const b = this.free.pop();
    return b ? Promise.resolve(b) : new Promise((resolve) => this.waiting.push(resolve));
  }
  give(b: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(b);
    else this.free.push(b);
  }
}

export interface FileUpload {
  client: S3Client;
  bucket: string;
  key: string;
  path: string;
  bytes: number;
  pool: BufferPool;
  signal?: AbortSignal;
}

/** Uploads one file: a PutObject when it fits in a part, else a multipart upload (aborted on failure). */
export async function uploadFile(u: FileUpload): Promise<void> {
  const partSize = u.pool.bytes;
  const file = await open(u.path, 'r');
  const opts = { abortSignal: u.signal };
  try {
    if (u.bytes <= partSize) {
      const buf = await u.pool.take();
      try {
        const n = await readFully(file, buf, u.bytes, 0);
        await u.client.send(
          new PutObjectCommand({
            Bucket: u.bucket,
            Key: u.key,
            Body: buf.subarray(0, n),
            ContentLength: n,
            ChecksumCRC32: crc32Base64(buf.subarray(0, n)),
          }),
          opts,
        );
      } finally {
        u.pool.give(buf);
      }
      return;
    }
    const { UploadId } = await u.client.send(
      new CreateMultipartUploadCommand({ Bucket: u.bucket, Key: u.key, ChecksumAlgorithm: 'CRC32' }),
      opts,
    );
    const parts: CompletedPart[] = [];
    try {
      const count = Math.ceil(u.bytes / partSize);
      const numbers = Array.from({ length: count }, (_, i) => i);
      // As many parts in flight as the pool has buffers; files share the pool.
      await eachLimited(numbers, u.pool.size, async (i) => {
        const buf = await u.pool.take();
        try {
          const n = await readFully(file, buf, Math.min(partSize, u.bytes - i * partSize), i * partSize);
          const checksum = crc32Base64(buf.subarray(0, n));
          const r = await u.client.send(
            new UploadPartCommand({
              Bucket: u.bucket,
              Key: u.key,
              UploadId,
              PartNumber: i + 1,
              Body: buf.subarray(0, n),
              ContentLength: n,
              ChecksumCRC32: checksum,
            }),
            opts,
          );
          parts[i] = { ETag: r.ETag, PartNumber: i + 1, ChecksumCRC32: checksum };
        } finally {
          u.pool.give(buf);
        }
      });
      await u.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: u.bucket,
          Key: u.key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
        opts,
      );
    } catch (e) {
      await u.client
        .send(new AbortMultipartUploadCommand({ Bucket: u.bucket, Key: u.key, UploadId }))
        .catch(() => undefined);
      throw e;
    }
  } finally {
    await file.close();
  }
}

/**
 * The part's CRC32, which the store checks on arrival. Computed here (node:zlib, in place) rather than by
 * the SDK, whose own checksumming of a request body held ~9 MiB more per upload on the bed.
 */
const crc32Base64 = (data: Buffer): string => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(data) >>> 0);
  return b.toString('base64');
};

/** Reads `length` bytes at `position` (a file that shrank underneath is an error, not a short part). */
async function readFully(
  file: Awaited<ReturnType<typeof open>>,
  buf: Buffer,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buf, done, length - done, position + done);
    if (bytesRead === 0)
      throw new Error(`file ended ${length - done} bytes early (changed while uploading?)`);
    done += bytesRead;
  }
  return done;
}

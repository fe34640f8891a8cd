/** The bed's MinIO for e2e tests: the checkpoint Secret a namespace needs, and a store client. */
import {
  CheckpointStore,
  s3Client,
  s3ConfigFromEnv,
  type S3Config,
} from '../../operator/checkpoint/index.js';
import { bedEnv, kubectl } from './bed.js';

/** The `ultron-checkpoints` Secret in `ns`, pointing pods at the bed's MinIO by its Service name. */
export async function createCheckpointSecret(ns: string): Promise<void> {
  const bed = bedEnv();
  await kubectl(
    ['-n', ns, 'apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'ultron-checkpoints' },
      stringData: {
        endpoint: 'http://minio.ultron-system:9000',
        bucket: bed['ULTRON_S3_BUCKET'],
        accessKeyId: bed['ULTRON_S3_ACCESS_KEY'],
        secretAccessKey: bed['ULTRON_S3_SECRET_KEY'],
      },
    }),
  );
}

/** The bed's store as seen from this host. */
export function bedStore(): { store: CheckpointStore; s3: S3Config; env: Record<string, string> } {
  const env = Object.fromEntries(Object.entries(bedEnv()).filter(([k]) => k.startsWith('ULTRON_S3_')));
  const parsed = s3ConfigFromEnv(env);
  if (!parsed.ok) throw new Error(`bed.env lacks the S3 settings: ${parsed.problems.join('; ')}`);
  return { store: new CheckpointStore(s3Client(parsed.value), parsed.value.bucket), s3: parsed.value, env };
}

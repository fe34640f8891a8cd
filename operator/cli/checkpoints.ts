/**
 * `ultron checkpoints delete`: deletes one HPOJob's checkpoints from the object store. Run by the
 * operator as a one-off Job in the job's namespace (where the store's Secret is) when an HPOJob with
 * `checkpoint.deleteOnFinish: true` is deleted.
 */
import type { Io } from '../local/io.js';
import { UsageError } from './args.js';

export const CHECKPOINTS_USAGE = `usage: ultron checkpoints delete

Deletes every checkpoint of one HPOJob (s3://<bucket>/<prefix>/<namespace>/<hpojob>/<hpojob uid>/).
Configured by the environment: ULTRON_NAMESPACE, ULTRON_HPOJOB, ULTRON_HPOJOB_UID and the store's
ULTRON_S3_* (docs/checkpoints.md).`;

export async function checkpointsCommand(args: string[], io: Io): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(CHECKPOINTS_USAGE);
    return 0;
  }
  if (args[0] !== 'delete' || args.length > 1)
    throw new UsageError(
      args[0] ? `unknown subcommand '${args.join(' ')}'` : 'missing subcommand',
      CHECKPOINTS_USAGE,
    );
  const ck = await import('../checkpoint/index.js');
  const env = process.env;
  if (ck.noStoreConfigured(env)) {
    io.out('no checkpoint store is configured in this namespace: nothing to delete');
    return 0;
  }
  const s3 = ck.s3ConfigFromEnv(env);
  const place = ck.placeFromEnv({ ...env, [ck.PLACE_ENV.index]: '0' });
  if (!s3.ok || !place.ok) {
    io.err(
      `ultron checkpoints: ${[...(s3.ok ? [] : s3.problems), ...(place.ok ? [] : place.problems)].join('; ')}`,
    );
    return 2;
  }
  const prefix = ck.jobBase({ prefix: s3.value.prefix, ...place.value });
  const client = ck.s3Client(s3.value);
  try {
    const n = await new ck.CheckpointStore(client, s3.value.bucket).deletePrefix(prefix);
    io.out(`deleted ${n} object(s) under s3://${s3.value.bucket}/${prefix}`);
    return 0;
  } finally {
    client.destroy();
  }
}

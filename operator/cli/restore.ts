/**
 * `ultron restore`: the `restore` init container of a trial pod with checkpoints. It puts the newest
 * complete stored step into $ULTRON_CHECKPOINT_DIR, so the trainer resumes from it; it says what it did
 * on stdout (`kubectl logs <pod> -c restore`).
 */
import type { Io } from '../local/io.js';
import { UsageError } from './args.js';

export const RESTORE_USAGE = `usage: ultron restore

The restore step of a trial pod (an init container the operator adds when the job has checkpoints):
downloads the trial's newest complete checkpoint step from the object store into
$ULTRON_CHECKPOINT_DIR/<step>/ (with its .complete marker), or nothing when the trial has none yet.
Configured by the environment the operator sets: ULTRON_CHECKPOINT_DIR, ULTRON_NAMESPACE,
ULTRON_HPOJOB, ULTRON_HPOJOB_UID, ULTRON_TRIAL_INDEX and the store's ULTRON_S3_* (from the Secret
named by the operator's ULTRON_CHECKPOINT_SECRET). ULTRON_RESTORE_TIMEOUT (seconds, default 300): how
long an unreachable store is waited for before the pod fails.`;

export async function restoreCommand(args: string[], io: Io): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(RESTORE_USAGE);
    return 0;
  }
  if (args.length) throw new UsageError(`unexpected argument '${args[0]}'`, RESTORE_USAGE);
  const [{ jsonLogger }, ck] = await Promise.all([
    import('../bus/index.js'),
    import('../checkpoint/index.js'),
  ]);
  const env = process.env;
  if (ck.noStoreConfigured(env)) {
    const secret = env['ULTRON_CHECKPOINT_SECRET'] ?? 'the checkpoint Secret';
    io.out(
      `checkpoints are on for this job, but namespace ${env['ULTRON_NAMESPACE'] ?? '?'} has no ${secret} ` +
        'with the object store settings: the trainer starts from the beginning and nothing is uploaded. ' +
        'Create it (docs/checkpoints.md) for trials to resume after a restart or pre-emption.',
    );
    return 0;
  }
  const s3 = ck.s3ConfigFromEnv(env);
  const place = ck.placeFromEnv(env);
  const dir = env['ULTRON_CHECKPOINT_DIR'];
  const problems = [
    ...(s3.ok ? [] : s3.problems),
    ...(place.ok ? [] : place.problems),
    ...(dir ? [] : ['ULTRON_CHECKPOINT_DIR: not set']),
  ];
  const timeoutText = env['ULTRON_RESTORE_TIMEOUT'];
  if (timeoutText !== undefined && !/^\d+$/.test(timeoutText))
    problems.push(`ULTRON_RESTORE_TIMEOUT: must be whole seconds, got ${JSON.stringify(timeoutText)}`);
  if (!s3.ok || !place.ok || !dir || problems.length) {
    io.err(`ultron restore: ${problems.join('; ')}`);
    return 2;
  }
  const log = jsonLogger({ base: { component: 'ultron-restore', trial: place.value.index } });
  const base = ck.trialBase({ prefix: s3.value.prefix, ...place.value });
  const client = ck.s3Client(s3.value);
  try {
    const result = await ck.restoreNewest({
      store: new ck.CheckpointStore(client, s3.value.bucket),
      base,
      checkpointDir: dir,
      log,
      ...(timeoutText ? { timeoutMs: Number(timeoutText) * 1000 } : {}),
    });
    if (result.kind === 'unavailable') {
      io.err(
        `ultron restore: the checkpoint store at ${s3.value.endpoint ?? 'AWS S3'} (bucket ${s3.value.bucket}) ` +
          `did not answer: ${result.error}. Check the endpoint and credentials in the checkpoint Secret; ` +
          'the pod is retried.',
      );
      return 1;
    }
    if (result.kind === 'none') {
      io.out(
        `no checkpoint stored yet under s3://${s3.value.bucket}/${base}: the trainer starts from the beginning`,
      );
      return 0;
    }
    const t = result.transfer;
    if (result.skipped.length)
      io.out(`steps ${result.skipped.join(', ')} could not be read; restored the newest one that could`);
    io.out(`restored step ${t.step} from ${result.uri}: ${t.files} file(s), ${t.bytes} bytes in ${t.ms} ms`);
    return 0;
  } finally {
    client.destroy();
  }
}

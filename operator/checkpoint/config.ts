/**
 * The object store's settings, as the restore step and the agent read them from their environment
 * (the operator sets them from the Secret named by its ULTRON_CHECKPOINT_SECRET), pure.
 */
import type { TrialCheckpointPlace } from './layout.js';

/** Environment variables of the checkpoint store; Secret keys in brackets. */
export const S3_ENV = {
  /** [endpoint] e.g. `http://minio.ultron-system:9000`; unset for AWS itself. */
  endpoint: 'ULTRON_S3_ENDPOINT',
  /** [bucket] */
  bucket: 'ULTRON_S3_BUCKET',
  /** [region] default us-east-1 */
  region: 'ULTRON_S3_REGION',
  /** [accessKeyId] */
  accessKey: 'ULTRON_S3_ACCESS_KEY',
  /** [secretAccessKey] */
  secretKey: 'ULTRON_S3_SECRET_KEY',
  /** [prefix] default `ultron` */
  prefix: 'ULTRON_S3_PREFIX',
  /** [forcePathStyle] `true` (default when an endpoint is set: MinIO and most S3-compatible servers). */
  forcePathStyle: 'ULTRON_S3_FORCE_PATH_STYLE',
} as const;

/**
 * The keys of the checkpoint Secret, for each variable above. All are optional references: a namespace
 * without the Secret runs its trials without checkpoints (the restore step says so in its log) rather
 * than leaving every pod stuck in CreateContainerConfigError; a Secret without bucket or credentials is
 * an error the restore step reports.
 */
export const S3_SECRET_KEYS: Record<keyof typeof S3_ENV, { key: string; optional: boolean }> = {
  endpoint: { key: 'endpoint', optional: true },
  bucket: { key: 'bucket', optional: true },
  region: { key: 'region', optional: true },
  accessKey: { key: 'accessKeyId', optional: true },
  secretKey: { key: 'secretAccessKey', optional: true },
  prefix: { key: 'prefix', optional: true },
  forcePathStyle: { key: 'forcePathStyle', optional: true },
};

/** The trial the pod belongs to, for its place in the store. */
export const PLACE_ENV = {
  namespace: 'ULTRON_NAMESPACE',
  hpoJob: 'ULTRON_HPOJOB',
  hpoJobUid: 'ULTRON_HPOJOB_UID',
  index: 'ULTRON_TRIAL_INDEX',
} as const;

export interface S3Config {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  prefix: string;
  forcePathStyle: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/** No store settings at all: the namespace has no checkpoint Secret (as opposed to a broken one). */
export const noStoreConfigured = (env: Env): boolean => Object.values(S3_ENV).every((name) => !env[name]);
export type FromEnv<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Reads a variable that must be set; a missing one is added to `problems`. */
const required =
  (env: Env, problems: string[]) =>
  (name: string): string => {
    const v = env[name];
    if (!v) problems.push(`${name}: not set`);
    return v ?? '';
  };

export function s3ConfigFromEnv(env: Env): FromEnv<S3Config> {
  const problems: string[] = [];
  const need = required(env, problems);
  const bucket = need(S3_ENV.bucket);
  const accessKeyId = need(S3_ENV.accessKey);
  const secretAccessKey = need(S3_ENV.secretKey);
  const endpoint = env[S3_ENV.endpoint] || undefined;
  if (endpoint && !/^https?:\/\/[^/\s]+/.test(endpoint))
    problems.push(`${S3_ENV.endpoint}: must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  const pathStyle = env[S3_ENV.forcePathStyle];
  if (pathStyle && pathStyle !== 'true' && pathStyle !== 'false')
    problems.push(`${S3_ENV.forcePathStyle}: must be true or false, got ${JSON.stringify(pathStyle)}`);
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    value: {
      ...(endpoint ? { endpoint } : {}),
      bucket,
      region: env[S3_ENV.region] || 'us-east-1',
      accessKeyId,
      secretAccessKey,
      prefix: env[S3_ENV.prefix] ?? 'ultron',
      forcePathStyle: pathStyle ? pathStyle === 'true' : endpoint !== undefined,
    },
  };
}

export function placeFromEnv(env: Env): FromEnv<Omit<TrialCheckpointPlace, 'prefix'>> {
  const problems: string[] = [];
  const need = required(env, problems);
  const namespace = need(PLACE_ENV.namespace);
  const hpoJob = need(PLACE_ENV.hpoJob);
  const hpoJobUid = need(PLACE_ENV.hpoJobUid);
  const indexText = need(PLACE_ENV.index);
  if (indexText && !/^\d+$/.test(indexText))
    problems.push(`${PLACE_ENV.index}: must be a trial index, got ${JSON.stringify(indexText)}`);
  for (const [name, v] of [
    [PLACE_ENV.namespace, namespace],
    [PLACE_ENV.hpoJob, hpoJob],
    [PLACE_ENV.hpoJobUid, hpoJobUid],
  ] as const)
    if (v.includes('/')) problems.push(`${name}: must not contain '/', got ${JSON.stringify(v)}`);
  if (problems.length) return { ok: false, problems };
  return { ok: true, value: { namespace, hpoJob, hpoJobUid, index: Number(indexText) } };
}

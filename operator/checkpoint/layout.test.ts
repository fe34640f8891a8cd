import { checkpointUri, completeKey, stepsFromKeys, stepsToDelete, trialBase } from './layout.js';
import { noStoreConfigured, placeFromEnv, s3ConfigFromEnv } from './config.js';

const place = { namespace: 'team-a', hpoJob: 'quick', hpoJobUid: 'u-1', index: 4 };

describe('the store layout', () => {
  it('puts a trial under prefix/namespace/job/uid/index, with or without a prefix', () => {
    expect(trialBase({ prefix: 'ultron', ...place })).toBe('ultron/team-a/quick/u-1/4/');
    expect(trialBase({ prefix: '/a/b/', ...place })).toBe('a/b/team-a/quick/u-1/4/');
    expect(trialBase({ prefix: '', ...place })).toBe('team-a/quick/u-1/4/');
    expect(completeKey('p/', 12)).toBe('p/12/_COMPLETE');
    expect(checkpointUri('bkt', 'p/', 12)).toBe('s3://bkt/p/12/');
  });

  it('counts a step complete only with its _COMPLETE, and ignores what is not a step', () => {
    const base = 'u/t/j/x/0/';
    const keys = [
      `${base}1/model.bin`,
      `${base}1/_COMPLETE`,
      `${base}2/model.bin`, // cut off
      `${base}3/_COMPLETE`,
      `${base}3/a/b.bin`,
      `${base}10/model.bin`,
      `${base}10/_COMPLETE`,
      `${base}tmp/_COMPLETE`, // not a step
      `${base}_COMPLETE`,
      `u/t/j/x/01/5/_COMPLETE`, // another trial whose index starts alike
      `${base}4/sub/_COMPLETE`, // a trainer's own file of that name, not the marker
    ];
    expect(stepsFromKeys(base, keys)).toEqual({ complete: [1, 3, 10], incomplete: [2, 4] });
  });

  it('deletes complete steps beyond keep and incomplete ones older than the newest complete', () => {
    expect(stepsToDelete({ complete: [1, 3, 10], incomplete: [2, 4, 11] }, 2)).toEqual([1, 2, 4]);
    expect(stepsToDelete({ complete: [], incomplete: [2] }, 2)).toEqual([]);
    expect(stepsToDelete({ complete: [5], incomplete: [] }, 0)).toEqual([]); // at least one kept
  });
});

describe('the store settings from the environment', () => {
  const env = {
    ULTRON_S3_BUCKET: 'ckpt',
    ULTRON_S3_ACCESS_KEY: 'k',
    ULTRON_S3_SECRET_KEY: 's',
  };
  it('defaults the region and prefix, and path-style addressing with an endpoint', () => {
    expect(s3ConfigFromEnv(env)).toEqual({
      ok: true,
      value: {
        bucket: 'ckpt',
        region: 'us-east-1',
        accessKeyId: 'k',
        secretAccessKey: 's',
        prefix: 'ultron',
        forcePathStyle: false,
      },
    });
    const minio = s3ConfigFromEnv({ ...env, ULTRON_S3_ENDPOINT: 'http://minio:9000', ULTRON_S3_PREFIX: '' });
    expect(minio.ok && minio.value).toMatchObject({
      endpoint: 'http://minio:9000',
      forcePathStyle: true,
      prefix: '',
    });
  });

  it('names every missing or wrong variable', () => {
    const r = s3ConfigFromEnv({ ULTRON_S3_ENDPOINT: 'minio:9000', ULTRON_S3_FORCE_PATH_STYLE: 'yes' });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.problems).toEqual([
        'ULTRON_S3_BUCKET: not set',
        'ULTRON_S3_ACCESS_KEY: not set',
        'ULTRON_S3_SECRET_KEY: not set',
        'ULTRON_S3_ENDPOINT: must be an http(s) URL, got "minio:9000"',
        'ULTRON_S3_FORCE_PATH_STYLE: must be true or false, got "yes"',
      ]);
  });

  it('tells a namespace without the Secret from a broken Secret', () => {
    expect(noStoreConfigured({ ULTRON_CHECKPOINT_DIR: '/ultron/checkpoints' })).toBe(true);
    expect(noStoreConfigured({ ULTRON_S3_ENDPOINT: 'http://x:1' })).toBe(false);
  });

  it('reads the trial’s place and refuses one that would address another trial', () => {
    const ok = placeFromEnv({
      ULTRON_NAMESPACE: 'a',
      ULTRON_HPOJOB: 'j',
      ULTRON_HPOJOB_UID: 'u',
      ULTRON_TRIAL_INDEX: '7',
    });
    expect(ok).toEqual({ ok: true, value: { namespace: 'a', hpoJob: 'j', hpoJobUid: 'u', index: 7 } });
    const bad = placeFromEnv({ ULTRON_NAMESPACE: 'a', ULTRON_HPOJOB: 'j/..', ULTRON_TRIAL_INDEX: 'x' });
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.problems).toEqual([
        'ULTRON_HPOJOB_UID: not set',
        'ULTRON_TRIAL_INDEX: must be a trial index, got "x"',
        `ULTRON_HPOJOB: must not contain '/', got "j/.."`,
      ]);
  });
});

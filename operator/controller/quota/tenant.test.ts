import type { HPOJob, Trial } from '../../api/index.js';
import { trialHolder } from './tenant.js';

const job = (spec: Partial<HPOJob['spec']>): HPOJob =>
  ({ metadata: { name: 'j', namespace: 'team-a', uid: 'ju' }, spec }) as unknown as HPOJob;
const trial = {
  metadata: { name: 'j-0', namespace: 'team-a', uid: 'tu', creationTimestamp: '2026-01-01T00:00:01Z' },
  spec: { hpoJob: 'j', index: 0, params: {} },
} as unknown as Trial;

describe('trialHolder', () => {
  it('carries the tenant, the job key, the age and the job’s priority (default 0)', () => {
    expect(trialHolder(trial, job({}), { cpu: 60 })).toEqual({
      tenant: 'team-a',
      uid: 'tu',
      demand: { cpu: 60 },
      job: 'team-a/j',
      createdAt: Date.parse('2026-01-01T00:00:01Z'),
      priority: 0,
    });
    expect(trialHolder(trial, job({ queue: 'shared', priority: 10 }), {})).toMatchObject({
      tenant: 'shared',
      priority: 10,
    });
  });
});

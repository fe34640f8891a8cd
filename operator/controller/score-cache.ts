/**
 * The score cache (the Ultron paper's Redis cache; issue 9 scope 4): a trial whose parameters, trial
 * template and objective metric equal those of a trial that succeeded before, in the same tenant,
 * reuses that trial's result instead of running. Keys are per tenant (`ultron:cache:{tenant}:<hash>`)
 * so one team's results never answer another's. The trial's seed is not in the key: a repeated
 * configuration is the point of a cache; turn it off (`trialTemplate.cache: false`) to measure noise.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ParamConfig, ResolvedHPOJobSpec } from '../api/index.js';
import { canonicalJson } from './canonical.js';

export interface CachedScore {
  /** The objective metric's reports, ascending by step. */
  reports: Array<{ step: number; value: number }>;
  /** The latest value of every metric. */
  metrics: Record<string, number>;
  step?: number;
  /** Where it came from: `<namespace>/<trial>`. */
  from: string;
}

export interface ScoreCache {
  get(tenant: string, key: string): Promise<CachedScore | undefined>;
  /** Keeps the first result for a key (a later equal trial never overwrites it). */
  put(tenant: string, key: string, score: CachedScore): Promise<void>;
}

/** The cache key of a trial: its parameters, the job's pod template and objective metric. */
export function scoreKey(params: ParamConfig, spec: ResolvedHPOJobSpec): string {
  const what = { params, template: spec.trialTemplate.template, metric: spec.objective.metric };
  return createHash('sha256').update(canonicalJson(what)).digest('hex');
}

/** How long a cached result is kept (its key's TTL). */
export const SCORE_TTL_SECONDS = 30 * 24 * 3600;

export class RedisScoreCache implements ScoreCache {
  constructor(private readonly redis: Redis) {}
  private key = (tenant: string, key: string) => `ultron:cache:{${tenant}}:${key}`;
  async get(tenant: string, key: string): Promise<CachedScore | undefined> {
    const v = await this.redis.get(this.key(tenant, key));
    if (!v) return undefined;
    try {
      return JSON.parse(v) as CachedScore;
    } catch {
      return undefined;
    }
  }
  async put(tenant: string, key: string, score: CachedScore): Promise<void> {
    await this.redis.set(this.key(tenant, key), JSON.stringify(score), 'EX', SCORE_TTL_SECONDS, 'NX');
  }
}

export class MemoryScoreCache implements ScoreCache {
  private readonly entries = new Map<string, CachedScore>();
  async get(tenant: string, key: string): Promise<CachedScore | undefined> {
    return this.entries.get(`${tenant}/${key}`);
  }
  async put(tenant: string, key: string, score: CachedScore): Promise<void> {
    if (!this.entries.has(`${tenant}/${key}`)) this.entries.set(`${tenant}/${key}`, score);
  }
}

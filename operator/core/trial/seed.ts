/**
 * A trial's seed (ULTRON_SEED), derived from the job seed and the trial index only, so it does not depend
 * on which shell or replica created the trial (ARCHITECTURE §4).
 */
import { hashKeys } from '../rng.js';

export function trialSeed(jobSeed: number, index: number): number {
  return hashKeys([jobSeed, 'trial', index]);
}

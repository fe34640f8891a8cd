export * from './types.js';
export { plan, countTrials, gpuSecondsOf } from './plan.js';
export { bestTrial, bestTrialSummary, trialObjective } from './objective.js';
export { samplerView, type SamplerView } from './observations.js';

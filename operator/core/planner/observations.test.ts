import type { TrialPhase } from '../../api/types.js';
import { samplerView } from './observations.js';

const reports = [
  { step: 1, value: 0.5 },
  { step: 2, value: 0.3 },
  { step: 3, value: 0.4 },
];
const trial = (index: number, phase: TrialPhase, r = reports) => ({
  index,
  params: { x: index },
  phase,
  reports: r,
});

describe('samplerView', () => {
  it('maps every phase: finished trials are observations, the rest pending', () => {
    const view = samplerView(
      [
        trial(0, 'Succeeded'),
        trial(1, 'Succeeded', []),
        trial(2, 'Failed'),
        trial(3, 'EarlyStopped'),
        trial(4, 'Stopped', reports.slice(0, 1)),
        trial(5, 'Running'),
        trial(6, 'Queued'),
        trial(7, 'Pending'),
      ],
      { direction: 'minimize', strategy: 'best' },
    );
    expect(view.observations).toEqual([
      { index: 0, params: { x: 0 }, state: 'complete', value: 0.3, intermediate: reports },
      { index: 1, params: { x: 1 }, state: 'failed' },
      { index: 2, params: { x: 2 }, state: 'failed' },
      { index: 3, params: { x: 3 }, state: 'pruned', intermediate: reports },
      { index: 4, params: { x: 4 }, state: 'pruned', intermediate: reports.slice(0, 1) },
    ]);
    expect(view.pending).toEqual([5, 6, 7].map((index) => ({ index, params: { x: index } })));
  });

  it('takes the objective by the strategy and direction', () => {
    const value = (direction: 'minimize' | 'maximize', strategy: 'best' | 'latest') =>
      samplerView([trial(0, 'Succeeded')], { direction, strategy }).observations[0]!.value;
    expect(value('minimize', 'best')).toBe(0.3);
    expect(value('maximize', 'best')).toBe(0.5);
    expect(value('minimize', 'latest')).toBe(0.4);
  });

  it('copies the reports, so a sampler cannot change the trial', () => {
    const t = trial(0, 'EarlyStopped');
    samplerView([t], { direction: 'minimize', strategy: 'best' }).observations[0]!.intermediate!.pop();
    expect(t.reports).toHaveLength(3);
  });
});

/** The report's pictures from a run's results: BBOB runtime ECDFs per dimension, sklearn mean ranks per task. */
import { BBOB_TARGETS, bestSoFar, meanRanks, runtimeEcdf } from './stats.js';
import { isOurs, type Results } from './results.js';
import { lineChart } from './svg.js';

const dashed = (label: string): boolean => !isOurs(label);

export function bbobPicture(r: Results): string | undefined {
  const cells = r.cells.filter((c) => c.suite === 'bbob');
  if (!cells.length || !r.meta.bbob) return undefined;
  const dims = r.meta.bbob.dimensions.filter((d) => cells.some((c) => c.cell.endsWith(`-d${d}`)));
  const panels = dims.map((d) => {
    const inDim = cells.filter((c) => c.cell.endsWith(`-d${d}`));
    const labels = r.meta.labels.filter((l) => inDim.some((c) => c.runs[l]));
    return {
      title: `${d}-D (${inDim.length} functions)`,
      series: labels.map((label) => ({
        label,
        ys: runtimeEcdf(
          inDim.flatMap((c) => c.runs[label]!.map((run) => bestSoFar(run.values))),
          BBOB_TARGETS,
          r.meta.bbob!.budget,
        ),
      })),
    };
  });
  return lineChart(
    {
      title: `BBOB ${r.meta.set} instances: fraction of (function, seed, target) solved`,
      xLabel: 'evaluations',
      yLabel: 'fraction solved',
      yMin: 0,
      yMax: 1,
      panels,
    },
    dashed,
  );
}

export function sklearnPicture(r: Results): string | undefined {
  const cells = r.cells.filter((c) => c.suite === 'sklearn');
  if (!cells.length || !r.meta.sklearn) return undefined;
  const panels = cells.map((c) => {
    const labels = r.meta.labels.filter((l) => c.runs[l]);
    const ranks = meanRanks(
      Object.fromEntries(labels.map((l) => [l, c.runs[l]!.map((run) => bestSoFar(run.values))])),
      c.budget,
    );
    return { title: c.cell, series: labels.map((label) => ({ label, ys: ranks[label]! })) };
  });
  const n = r.meta.labels.length;
  return lineChart(
    {
      title: 'scikit-learn tuning: mean rank of best CV error (1 = best)',
      xLabel: 'evaluations',
      yLabel: 'mean rank',
      yMin: 1,
      yMax: n,
      invertY: true,
      panels,
    },
    dashed,
  );
}

/**
 * One cell in its own thread. Our samplers run in this Node process and the peers in Python workers, so
 * with every lane in the main thread the lanes' samplers took turns on one core while the other idled
 * (gp's 6,000 suggestions of a cell doubled in wall time whenever both lanes ran it). A thread per cell
 * gives each lane its own core. The plan is rebuilt from its options here: cells hold closures, which
 * cannot cross threads.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { PythonWorker } from './bridge.js';
import { makePlan, type PlanOptions } from './plan.js';
import { runCell, type CellResult } from './run-cell.js';

export interface CellJob {
  plan: PlanOptions;
  cell: string;
  peers: string[];
  python: string;
  script: string;
}

/** Runs one cell of the plan in a new thread; resolves with its result. */
export function runCellInThread(job: CellJob): Promise<CellResult> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(new URL(import.meta.url), { workerData: job });
    let result: CellResult | undefined;
    thread.once('message', (r: CellResult) => (result = r));
    thread.once('error', reject);
    thread.once('exit', (code) =>
      result ? resolve(result) : reject(new Error(`cell ${job.cell}: its thread exited with code ${code}`)),
    );
  });
}

async function serve(job: CellJob): Promise<void> {
  const plan = makePlan(job.plan);
  const cell = plan.cells.find((c) => c.name === job.cell);
  if (!cell) throw new Error(`no cell ${job.cell} in the plan`);
  const worker = new PythonWorker(job.python, job.script);
  try {
    parentPort!.postMessage(await runCell(worker, cell, plan, job.peers));
  } finally {
    await worker.close();
  }
}

if (parentPort && workerData) await serve(workerData as CellJob);

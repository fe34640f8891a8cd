/** The raw results of one run, as main.ts writes them (JSON) and the report reads them back. */
import type { CellResult } from './run-cell.js';
import type { SeedSet } from './plan.js';

/** One invocation that produced results; a merged report lists several. */
export interface RunSource {
  command: string;
  date: string;
  seconds: number;
  jobs: number;
}

export interface RunMeta {
  /** The invocations these results come from (one, unless merged with --report a.json,b.json). */
  sources?: RunSource[];
  date: string;
  machine: string;
  node: string;
  versions: Record<string, string>;
  smoke: boolean;
  set: SeedSet;
  seeds: number;
  seedBase: number;
  bbob: { functions: number[]; dimensions: number[]; instances: number[]; budget: number } | null;
  sklearn: { tasks: string[]; folds: number; budget: number; seeds: number } | null;
  checkpoints: { bbob: number[]; sklearn: number[] };
  labels: string[];
  defaultLabel: string;
  notes: string[];
  jobs: number;
  seconds: number;
}

export interface Results {
  meta: RunMeta;
  cells: CellResult[];
}

export const isOurs = (label: string): boolean => label.startsWith('ultron-');

import { builtinSamplerNames, getSamplerFactory } from './registry.js';
import { describeSamplerContract, type ContractOptions } from './testing/contract.js';
import { GRID_SPACES, TEST_SPACES } from './testing/spaces.js';

const ALL = Object.keys(TEST_SPACES);
const OPTIONS: Record<string, ContractOptions> = {
  random: { spaces: ALL, indexStable: true },
  sobol: { spaces: ALL, indexStable: true },
  grid: { spaces: GRID_SPACES, indexStable: false },
  tpe: { spaces: ALL, indexStable: false },
  cmaes: { spaces: ALL, indexStable: true },
  reinforce: { spaces: ALL, indexStable: true },
  // A batch fills its indices in order, each seeing the earlier ones as running (like tpe).
  gp: { spaces: ALL, indexStable: false },
  // Runs gp or tpe (rule.ts): batches behave as theirs.
  auto: { spaces: ALL, indexStable: false },
};

it('every built-in sampler has contract options', () => {
  expect(builtinSamplerNames().sort()).toEqual(Object.keys(OPTIONS).sort());
});

for (const name of builtinSamplerNames()) describeSamplerContract(getSamplerFactory(name)!, OPTIONS[name]!);

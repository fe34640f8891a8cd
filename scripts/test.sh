#!/usr/bin/env bash
# The whole test suite (the README's second command). It first runs the idempotent set-up, so it works
# on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# npm puts node_modules/.bin (Node 24) first on PATH; keep it first when this script is run directly too.
export PATH="$PWD/node_modules/.bin:$PATH"
export PATH="$PWD/.venv/bin:$PATH"
echo "== typecheck" && tsc -p tsconfig.json --noEmit
echo "== lint" && eslint . --max-warnings 0
echo "== format" && prettier --check "operator/**/*.ts" "e2e/**/*.ts" "bench/**/*.ts" --no-error-on-unmatched-pattern >/dev/null
echo "== unit tests" && node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects unit
echo "== python tests" && bash scripts/python-tests.sh
# Our samplers against Optuna and hyperopt on COCO BBOB and scikit-learn, tiny (the full run: npm run bench:quality).
echo "== search-quality smoke" && bash bench/quality/run.sh --smoke
if [ "${ULTRON_E2E:-1}" != "0" ] && [ -f e2e/run.sh ]; then
  echo "== end-to-end tests (test bed)" && bash e2e/run.sh
fi

#!/usr/bin/env bash
# The whole test suite (the README's second command). Run `npm run setup` once first on a new machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
echo "== typecheck" && npx tsc -p tsconfig.json --noEmit
echo "== lint" && npx eslint . --max-warnings 0
echo "== format" && npx prettier --check "operator/**/*.ts" "e2e/**/*.ts" "bench/**/*.ts" --no-error-on-unmatched-pattern >/dev/null
echo "== build" && npm run --silent build
echo "== unit tests" && node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects unit
echo "== python tests" && bash scripts/python-tests.sh
if [ "${ULTRON_E2E:-1}" != "0" ] && [ -f e2e/run.sh ]; then
  echo "== end-to-end tests (test bed)" && bash e2e/run.sh
fi

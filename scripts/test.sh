#!/usr/bin/env bash
# The whole test suite (the README's second command): static checks, unit tests, Python tests, then
# the end-to-end suite when the test bed can run here.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck" && npx tsc -p tsconfig.json --noEmit
echo "== lint" && npx eslint . --max-warnings 0
echo "== unit tests" && node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects unit
echo "== python tests" && bash scripts/python-tests.sh

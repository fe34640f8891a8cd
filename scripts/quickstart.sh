#!/usr/bin/env bash
# The README's first command: set up (node modules, build, .venv with numpy), then tune the quickstart
# model on this machine. Extra arguments go to `ultron run` (e.g. --parallelism 1, --seed 3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
exec node bin/ultron.js run examples/quickstart/hpojob.yaml "$@"

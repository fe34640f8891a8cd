#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || { echo "python tests: .venv is missing; run 'npm run setup' first" >&2; exit 2; }
"$PY" -m pytest -q sdk/python/tests examples/quickstart/test_train.py

#!/usr/bin/env bash
# npm run bench:quality — our samplers and the peers (Optuna 5.0 TPE / CMA-ES / GP, hyperopt TPE, random)
# on COCO's BBOB functions and scikit-learn tuning; writes docs/benchmarks.md and docs/search-quality-*.svg.
# npm run bench:quality -- --smoke: the CI subset (< 2 min), asserts the harness, writes nothing to docs/.
# Knobs: see bench/quality/main.ts (each option also as BENCH_QUALITY_<NAME>, e.g. BENCH_QUALITY_SEEDS=10).
# BENCH_QUALITY_TORCH=1 also installs PyTorch so that Optuna's GPSampler runs (never in CI). From PyPI that
# wheel pulls CUDA libraries (GBs); BENCH_QUALITY_TORCH_INDEX=https://download.pytorch.org/whl/cpu takes the CPU
# build where that index is reachable.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=bench/quality/.venv
REQ=bench/quality/requirements.txt
STAMP=$VENV/.requirements
# Reinstall only when the pins changed since the last install (the stamp is a copy of them).
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$REQ" "$STAMP"; then
  echo "bench:quality: installing $REQ into $VENV"
  python3 -m venv "$VENV"
  nice -n 19 "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
  cp "$REQ" "$STAMP"
fi
if [ "${BENCH_QUALITY_TORCH:-0}" = 1 ] && ! "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
  echo "bench:quality: installing PyTorch into $VENV (for optuna-gp)"
  nice -n 19 "$VENV/bin/pip" install --quiet --disable-pip-version-check torch \
    ${BENCH_QUALITY_TORCH_INDEX:+--index-url "$BENCH_QUALITY_TORCH_INDEX"}
fi
[ -d node_modules ] || npm install --no-audit --no-fund
npm run --silent build
exec nice -n 19 node dist/bench/quality/main.js "$@"

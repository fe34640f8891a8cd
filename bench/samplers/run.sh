#!/usr/bin/env bash
# npm run bench:samplers — our random / sobol / TPE and Optuna's TPESampler on Branin, Hartmann6,
# Rosenbrock-4 and a mixed space, side by side in one run; writes docs/benchmarks.md. Optuna goes into a
# local venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${BENCH_SEEDS:-10}
EVALS=${BENCH_EVALS:-100}
VENV=bench/samplers/.venv
REQ=bench/samplers/requirements.txt
STAMP=$VENV/.requirements
# Reinstall only when the pins changed since the last install (the stamp is a copy of them).
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$REQ" "$STAMP"; then
  echo "bench: installing $REQ into $VENV"
  python3 -m venv "$VENV"
  nice -n 19 "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
  cp "$REQ" "$STAMP"
fi
[ -d node_modules ] || npm install --no-audit --no-fund
npm run --silent build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "bench: Optuna ($SEEDS seeds × $EVALS evaluations × 4 problems, defaults and univariate)"
nice -n 19 "$VENV/bin/python" bench/samplers/optuna_bench.py "$SEEDS" "$EVALS" > "$tmp/optuna.json"
echo "bench: Ultron samplers"
nice -n 19 node dist/bench/samplers/bench.js --seeds "$SEEDS" --evals "$EVALS" --optuna "$tmp/optuna.json" --out docs/benchmarks.md

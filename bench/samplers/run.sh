#!/usr/bin/env bash
# npm run bench:samplers — our random / sobol / TPE and Optuna's TPESampler on Branin, Hartmann6,
# Rosenbrock-4 and a mixed space, side by side in one run; writes docs/benchmarks.md. Optuna goes into a
# local venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${BENCH_SEEDS:-10}
EVALS=${BENCH_EVALS:-100}
VENV=bench/samplers/.venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import optuna' 2>/dev/null; then
  echo "bench: installing Optuna into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r bench/samplers/requirements.txt
fi
[ -d node_modules ] || npm install --no-audit --no-fund
npm run --silent build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "bench: Optuna ($SEEDS seeds × $EVALS evaluations × 4 problems, univariate and multivariate)"
"$VENV/bin/python" bench/samplers/optuna_bench.py "$SEEDS" "$EVALS" > "$tmp/optuna.json"
echo "bench: Ultron samplers"
node dist/bench/samplers/bench.js --seeds "$SEEDS" --evals "$EVALS" --optuna "$tmp/optuna.json" --out docs/benchmarks.md

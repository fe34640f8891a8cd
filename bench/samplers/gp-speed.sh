#!/usr/bin/env bash
# npm run bench:gp — the gp sampler's time per suggestion at 50 and 200 finished trials, next to Optuna's
# GPSampler when PyTorch is importable in the Optuna venv (bench/samplers/.venv, made by bench:samplers, or
# bench/quality/.venv); writes the gp-speed section of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules ] || npm install --no-audit --no-fund
npm run --silent build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PY=""
for venv in bench/samplers/.venv bench/quality/.venv; do
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import optuna' 2>/dev/null; then PY=$venv/bin/python; break; fi
done
if [ -n "$PY" ]; then
  echo "bench:gp: Optuna's GPSampler ($PY)"
  nice -n 19 "$PY" bench/samplers/optuna_gp_speed.py > "$tmp/optuna-gp.json"
else
  echo '{"error": "no venv with Optuna (run npm run bench:samplers first)"}' > "$tmp/optuna-gp.json"
fi
echo "bench:gp: ours"
nice -n 19 node dist/bench/samplers/gp-speed.js --optuna "$tmp/optuna-gp.json" --out docs/benchmarks.md

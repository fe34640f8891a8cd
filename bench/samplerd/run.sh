#!/usr/bin/env bash
# bash bench/samplerd/run.sh [--jobs N] [--observations N] [--concurrency N] — samplerd's RSS with many
# cached jobs (memory.ts). Compiles the project to a temporary folder (dist/ is left alone) and needs
# the bed's nats-server binary (bash e2e/cluster/build.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Emits even if someone's work in progress has a type error elsewhere; the bench's own files check clean.
node_modules/.bin/tsc -p tsconfig.build.json --outDir "$out" >/dev/null || true
# memory.ts imports e2e/lib/nats-server.ts (emitted alongside), which finds the bed's binaries through
# e2e/cluster/versions.env relative to itself.
ln -s "$PWD/e2e/cluster" "$out/e2e/cluster"
ln -s "$PWD/node_modules" "$out/node_modules"
cp package.json "$out/"
node_modules/.bin/node --expose-gc "$out/bench/samplerd/memory.js" "$@"

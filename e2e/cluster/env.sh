#!/usr/bin/env bash
# npm run --silent cluster:env — export lines for `eval` in a shell.
source "$(dirname "$0")/lib.sh"
[ -f "$BED_DIR/bed.env" ] || { echo "echo 'the bed is not up: npm run cluster:up' >&2; false"; exit 1; }
cat "$BED_DIR/bed.env"

#!/usr/bin/env bash
# The end-to-end part of `npm test`: the jest e2e suite against a fresh 2-node bed (started by its
# global setup and always stopped by its teardown), then the bed's own lifecycle checks.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent test:e2e
bash e2e/cluster/lifecycle-test.sh

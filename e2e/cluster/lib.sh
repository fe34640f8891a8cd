# Shared shell helpers of the test bed; sourced, not run.
# shellcheck shell=bash
set -euo pipefail
E2E_CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$E2E_CLUSTER_DIR/../.." && pwd)"
# shellcheck source=versions.env
source "$E2E_CLUSTER_DIR/versions.env"

CACHE_ROOT="${ULTRON_TESTBED_CACHE:-$HOME/.cache/ultron-testbed}"
# Binaries depend only on the pinned versions and the build recipe, so both feed the cache key.
BUILD_KEY="$(cat "$E2E_CLUSTER_DIR/versions.env" "$E2E_CLUSTER_DIR/build.sh" | sha256sum | cut -c1-12)"
CACHE_DIR="$CACHE_ROOT/$BUILD_KEY"
BIN_DIR="$CACHE_DIR/bin"
IMAGE_DIR="$CACHE_ROOT/images"
BED_DIR="${ULTRON_BED_DIR:-/var/tmp/ultron-bed}"

log() { printf '[bed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

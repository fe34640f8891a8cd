# Shared shell helpers of the test bed; sourced, not run.
# shellcheck shell=bash
set -euo pipefail
E2E_CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$E2E_CLUSTER_DIR/../.." && pwd)"
# shellcheck source=versions.env
source "$E2E_CLUSTER_DIR/versions.env"

CACHE_ROOT="${ULTRON_TESTBED_CACHE:-$HOME/.cache/ultron-testbed}"
# Binaries depend on the pinned versions and the build recipe's revision (BUILD_RECIPE in versions.env:
# bump it when build.sh changes what it produces), so both feed the cache key.
BUILD_KEY="$(sha256sum < "$E2E_CLUSTER_DIR/versions.env" | cut -c1-12)"
CACHE_DIR="$CACHE_ROOT/$BUILD_KEY"
BIN_DIR="$CACHE_DIR/bin"
IMAGE_DIR="$CACHE_ROOT/images"
BED_DIR="${ULTRON_BED_DIR:-/var/tmp/ultron-bed}"

log() { printf '[bed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Installs Debian packages the bed needs when they are missing (apt-get update once per call).
ensure_debian_packages() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Starts a background process with its output in logs/<name>.log and its pid in pids/<name>.pid.
start_proc() {
  local name=$1; shift
  mkdir -p "$BED_DIR/logs" "$BED_DIR/pids"
  setsid "$@" >>"$BED_DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$BED_DIR/pids/$name.pid"
}

# A killed process may linger as a zombie until PID 1 reaps it, and kill -0 succeeds on zombies.
running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
pid_alive() { [ -f "$BED_DIR/pids/$1.pid" ] && running "$(cat "$BED_DIR/pids/$1.pid")"; }

# SIGTERM, then SIGKILL after a grace period (kube-apiserver sometimes ignores SIGTERM for long).
stop_proc() {
  local name=$1 grace=${2:-10} pidfile="$BED_DIR/pids/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if running "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $((grace * 10))); do running "$pid" || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

wait_for() { # description timeout-seconds command...
  local what=$1 timeout=$2; shift 2
  for _ in $(seq $((timeout * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "timed out after ${timeout}s waiting for $what (logs: $BED_DIR/logs/)"
}

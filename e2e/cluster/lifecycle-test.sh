#!/usr/bin/env bash
# The bed's own lifecycle: up then down twice leaves nothing behind, and a bed whose processes were
# killed (mounts, bridges and namespaces still there) is cleaned up by the next cluster:up.
source "$(dirname "$0")/lib.sh"
passed=0; failed=0
check() { # name command...
  local name=$1; shift
  if "$@"; then echo "ok: $name"; passed=$((passed + 1)); else echo "FAILED: $name"; failed=$((failed + 1)); fi
}
up() { ULTRON_BED_NODES=2 bash "$E2E_CLUSTER_DIR/up.sh" >/dev/null 2>&1; }
down() { bash "$E2E_CLUSTER_DIR/down.sh" >/dev/null 2>&1; }
pod_runs() {
  local k="$BIN_DIR/kubectl" ns=lifecycle-$RANDOM
  export KUBECONFIG="$BED_DIR/kubeconfig"
  "$k" create namespace "$ns" >/dev/null && sleep 1 &&
    "$k" -n "$ns" run probe --image=ultron.local/pause:latest --image-pull-policy=Never --restart=Never >/dev/null &&
    "$k" -n "$ns" wait --for=condition=Ready pod/probe --timeout=60s >/dev/null &&
    "$k" delete namespace "$ns" --wait=false >/dev/null
}
for round in 1 2; do
  t0=$(date +%s)
  check "round $round: cluster:up" up
  echo "   (warm start: $(( $(date +%s) - t0 ))s)"
  check "round $round: a pod runs" pod_runs
  check "round $round: cluster:down" down
  check "round $round: nothing left behind" bash "$E2E_CLUSTER_DIR/check-clean.sh"
done
check "up before the crash" up
check "a pod runs before the crash" pod_runs
# A killed run: every process dies at once, the mounts, bridges and namespaces stay.
pkill -KILL -f -- "$BIN_DIR/|$BED_DIR/nodes/" || true
pkill -KILL -f -- "redis-server .*6379" || true
sleep 1
check "up after the crash cleans and starts" up
check "a pod runs after the crash" pod_runs
check "down after the crash" down
check "nothing left behind after the crash" bash "$E2E_CLUSTER_DIR/check-clean.sh"
echo "lifecycle: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
